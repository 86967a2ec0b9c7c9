"""FeedbackStore and FeedbackLog together on real DuckDB files: ingestion, idempotency, live ratings,
rejections, atomic batches, reads, export and purges."""

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from feedback.errors import FeedbackError, InvalidRating
from feedback.ingest import FeedbackFiles, exclusive_store
from feedback.records import ConversationRecord, RatingRecord, TurnRecord
from feedback.reader import open_reader
from feedback.store import FeedbackStore


def chat(feedback, name="c1", customer="alice", version="v0001"):
    """A conversation with one user and one assistant turn; returns the assistant turn."""
    conversation = feedback.start_conversation(customer, version, f"support-{version}", conversation_id=name)
    feedback.log_turn(conversation.id, 0, "user", "Where is my order?", turn_id=f"{name}-u")
    return feedback.log_turn(conversation.id, 1, "assistant", "It ships today.", version=version,
                             sampling={"temperature": 0.0, "max_tokens": 160}, latency_ms=12.5,
                             prompt_tokens=30, completion_tokens=5, turn_id=f"{name}-a")


def test_logged_events_come_back_as_records(feedback_log):
    answer = chat(feedback_log)
    feedback_log.log_rating(answer.id, "customer", "session-1", thumbs=True, rating_id="r1")
    feedback_log.log_correction(answer.id, "agent-7", "It ships today; tracking follows by email.")
    feedback_log.tag_intent("c1", "order_tracking", "agent-7")
    report = feedback_log.flush()
    assert (report.stored, report.rejected) == (6, 0)
    with open_reader(feedback_log.files.db) as store:
        turns = store.turns_between()
    assert [item.turn.role for item in turns] == ["user", "assistant"]
    stored = turns[1]
    assert stored.turn == answer and stored.customer_id == "alice"
    assert [r.id for r in stored.ratings] == ["r1"] and stored.ratings[0].thumbs is True
    assert stored.corrections[0].text.startswith("It ships today; tracking")
    assert stored.intents == ("order_tracking",) and not stored.excluded


def test_a_new_rating_supersedes_the_live_one_and_history_is_kept(feedback_log):
    answer = chat(feedback_log)
    start = datetime(2026, 5, 1, tzinfo=timezone.utc)
    for minute, stars in enumerate([2, 5, 3]):
        feedback_log.log_rating(answer.id, "agent", "agent-7", stars=stars, rating_id=f"r{minute}",
                                created_at=start + timedelta(minutes=minute))
    feedback_log.log_rating(answer.id, "customer", "session-1", thumbs=False, rating_id="c")
    feedback_log.flush()
    # an older rating arriving late goes to history, it does not replace the newer live one
    feedback_log.log_rating(answer.id, "agent", "agent-7", stars=1, rating_id="late", created_at=start - timedelta(days=1))
    feedback_log.flush()
    with open_reader(feedback_log.files.db) as store:
        live = {r.id: r for r in store.turns_between()[1].ratings}
        history = store.rating_history(answer.id)
    assert set(live) == {"r2", "c"} and live["r2"].stars == 3
    superseded = {r.id: r.superseded_at for r in history if r.superseded_at}
    assert superseded == {"late": start, "r0": start + timedelta(minutes=1), "r1": start + timedelta(minutes=2)}


def test_replaying_the_same_events_stores_them_once(feedback_log, tmp_path):
    answer = chat(feedback_log)
    events = [RatingRecord(id=f"r{n}", turn_id=answer.id, rater_kind="customer", rater_id=f"s{n}", thumbs=True)
              for n in range(5)]
    feedback_log.log_many(events)
    feedback_log.log_many(events)  # a client retry after a lost acknowledgement
    first = feedback_log.flush()
    assert (first.stored, first.duplicates) == (8, 5)
    # copies of the journals under other names are a full replay: everything is a duplicate
    for segment in list(feedback_log.files.journal_dir.glob("*.jsonl")):
        (segment.parent / f"replayed-{segment.name}").write_bytes(segment.read_bytes())
    second = feedback_log.flush()
    assert (second.stored, second.duplicates) == (0, 13)
    with open_reader(feedback_log.files.db) as store:
        assert store.count("rating") == 5 and store.count("turn") == 2 and store.count("conversation") == 1


