"""Cleaning steps on tables of examples: normalization, drops, PII, golden questions, exact and near duplicates."""

import pytest

from feedback.pii import scrub_with_counts
from retrain.cleaning import (clean_examples, drop_reason, normalize_text, remove_exact_duplicates,
                              remove_near_duplicates)
from retrain.dataset_rules import Example


def example(example_id, question, target, source="agent_rating", weight=1.0, truncated=False):
    return Example(example_id, f"conv-{example_id}", "cust", "returns", source, weight,
                   ({"role": "user", "content": question}, {"role": "assistant", "content": target}), truncated)


@pytest.mark.parametrize("raw, clean", [
    ("  Hello   world  ", "Hello world"),
    ("tab\there\x00NUL\x07bell", "tab hereNULbell"),
    ("ﬁne ＡＢＣ", "fine ABC"),  # NFKC folds ligatures and full-width letters
    ("line one\r\n\r\n\r\n\r\nline two", "line one\n\nline two"),
    ("zero\u200bwidth", "zerowidth"),
    ("", ""),
])
def test_normalize_text(raw, clean):
    assert normalize_text(raw) == clean


@pytest.mark.parametrize("target, truncated, reason", [
    ("Returns are accepted within 30 days.", False, None),
    ("", False, "empty_answer"),
    ("   ", False, "empty_answer"),
    ("1234 5678 !!! ???", False, "non_text"),
    ("ok", False, None),
    ("x" * 9000, False, "oversized"),
    ("Returns are accepted within", True, "truncated"),
])
def test_drop_reason(target, truncated, reason):
    assert drop_reason(example("e", "Can I return this?", target, truncated=truncated)) == reason


def test_exact_duplicates_keep_the_better_source():
    examples = [example("thumbs", "Can I return it?", "Yes, within 30 days.", "customer_thumbs", 0.3),
                example("fix", "can I  return it?", "yes, within 30 days.", "correction"),
                example("other", "Can I return it?", "Yes, within 30 days, unused.", "customer_thumbs")]
    kept, removed = remove_exact_duplicates(examples)
    assert [e.example_id for e in kept] == ["fix", "other"] and removed == 1


def test_near_duplicates_are_removed_and_different_answers_kept():
    base = "Returns are accepted within 30 days of delivery if the item is unused and in its original packaging."
    examples = [example("a", "How long do I have to return my jacket?", base),
                example("b", "How long do I have to return my jacket ?", base + " Thanks!"),
                example("c", "Where is my parcel?", "Your parcel ships within one business day and arrives in 3-5 days.")]
    kept, removed = remove_near_duplicates(examples, threshold=0.8)
    assert [e.example_id for e in kept] == ["a", "c"] and removed == 1
    assert remove_near_duplicates(examples, threshold=1.0) == (examples, 0)


def test_clean_examples_reports_every_step_and_scrubs_pii():
    golden = ["What is your return window?"]
    examples = [example("pii", "My card 4111 1111 1111 1111 was charged twice", "Please mail billing@shopnest.com."),
                example("golden", "what is your  RETURN window?", "30 days."),
                example("empty", "Hi", ""),
                example("cut", "Hi", "Let me check your", truncated=True),
                example("dup1", "Where is my order?", "It ships in one business day."),
                example("dup2", "Where is my order?", "It ships in one business day.")]
    kept, report = clean_examples(examples, scrub_with_counts, golden, near_duplicate_threshold=0.9)
    assert [e.example_id for e in kept] == ["pii", "dup1"]
    assert "[CARD]" in kept[0].prompt[0]["content"] and "4111" not in kept[0].prompt[0]["content"]
    assert "[EMAIL]" in kept[0].target
    assert report.removed == {"empty_answer": 1, "truncated": 1, "golden_question": 1, "exact_duplicate": 1,
                              "near_duplicate": 0}
    assert report.pii_replaced["CARD"] == 1 and report.pii_replaced["EMAIL"] == 1
    assert (report.examples_in, report.examples_out) == (6, 2)
