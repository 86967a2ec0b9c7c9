"""Every validation rule, as a table of cases: what is refused, with which exception, and what is cleaned."""

from datetime import datetime, timezone

import pytest

from feedback.errors import InvalidEvent, InvalidRating, InvalidText
from feedback.records import CorrectionRecord, RatingRecord, TurnRecord
from feedback.validation import COMMENT_MAX_CHARS, TURN_TEXT_MAX_CHARS, validate_event


def rating(**overrides):
    values = dict(id="r1", turn_id="t1", rater_kind="customer", rater_id="s1", thumbs=True)
    values.update(overrides)
    return RatingRecord(**values)


def turn(**overrides):
    values = dict(id="t1", conversation_id="c1", turn_index=0, role="assistant", text="Hello")
    values.update(overrides)
    return TurnRecord(**values)


@pytest.mark.parametrize("event, error, message", [
    (rating(thumbs=None, stars=0), InvalidRating, "stars must be a whole number from 1 to 5"),
    (rating(thumbs=None, stars=6), InvalidRating, "stars must be a whole number from 1 to 5"),
    (rating(thumbs=None, stars=4.5), InvalidRating, "stars must be a whole number"),
    (rating(thumbs=None, stars=True), InvalidRating, "stars must be a whole number"),
    (rating(thumbs=True, stars=4), InvalidRating, "exactly one of them"),
    (rating(thumbs=None, stars=None), InvalidRating, "exactly one of them"),
    (rating(thumbs="yes"), InvalidRating, "thumbs must be True or False"),
    (rating(rater_kind="robot"), InvalidRating, "rater_kind must be 'customer' or 'agent'"),
    (rating(comment="x" * (COMMENT_MAX_CHARS + 1)), InvalidText, "the limit is 4,000"),
    (rating(comment="bad \ud800 surrogate"), InvalidText, "not valid Unicode"),
    (rating(id=""), InvalidEvent, "rating id must be a non-empty"),
    (rating(turn_id="t\n1"), InvalidEvent, "turn_id must be a non-empty printable"),
    (rating(superseded_at=datetime.now(timezone.utc)), InvalidRating, "set by the store"),
    (turn(text=""), InvalidText, "turn text is empty"),
    (turn(text=" \x00\x01 "), InvalidText, "turn text is empty"),
    (turn(text="x" * (TURN_TEXT_MAX_CHARS + 1)), InvalidText, "the limit is 100,000"),
    (turn(role="bot"), InvalidEvent, "turn role must be one of"),
    (turn(turn_index=-1), InvalidEvent, "turn_index must be a non-negative integer"),
    (turn(sampling={"temperature": float("nan")}), InvalidEvent, "sampling must hold only JSON values"),
    (turn(sampling={"stop": object()}), InvalidEvent, "sampling must hold only JSON values"),
    (turn(latency_ms=-3), InvalidEvent, "latency_ms must be a non-negative number"),
    (turn(prompt_tokens=-1), InvalidEvent, "prompt_tokens must be a non-negative integer"),
    (CorrectionRecord(id="k1", turn_id="t1", agent_id="a1", text="   "), InvalidText, "correction text is empty"),
    ("not an event", InvalidEvent, "not a feedback event"),
])
def test_invalid_events_are_refused_with_a_specific_message(event, error, message):
    with pytest.raises(error, match=message):
        validate_event(event)


def test_control_characters_and_nul_are_stripped_but_newlines_and_tabs_kept():
    cleaned = validate_event(turn(text="a\x00b\x07c\td\ne\r\nf\x7f\x85g"))
    assert cleaned.text == "abc\td\ne\r\nfg"


def test_sql_and_html_are_kept_verbatim():
    text = "'); DROP TABLE turns; -- <script>alert(1)</script> &amp;"
    assert validate_event(turn(text=text)).text == text


def test_limits_are_inclusive_and_naive_times_are_utc():
    assert len(validate_event(rating(comment="x" * COMMENT_MAX_CHARS)).comment) == COMMENT_MAX_CHARS
    cleaned = validate_event(rating(thumbs=None, stars=5, created_at=datetime(2026, 1, 2, 3, 4, 5)))
    assert cleaned.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