def test_references_to_unknown_turns_are_rejected_and_can_be_inspected(feedback_log):
    chat(feedback_log)
    feedback_log.log_rating("no-such-turn", "customer", "s1", thumbs=True, rating_id="orphan")
    feedback_log.log_turn("no-such-conversation", 0, "user", "hi", turn_id="lost")
    feedback_log.tag_intent("c1", "refund", "agent-7", turn_id="no-such-turn", tag_id="tag")
    report = feedback_log.flush()
    assert report.rejected == 3
    with open_reader(feedback_log.files.db) as store:
        rejected = {r.event_id: r for r in store.rejected_events()}
        assert store.stats().rejected_events == 3
    assert rejected["orphan"].reason == "unknown turn no-such-turn" and rejected["orphan"].kind == "rating"
    assert rejected["lost"].reason == "unknown conversation no-such-conversation"
    assert rejected["tag"].reason == "unknown turn no-such-turn"
    assert json.loads(rejected["orphan"].payload)["turn_id"] == "no-such-turn"


def test_sql_and_html_text_is_stored_verbatim(feedback_log):
    chat(feedback_log)
    nasty = "x'); DROP TABLE turns; --\n<img src=x onerror=alert(1)> \"quoted\" \\ backslash ünïcödé 🙂"
    feedback_log.log_turn("c1", 2, "user", nasty, turn_id="nasty")
    feedback_log.log_rating("nasty", "agent", "a'); DELETE FROM ratings; --", stars=1, comment=nasty)
    feedback_log.flush()
    with open_reader(feedback_log.files.db) as store:
        stored = {item.turn.id: item for item in store.turns_between()}["nasty"]
        assert store.count("turn") == 3
    assert stored.turn.text == nasty and stored.ratings[0].comment == nasty


def test_an_invalid_event_in_log_many_writes_nothing(feedback_log):
    answer = chat(feedback_log)
    good = RatingRecord(id="good", turn_id=answer.id, rater_kind="customer", rater_id="s", thumbs=True)
    bad = RatingRecord(id="bad", turn_id=answer.id, rater_kind="customer", rater_id="s", stars=9)
    with pytest.raises(InvalidRating):
        feedback_log.log_many([good, bad])
    feedback_log.flush()
    with open_reader(feedback_log.files.db) as store:
        assert store.count("rating") == 0


def test_a_failing_batch_is_rolled_back_whole(tmp_path):
    with FeedbackStore.open(tmp_path / "f.duckdb") as store:
        conversation = ConversationRecord(id="c", customer_id="a", version="v1", adapter="s")
        turn = TurnRecord(id="t", conversation_id="c", turn_index=0, role="user", text="hi")
        # the journal offset violates its CHECK after the events were inserted in the same transaction
        with pytest.raises(duckdb.ConstraintException):
            store.apply_events([conversation, turn], {"some-journal": -1})
        assert store.count("conversation") == 0 and store.count("turn") == 0 and store.journal_offsets() == {}
        store.apply_events([conversation, turn], {"some-journal": 10})
        assert store.count("turn") == 1 and store.journal_offsets() == {"some-journal": 10}


def test_stats_give_satisfaction_per_version_and_intent(feedback_log):
    for number, (version, intent, verdicts) in enumerate([("v0001", "refund", [True, False]),
                                                          ("v0002", "shipping", [True, True])]):
        for k, verdict in enumerate(verdicts):
            answer = chat(feedback_log, name=f"c{number}{k}", version=version)
            feedback_log.log_rating(answer.id, "customer", "s", thumbs=verdict)
            feedback_log.tag_intent(f"c{number}{k}", intent, "agent")
    feedback_log.log_rating("c00-a", "agent", "agent-1", stars=5)
    feedback_log.flush()
    with open_reader(feedback_log.files.db) as store:
        stats = store.stats()
    assert (stats.conversations, stats.turns, stats.live_ratings) == (4, 8, 5)
    v1, v2 = stats.per_version
    assert (v1.key, v1.ratings, v1.thumbs_up, v1.thumbs_down, v1.mean_stars) == ("v0001", 3, 1, 1, 5.0)
    assert v1.satisfaction == pytest.approx(2 / 3) and v2.satisfaction == 1.0
    assert [(row.key, row.ratings) for row in stats.per_intent] == [("refund", 3), ("shipping", 2)]


