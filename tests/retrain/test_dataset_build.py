"""The dataset build end to end on a real DuckDB store: snapshot, rules, cleaning, splits, files, report."""

import json
import time
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from feedback.log import FeedbackLog
from feedback.pii import scrub_with_counts
from retrain.dataset import NothingToTrain, build_dataset, read_snapshot, read_split, require_enough, write_dataset
from supportloop.config import RetrainConfig
from tests.retrain.feedback_history import WRONG_ANSWER, record_feedback

CONFIG = RetrainConfig(min_examples=5, max_examples_per_customer=1000, max_intent_share=1.0)


def golden(corpus):
    return [m["content"] for c in corpus.conversations if c.split == "golden" for m in c.messages if m["role"] == "user"]


@pytest.fixture(scope="module")
def snapshot(tiny_corpus, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    with FeedbackLog(home, ingest_interval_s=None) as log:
        logged = record_feedback(log, [c for c in tiny_corpus.conversations if c.split == "simulator"])
    return read_snapshot(home / "feedback.duckdb", reader_timeout_s=10), logged


def test_snapshot_records_counts_and_reads_every_turn(snapshot):
    snap, _ = snapshot
    assert snap.snapshot_id.startswith("snap-")
    assert snap.counts["turns"] == len(snap.turns) > 0
    assert snap.counts["ratings"] > 0 and snap.counts["corrections"] > 0


def test_a_feedback_window_reads_only_conversations_started_since_its_start(tiny_corpus, tmp_path):
    home = tmp_path / "home"
    simulator = [c for c in tiny_corpus.conversations if c.split == "simulator"]
    older, newer = simulator[:6], simulator[6:12]
    with FeedbackLog(home, ingest_interval_s=None) as log:
        record_feedback(log, older)
        since = datetime.now(timezone.utc)
        time.sleep(0.01)
        record_feedback(log, newer)
    everything = read_snapshot(home / "feedback.duckdb", reader_timeout_s=10)
    window = read_snapshot(home / "feedback.duckdb", reader_timeout_s=10, since=since)
    assert {t.conversation_id for t in everything.turns} == {f"conv-{c.id}" for c in older + newer}
    assert {t.conversation_id for t in window.turns} == {f"conv-{c.id}" for c in newer}
    assert window.since == since.isoformat() and everything.since is None
    dataset = build_dataset(window.turns, golden(tiny_corpus), CONFIG, scrub_with_counts)
    directory = write_dataset(dataset, window, tmp_path / "datasets", CONFIG)
    assert f"started since {since.isoformat()} only" in (directory / "report.md").read_text()


def test_only_corrections_good_ratings_and_thumbs_up_become_targets(snapshot, tiny_corpus):
    snap, logged = snapshot
    dataset = build_dataset(snap.turns, golden(tiny_corpus), CONFIG, scrub_with_counts)
    examples = [e for split in dataset.splits.values() for e in split]
    assert {e.source for e in examples} == {"correction", "agent_rating", "customer_thumbs"}
    assert all(e.target != WRONG_ANSWER for e in examples)  # the corrected originals never are targets
    assert {e.weight for e in examples if e.source == "customer_thumbs"} == {CONFIG.customer_thumbs_weight}
    assert dataset.report["rules"]["corrected"] == logged["correction"]
    assert dataset.report["rules"]["customer_bad"] == logged["customer_down"]
    assert len(dataset.pairs) == logged["correction"]
    assert all(pair.rejected == WRONG_ANSWER for pair in dataset.pairs)
    assert sum(dataset.report["splits"].values()) == dataset.report["cleaning"]["examples_out"]
    golden_keys = {" ".join(q.casefold().split()) for q in golden(tiny_corpus)}
    assert not any(" ".join(m["content"].casefold().split()) in golden_keys
                   for e in dataset.splits["train"] for m in e.prompt if m["role"] == "user")


def test_written_dataset_is_content_addressed_and_reports_itself(snapshot, tiny_corpus, tmp_path):
    snap, _ = snapshot
    dataset = build_dataset(snap.turns, golden(tiny_corpus), CONFIG, scrub_with_counts)
    directory = write_dataset(dataset, snap, tmp_path / "datasets", CONFIG)
    again = build_dataset(snap.turns, golden(tiny_corpus), CONFIG, scrub_with_counts)
    assert write_dataset(again, snap, tmp_path / "datasets", CONFIG) == directory
    assert sorted(p.name for p in directory.iterdir()) == [
        "dataset.json", "kto.jsonl", "preference_pairs.jsonl", "report.md", "test.jsonl", "train.jsonl",
        "validation.jsonl"]
    description = json.loads((directory / "dataset.json").read_text())
    assert description["snapshot_id"] == snap.snapshot_id and description["dataset_sha256"] == dataset.sha256
    train = read_split(directory, "train")
    assert [e.example_id for e in train] == [e.example_id for e in dataset.splits["train"]]
    first = json.loads((directory / "train.jsonl").read_text().splitlines()[0])
    assert first["messages"][-1]["role"] == "assistant" and {"id", "intent", "source", "weight"} <= set(first)
    pair = json.loads((directory / "preference_pairs.jsonl").read_text().splitlines()[0])
    assert {"prompt", "chosen", "rejected", "split"} <= set(pair)
    kto = [json.loads(line) for line in (directory / "kto.jsonl").read_text().splitlines()]
    assert {row["label"] for row in kto} == {True, False}
    report = (directory / "report.md").read_text()
    assert "## Cleaning" in report and "| exact_duplicate |" in report and "## Splits" in report


def test_pii_in_feedback_is_scrubbed_everywhere(tiny_corpus, tmp_path):
    with FeedbackLog(tmp_path, ingest_interval_s=None) as log:
        record = log.start_conversation("cust", "base", "")
        log.log_turn(record.id, 0, "user", "Refund to card 4111 1111 1111 1111 please, mail me at jo@example.com")
        answer = log.log_turn(record.id, 1, "assistant", "Done.")
        log.log_correction(answer.id, "agent-ann", "I refunded the card ending 1111; confirmation goes to jo@example.com.")
        log.flush()
    snap = read_snapshot(tmp_path / "feedback.duckdb", 10)
    dataset = build_dataset(snap.turns, [], replace(CONFIG, validation_share=0, test_share=0), scrub_with_counts)
    text = json.dumps([e.to_json() for e in dataset.splits["train"]] + [p.to_json() for p in dataset.pairs])
    assert "4111 1111" not in text and "jo@example.com" not in text and "[CARD]" in text and "[EMAIL]" in text


def test_too_little_feedback_is_nothing_to_train(tmp_path):
    with FeedbackLog(tmp_path, ingest_interval_s=None) as log:
        log.flush()
    snap = read_snapshot(tmp_path / "feedback.duckdb", 10)
    dataset = build_dataset(snap.turns, [], CONFIG, scrub_with_counts)
    assert dataset.report["splits"] == {"train": 0, "validation": 0, "test": 0}
    with pytest.raises(NothingToTrain, match="nothing to train"):
        require_enough(len(dataset.splits["train"]), CONFIG.min_examples)


def test_splits_stay_put_when_new_feedback_arrives(tiny_corpus, tmp_path):
    conversations = [c for c in tiny_corpus.conversations if c.split != "golden"]
    with FeedbackLog(tmp_path, ingest_interval_s=None) as log:
        record_feedback(log, conversations[:120])
        first = build_dataset(read_snapshot(tmp_path / "feedback.duckdb", 10).turns, [], CONFIG, scrub_with_counts)
        record_feedback(log, conversations[120:300])
        second = build_dataset(read_snapshot(tmp_path / "feedback.duckdb", 10).turns, [], CONFIG, scrub_with_counts)
    where = {e.example_id: name for name, split in second.splits.items() for e in split}
    moved = [(e.example_id, name, where.get(e.example_id)) for name, split in first.splits.items() for e in split
             if where.get(e.example_id) not in (None, name)]
    assert sum(len(split) for split in second.splits.values()) > sum(len(split) for split in first.splits.values())
    assert first.splits["test"] and not moved
