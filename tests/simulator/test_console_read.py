"""Reading the console's views: parsed from the real renderer's output, so a format change fails here."""

from datetime import datetime, timezone

from feedback.console_view import conversation_html, queue_rows
from feedback.records import QueueItem, TurnRecord, TurnWithFeedback
from simulator.console_read import parse_conversation, parse_queue, queue_key

NOW = datetime(2026, 5, 1, tzinfo=timezone.utc)


def turn(index, role, text, version="v0002"):
    record = TurnRecord(id=f"t{index}", conversation_id="c<1>", turn_index=index, role=role, text=text,
                        version=version, adapter="", created_at=NOW)
    return TurnWithFeedback(record, customer_id="sess & 1", ratings=(), corrections=(), intents=(), excluded=False)


def test_a_conversation_view_gives_customer_turn_ids_versions_and_texts():
    view = conversation_html([turn(0, "user", "Where is <b>my</b> order?"), turn(1, "assistant", "It ships\ntoday & more."),
                              turn(2, "user", "Thanks"), turn(3, "assistant", "You're welcome.", version="base")], {})
    parsed = parse_conversation(view)
    assert (parsed.conversation_id, parsed.customer_id) == ("c<1>", "sess & 1")
    assert [(t.turn_id, t.role, t.index) for t in parsed.turns] == [("t0", "user", 0), ("t1", "assistant", 1),
                                                                    ("t2", "user", 2), ("t3", "assistant", 3)]
    assert [(a.version, a.text) for a in parsed.answers] == [("v0002", "It ships\ntoday & more."),
                                                             ("base", "You're welcome.")]


def test_the_empty_view_is_no_conversation():
    assert parse_conversation(conversation_html([], {})) is None


def test_queue_rows_as_gradio_client_returns_them():
    item = QueueItem("c9", NOW, "v0003", "", 1, 0, False, "How long do refunds take?")
    value = {"headers": ["conversation"], "data": queue_rows([item])}
    [row] = parse_queue(value)
    assert (row.conversation_id, row.version, row.first_message) == ("c9", "v0003", "How long do refunds take?")
    assert queue_key("  " + "x" * 200 + " ") == "x" * 120