def test_export_writes_one_row_per_turn_with_its_feedback(feedback_log, tmp_path):
    answer = chat(feedback_log)
    feedback_log.log_rating(answer.id, "customer", "s", thumbs=False)
    feedback_log.log_rating(answer.id, "agent", "a", stars=2)
    feedback_log.log_correction(answer.id, "a", "Better answer.")
    feedback_log.exclude_from_training("c1", "contains a card number", "a", turn_id="c1-u")
    feedback_log.flush()
    with open_reader(feedback_log.files.db) as store:
        assert store.export_turns_parquet(tmp_path / "turns.parquet") == 2
    rows = duckdb.sql(f"SELECT * FROM '{tmp_path / 'turns.parquet'}' ORDER BY turn_index").fetchall()
    columns = duckdb.sql(f"SELECT * FROM '{tmp_path / 'turns.parquet'}'").columns
    user, assistant = (dict(zip(columns, row)) for row in rows)
    assert user["excluded"] is True and assistant["excluded"] is False
    assert (assistant["thumbs_down"], assistant["mean_stars"], assistant["correction"]) == (1, 2.0, "Better answer.")


def test_purges_delete_everything_of_a_customer_and_are_audited(feedback_log):
    answer = chat(feedback_log, name="c1", customer="alice")
    chat(feedback_log, name="c2", customer="bob")
    feedback_log.log_rating(answer.id, "customer", "s", thumbs=True)
    feedback_log.log_correction(answer.id, "agent", "fixed")
    feedback_log.exclude_from_training("c1", "asked to be forgotten", "agent")
    # not ingested yet: exclusive_store applies it before the purge, so nothing of alice comes back later
    with exclusive_store(feedback_log.files) as store:
        result = store.purge_customer("alice", actor="agent-7", reason="GDPR request")
        assert (result.conversations, result.turns, result.ratings, result.corrections) == (1, 2, 1, 1)
        assert store.count("turn") == 2 and store.count("training_exclusion") == 0
        entry = store.audit_entries()[0]
    assert entry.action == "purge_customer" and entry.actor == "agent-7"
    assert json.loads(entry.detail)["customer_id"] == "alice"
    feedback_log.flush()
    with open_reader(feedback_log.files.db) as store:
        assert store.conversation("c1") is None and store.conversation("c2") is not None


def test_purge_older_than_keeps_recent_conversations(feedback_log):
    old = datetime.now(timezone.utc) - timedelta(days=100)
    feedback_log.start_conversation("old-customer", "v0001", "s", conversation_id="old", started_at=old)
    feedback_log.log_turn("old", 0, "user", "hi", created_at=old)
    chat(feedback_log, name="new")
    with exclusive_store(feedback_log.files) as store:
        result = store.purge_older_than(90, actor="nightly")
        with pytest.raises(FeedbackError, match="zero or more"):
            store.purge_older_than(-1, actor="nightly")
    assert (result.conversations, result.turns) == (1, 1)
    with open_reader(feedback_log.files.db) as store:
        assert store.count("conversation") == 1 and store.audit_entries()[0].action == "purge_older_than"


def test_read_only_store_refuses_writes(feedback_log):
    with open_reader(feedback_log.files.db) as store:
        with pytest.raises(FeedbackError, match="read-only"):
            store.apply_events([])


def test_files_are_derived_from_the_database_path(tmp_path):
    files = FeedbackFiles.for_home(tmp_path)
    assert files.db == tmp_path / "feedback.duckdb" and files.journal_dir == tmp_path / "journal"
