"""The feedback and agents commands through `supportloop.cli.main`, plus one real subprocess run while a
writer is logging; exports are read back with duckdb, json and datasets."""

import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from feedback.log import FeedbackLog
from feedback.reader import open_reader
from supportloop.cli import main
from tests.feedback.conftest import REPO_ROOT


def seed_home(home):
    """alice: a corrected answer with PII; bob: an excluded conversation; carol: an old one, 400 days back."""
    old = datetime.now(timezone.utc) - timedelta(days=400)
    with FeedbackLog(home, ingest_interval_s=None) as log:
        for customer, started in (("alice", None), ("bob", None), ("carol", old)):
            log.start_conversation(customer, "v0001", "support-v0001", conversation_id=customer, started_at=started)
            log.log_turn(customer, 0, "user", f"I am {customer}, mail {customer}@example.com or call 555-0142",
                         turn_id=f"{customer}-u", created_at=started)
            log.log_turn(customer, 1, "assistant", "Returns are free within 60 days.", version="v0001",
                         turn_id=f"{customer}-a", created_at=started)
            log.log_rating(f"{customer}-a", "customer", f"s-{customer}", thumbs=customer != "alice", created_at=started)
        log.log_correction("alice-a", "agent-1", "Returns are free within 30 days; card 4111 1111 1111 1111 noted.")
        log.tag_intent("alice", "returns_refunds", "agent-1")
        log.exclude_from_training("bob", "test conversation", "agent-1")
        log.flush()


@pytest.fixture
def home(tmp_path):
    seed_home(tmp_path / "home")
    return tmp_path / "home"


def cli(home, *args, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--home", str(home), *args])


def test_stats_show_counts_and_satisfaction(home, capsys):
    assert cli(home, "feedback", "stats") == 0
    out = capsys.readouterr().out
    assert "conversations 3 · turns 6 · live ratings 3 · corrections 1" in out
    assert "v0001" in out and "returns_refunds" in out and "66.7%" in out


def test_parquet_export_is_readable_and_scrubbed(home, tmp_path, capsys):
    out = tmp_path / "turns.parquet"
    assert cli(home, "feedback", "export", "--format", "parquet", "--scrub-pii", "--out", str(out)) == 0
    rows = duckdb.sql(f"SELECT turn_id, text, correction, excluded FROM '{out}' ORDER BY turn_id").fetchall()
    assert len(rows) == 6
    texts = " ".join(str(value) for row in rows for value in row)
    assert "@example.com" not in texts and "555-0142" not in texts and "4111" not in texts
    assert "[EMAIL]" in texts and "[PHONE]" in texts and "[CARD]" in texts
    assert {row[0]: row[3] for row in rows}["bob-a"] is True


def test_openai_jsonl_has_messages_with_corrections_and_no_excluded_conversations(home, tmp_path, capsys):
    out = tmp_path / "train.jsonl"
    since = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%d")
    assert cli(home, "feedback", "export", "--format", "openai-jsonl", "--since", since, "--out", str(out)) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 1 and set(lines[0]) == {"messages"}  # bob is excluded, carol is too old
    roles = [m["role"] for m in lines[0]["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert lines[0]["messages"][2]["content"].startswith("Returns are free within 30 days")  # the correction


def test_hf_dataset_export_loads_with_datasets(home, tmp_path, capsys):
    import datasets

    out = tmp_path / "dataset"
    assert cli(home, "feedback", "export", "--format", "hf-dataset", "--scrub-pii", "--out", str(out)) == 0
    loaded = datasets.load_from_disk(str(out))
    assert sorted(loaded["conversation_id"]) == ["alice", "carol"]
    assert all("@example.com" not in m["content"] for row in loaded for m in row["messages"])


def test_purge_of_a_customer_removes_their_rows_and_is_audited(home, capsys):
    assert cli(home, "feedback", "purge", "--customer", "alice", "--reason", "privacy request #1") == 0
    assert "purged 1 conversations, 2 turns, 1 ratings, 1 corrections" in capsys.readouterr().out
    with open_reader(home / "feedback.duckdb") as store:
        assert store.conversation("alice") is None and store.conversation_turns("alice") == []
        assert store.count("turn") == 4
        entry = store.audit_entries()[0]
    assert entry.action == "purge_customer" and json.loads(entry.detail)["customer_id"] == "alice"
    assert json.loads(entry.detail)["reason"] == "privacy request #1" and entry.actor.endswith("@cli")


def test_purge_older_than_keeps_recent_conversations(home, capsys):
    assert cli(home, "feedback", "purge", "--older-than", "365") == 0
    with open_reader(home / "feedback.duckdb") as store:
        assert store.conversation("carol") is None and store.conversation("alice") is not None
        assert store.audit_entries()[0].action == "purge_older_than"


def test_agent_commands(home, capsys, monkeypatch):
    assert cli(home, "agents", "add", "ann", "--password-stdin", stdin="a long password\n", monkeypatch=monkeypatch) == 0
    assert cli(home, "agents", "token", "ann") == 0
    captured = capsys.readouterr()
    token = captured.out.strip().splitlines()[-1]
    assert token.startswith("slt_") and "shown only now" in captured.err
    assert cli(home, "agents", "disable", "ann") == 0
    assert cli(home, "agents", "list") == 0
    listing = capsys.readouterr().out
    assert "ann" in listing and "disabled" in listing and "yes" in listing and token not in listing


@pytest.mark.parametrize("args, stdin, message", [
    (["agents", "add", "ann", "--password-stdin"], "short\n", "at least 8 characters"),
    (["agents", "disable", "nobody"], None, "no agent named 'nobody'"),
    (["feedback", "export", "--format", "parquet", "--since", "May", "--out", "x.parquet"], None, "--since must be a date"),
    (["feedback", "purge", "--older-than", "-1"], None, "zero or more"),
])
def test_errors_are_one_line(home, capsys, monkeypatch, args, stdin, message):
    assert cli(home, *args, stdin=stdin, monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and err.startswith("supportloop: error:")


def test_commands_run_as_a_real_process_while_the_app_logs(home):
    with FeedbackLog(home, ingest_interval_s=0.1) as app_log:  # the app: writing and ingesting meanwhile
        app_log.log_rating("bob-a", "customer", "late", thumbs=True)
        add = subprocess.run([sys.executable, "-m", "supportloop.cli", "--home", str(home), "agents", "add", "zoe",
                              "--password-stdin"], input="another password\n", capture_output=True, text=True,
                             cwd=REPO_ROOT, timeout=120)
        stats = subprocess.run([sys.executable, "-m", "supportloop.cli", "--home", str(home), "feedback", "stats"],
                               capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert add.returncode == 0 and "agent zoe added" in add.stdout, add.stderr
    assert stats.returncode == 0 and "live ratings 4" in stats.stdout, stats.stderr
