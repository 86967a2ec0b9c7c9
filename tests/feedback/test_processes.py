"""Durability and concurrency with REAL processes: kill -9 after acknowledgements, a reader beside a
writer, two writers at once. The workers are tests/feedback/feedback_worker.py."""

import os
import signal
import time

from feedback.ingest import FeedbackFiles, ingest_all
from feedback.reader import open_reader


def read_acks(process, wanted: int, timeout_s: float = 30.0) -> list[str]:
    acks = []
    deadline = time.monotonic() + timeout_s
    while len(acks) < wanted and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("ack "):
            acks.append(line.split()[1])
    return acks


def stored_rating_ids(db, ingest_first: bool = True) -> set[str]:
    with open_reader(db, ingest_first=ingest_first) as store:
        return {rating.id for item in store.turns_between() for rating in item.ratings}


def test_acknowledged_ratings_survive_kill_9(tmp_path, start_worker):
    writer = start_worker("write", tmp_path, "w", 100_000, 0.05)  # ingests in the background while it writes
    acks = read_acks(writer, 300)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert len(acks) == 300
    stored = stored_rating_ids(tmp_path / "feedback.duckdb")
    assert set(acks) <= stored
    # whatever was fsync'd but not yet acknowledged may be there too, but nothing twice and nothing invented
    assert all(rating_id.startswith("w-rating-") for rating_id in stored)


def test_a_reader_reads_while_a_writer_writes(tmp_path, start_worker):
    db = tmp_path / "feedback.duckdb"
    writer = start_worker("write", tmp_path, "w", 1_500, 0.02)
    assert writer.stdout.readline().strip() == "ready"
    reader = start_worker("read", db, 3)
    acks = read_acks(writer, 1_500)
    reader_out, reader_err = reader.communicate(timeout=60)
    assert writer.wait(timeout=30) == 0
    assert reader.returncode == 0, reader_err
    assert int(reader_out.split()[1]) > 5
    assert len(acks) == 1_500
    assert stored_rating_ids(db) == set(acks)


def test_two_writers_at_once_store_everything_exactly_once(tmp_path, start_worker):
    writers = [start_worker("write", tmp_path, name, 800, 0.02) for name in ("a", "b")]
    acks = [read_acks(writer, 800) for writer in writers]
    for writer in writers:
        assert writer.wait(timeout=30) == 0, writer.stderr.read()
    ingest_all(FeedbackFiles.for_home(tmp_path))
    with open_reader(tmp_path / "feedback.duckdb") as store:
        assert store.count("rating") == 1_600 and store.count("turn") == 2 and store.count("conversation") == 2
        assert store.stats().live_ratings == 1_600
    assert stored_rating_ids(tmp_path / "feedback.duckdb") == set(acks[0]) | set(acks[1])


def _wait_until_stored(db, rating_id: str, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if rating_id in stored_rating_ids(db, ingest_first=False):  # only the app's ingester can have stored it
            return True
        time.sleep(0.1)
    return False


def test_the_ingester_process_stores_what_arrives_after_it_sat_idle(tmp_path):
    from feedback.ingest_daemon import FULL_CHECK_S, journal_fingerprint
    from feedback.log import FeedbackLog

    with FeedbackLog(tmp_path, ingest_interval_s=0.05) as feedback:  # the app's ingester process
        conversation = feedback.start_conversation("customer-1", "base", "")
        turn = feedback.log_turn(conversation.id, 1, "assistant", "Returns are free within 60 days.")
        feedback.log_rating(turn.id, "customer", "customer-1", thumbs=True, rating_id="first")
        assert _wait_until_stored(feedback.files.db, "first")
        idle = journal_fingerprint(feedback.files.journal_dir)
        time.sleep(1.0)  # twenty rounds with nothing new: the journals stay as they were
        assert journal_fingerprint(feedback.files.journal_dir) == idle
        feedback.log_rating(turn.id, "customer", "customer-1", thumbs=False, rating_id="second")
        assert journal_fingerprint(feedback.files.journal_dir) != idle  # the write changed the journal's mtime
        # stored by a round that saw the change, not by the full check every FULL_CHECK_S
        assert _wait_until_stored(feedback.files.db, "second", timeout_s=FULL_CHECK_S / 2)
