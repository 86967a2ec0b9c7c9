"""`supportloop retrain dataset|train` from the command line: exit codes, output, files."""

import pytest

from feedback.log import FeedbackLog
from feedback.reader import open_reader
from supportloop.cli import main
from supportloop.commands_retrain import EXIT_NOTHING_TO_TRAIN
from tests.retrain.feedback_history import record_feedback


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTLOOP_HOME", str(tmp_path))
    monkeypatch.setenv("SUPPORTLOOP__CORPUS__CONVERSATIONS", "400")
    monkeypatch.setenv("SUPPORTLOOP__RETRAIN__MIN_EXAMPLES", "5")
    return tmp_path


def test_dataset_command_writes_dataset_and_report(home, tiny_corpus, capsys):
    with FeedbackLog(home, ingest_interval_s=None) as log:
        record_feedback(log, [c for c in tiny_corpus.conversations if c.split == "simulator"])
    assert main(["retrain", "dataset"]) == 0
    out = capsys.readouterr().out
    assert "snapshot snap-" in out and "report:" in out
    (directory,) = (home / "runs" / "datasets").iterdir()
    assert (directory / "report.md").is_file() and (directory / "train.jsonl").stat().st_size > 0


@pytest.mark.parametrize("command", [["retrain", "dataset"], ["retrain", "train", "--quiet"]])
def test_empty_store_is_nothing_to_train_with_its_own_exit_code(home, command, capsys):
    assert main(command) == EXIT_NOTHING_TO_TRAIN
    assert "nothing to train" in capsys.readouterr().out
    assert not (home / "registry" / "versions").exists()


DISK_FULL_SCRIPT = """
import resource, signal, sys
from supportloop.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
sys.exit(main(["retrain", "dataset"]))
"""


def test_a_full_disk_is_a_clear_error_and_leaves_nothing_half_written(home, tiny_corpus):
    """The dataset files outgrow what the "disk" takes (a file-size limit on the process): one clear line,
    exit code 1, and neither a published dataset nor a staging directory left behind."""
    import os
    import subprocess
    import sys

    with FeedbackLog(home, ingest_interval_s=None) as log:
        record_feedback(log, [c for c in tiny_corpus.conversations if c.split == "simulator"])
    with open_reader(home / "feedback.duckdb", ingest_first=True):
        pass  # journals applied now, so the run below only reads the database and writes the dataset
    result = subprocess.run([sys.executable, "-c", DISK_FULL_SCRIPT], env=os.environ.copy(), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "out of disk space writing" in result.stderr and "Traceback" not in result.stderr
    datasets = home / "runs" / "datasets"
    assert not datasets.exists() or list(datasets.iterdir()) == []
