"""The console's pure logic: escaping, answer choices, and which events a press of "Save" becomes."""

from datetime import datetime, timezone

import pytest

from feedback.console_view import (ConsoleInputError, answer_choices, conversation_html, first_to_review,
                                   review_events, review_filter)
from feedback.records import (CorrectionRecord, IntentTagRecord, RatingRecord, TrainingExclusionRecord, TurnRecord,
                              TurnWithFeedback)


def item(turn_id, role, text, ratings=(), corrections=(), excluded=False):
    turn = TurnRecord(id=turn_id, conversation_id="c", turn_index=int(turn_id[-1]), role=role, text=text)
    return TurnWithFeedback(turn=turn, customer_id="cust <x>", ratings=tuple(ratings), corrections=tuple(corrections),
                            intents=("refund",), excluded=excluded)


def thumbs(turn_id, up, comment=""):
    return RatingRecord(id=f"r{turn_id}", turn_id=turn_id, rater_kind="customer", rater_id="s", thumbs=up, comment=comment)


CONVERSATION = [item("t0", "user", "<script>alert(1)</script> & \"quotes\""),
                item("t1", "assistant", "ok <b>bold</b>", [thumbs("t1", True, "<img src=x onerror=alert(2)>")]),
                item("t2", "user", "and?"),
                item("t3", "assistant", "second", [thumbs("t3", False)],
                     [CorrectionRecord(id="k", turn_id="t3", agent_id="a1", text="<i>better</i>")])]


def test_everything_people_wrote_is_escaped():
    page = conversation_html(CONVERSATION, {"a1": "ann"})
    for raw in ("<script>", "<b>bold", "<img", "<i>better", "cust <x>"):
        assert raw not in page
    for escaped in ("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;", "&lt;img src=x onerror=alert(2)&gt;",
                    "Correction by ann", "&lt;i&gt;better&lt;/i&gt;"):
        assert escaped in page


def test_answers_are_labelled_and_the_thumbs_down_one_is_picked_first():
    assert [choice[1] for choice in answer_choices(CONVERSATION)] == ["t1", "t3"]
    assert answer_choices(CONVERSATION)[1][0].startswith("answer 2 👎")
    assert first_to_review(CONVERSATION) == "t3"
    assert first_to_review(CONVERSATION[:2]) == "t1"  # unreviewed
    assert first_to_review([]) is None


def review(**changes):
    values = dict(agent_id="a1", conversation_id="c", turn_id="t1", stars=None, comment="", correction="",
                  original_answer="ok", intent="", known_intents=("refund",), exclude=False, exclude_reason="",
                  already_excluded=False)
    values.update(changes)
    return review_events(**values)


@pytest.mark.parametrize("changes, kinds", [
    ({"stars": "4"}, [RatingRecord]),
    ({"stars": "1", "comment": "wrong policy"}, [RatingRecord]),
    ({"correction": "better answer"}, [CorrectionRecord]),
    ({"correction": "ok"}, None),                      # unchanged answer: nothing to save
    ({"intent": "refund"}, None),                      # intent already tagged
    ({"intent": "shipping"}, [IntentTagRecord]),
    ({"exclude": True, "exclude_reason": "PII"}, [TrainingExclusionRecord]),
    ({"exclude": True, "exclude_reason": "PII", "already_excluded": True}, None),
    ({"stars": "5", "correction": "better", "intent": "shipping", "exclude": True, "exclude_reason": "test chat"},
     [RatingRecord, CorrectionRecord, IntentTagRecord, TrainingExclusionRecord]),
])
def test_a_save_becomes_only_the_events_that_changed(changes, kinds):
    if kinds is None:
        with pytest.raises(ConsoleInputError, match="nothing to save"):
            review(**changes)
        return
    events = review(**changes)
    assert [type(event) for event in events] == kinds
    assert all(getattr(e, "rater_id", None) or getattr(e, "agent_id", None) or e.tagged_by for e in events)
    assert {getattr(e, "rater_id", getattr(e, "agent_id", getattr(e, "tagged_by", None))) for e in events} == {"a1"}


@pytest.mark.parametrize("changes, message", [
    ({"exclude": True}, "say why"),
    ({"comment": "no stars"}, "choose 1-5 stars"),
    ({"stars": "3", "turn_id": None}, "choose the answer"),
])
def test_incomplete_reviews_are_refused(changes, message):
    with pytest.raises(ConsoleInputError, match=message):
        review(**changes)


def test_queue_filter_dates_are_inclusive_days_and_bad_dates_are_named():
    wanted = review_filter("v1", "", "2026-05-01", "2026-05-03", "thumbs down")
    assert wanted.start == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert wanted.end == datetime(2026, 5, 4, tzinfo=timezone.utc)
    with pytest.raises(ConsoleInputError, match="to date must be a date like"):
        review_filter("", "", "", "May 3rd", "any")
