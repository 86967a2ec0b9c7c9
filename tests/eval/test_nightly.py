"""`supportloop nightly` end to end on the tiny model: dataset, real LoRA steps, real vLLM generation, gate,
canary, monitor, report; idempotent on rerun; one job at a time."""

import json

import pytest

from eval.registry import list_versions, read_aliases, read_evaluation
from feedback.log import FeedbackLog
from supportloop.cli import main
from supportloop.commands_release import EXIT_BUSY, EXIT_NOTHING_TO_TRAIN, EXIT_RELEASED, nightly_lock
from tests.conftest import TINY_SYSTEM_PROMPT
from tests.retrain.feedback_history import record_feedback

pytestmark = pytest.mark.slow

SMALL = {
    "CORPUS__CONVERSATIONS": "400", "SERVE__MAX_MODEL_LEN": "512", "SERVE__MAX_LORA_RANK": "8",
    "SERVE__SYSTEM_PROMPT": TINY_SYSTEM_PROMPT, "RETRAIN__MAX_STEPS": "6", "RETRAIN__BATCH_SIZE": "8",
    "RETRAIN__EVAL_STEPS": "3", "RETRAIN__MIN_EXAMPLES": "5", "RETRAIN__MAX_LENGTH": "256",
    "RETRAIN__MAX_INTENT_SHARE": "1.0", "RETRAIN__TEST_SHARE": "0.3",
    "EVAL__MAX_NEW_TOKENS": "24", "EVAL__GOLDEN_EXAMPLES": "12", "EVAL__MIN_TEST_EXAMPLES": "5",
    # A generous margin and tolerances: this test is about the job's mechanics; the gate has its own tests.
    "EVAL__NON_INFERIORITY_MARGIN": "0.5", "EVAL__GUARD_TOLERANCE": "1.0", "EVAL__INTENT_FLOOR_TOLERANCE": "1.0",
    "EVAL__MAX_PII_LEAKS": "100", "EVAL__CANARY_SHARE": "0.25",
}


@pytest.fixture(scope="module")
def home(tiny_model_dir, tiny_corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("nightly-home")
    with FeedbackLog(path, ingest_interval_s=None) as log:
        record_feedback(log, [c for c in tiny_corpus.conversations if c.split != "golden"][:160])
    return path


@pytest.fixture
def environment(home, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("SUPPORTLOOP_HOME", str(home))
    monkeypatch.setenv("SUPPORTLOOP__BASE_MODEL", str(tiny_model_dir))
    for key, value in SMALL.items():
        monkeypatch.setenv(f"SUPPORTLOOP__{key}", value)
    return home


def test_nightly_trains_evaluates_and_canaries_then_is_idempotent(environment, capsys):
    home = environment
    assert main(["nightly"]) == EXIT_RELEASED
    out = capsys.readouterr().out
    assert list_versions(home / "registry") == ["v0001"]
    evaluation = read_evaluation(home / "registry", "v0001")
    assert evaluation["verdict"] == "promote" and evaluation["decision"]["primary"]["n"] >= 5
    assert read_aliases(home / "registry").canary.version == "v0001"
    report = (home / "registry" / "evaluations" / "v0001.json")
    assert json.loads(report.read_text())["report"].endswith("report.md")
    for stage in ("[dataset]", "[train]", "[evaluate]", "[monitor]"):
        assert stage in out
    (nightly_report,) = (home / "runs" / "nightly").glob("*/report.md")
    assert "| train |" in nightly_report.read_text()

    assert main(["nightly"]) == EXIT_RELEASED  # unchanged feedback: same dataset, same candidate, nothing redone
    out = capsys.readouterr().out
    assert "already trained" in out and "already evaluated" in out and "already serving" in out
    assert list_versions(home / "registry") == ["v0001"]


def test_a_second_nightly_job_exits_at_once(environment, capsys):
    with nightly_lock(environment / "runs" / "nightly.lock"):
        assert main(["nightly"]) == EXIT_BUSY
    assert "another nightly job is running" in capsys.readouterr().out


def test_no_feedback_is_nothing_to_train(tiny_model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SUPPORTLOOP_HOME", str(tmp_path))
    monkeypatch.setenv("SUPPORTLOOP__BASE_MODEL", str(tiny_model_dir))
    for key, value in SMALL.items():
        monkeypatch.setenv(f"SUPPORTLOOP__{key}", value)
    assert main(["nightly"]) == EXIT_NOTHING_TO_TRAIN
    assert "nothing to train" in capsys.readouterr().out
    assert list_versions(tmp_path / "registry") == []
