"""Splits are a fixed function of the conversation id, stratified in expectation; intent balancing; golden check."""

from collections import Counter

import pytest

from retrain.dataset_rules import Example
from retrain.splitting import GoldenLeak, balance_intents, intent_cap, split_examples, split_of, verify_no_golden


def example(index, intent="returns", conversation=None, question=None):
    return Example(f"e{index}", conversation or f"c{index}", "cust", intent, "correction", 1.0,
                   ({"role": "user", "content": question or f"question {index}"},
                    {"role": "assistant", "content": f"answer {index}"}))


def test_split_is_stable_and_close_to_the_configured_shares():
    ids = [f"conversation-{i}" for i in range(20000)]
    first = [split_of(i, 0.1, 0.1) for i in ids]
    assert first == [split_of(i, 0.1, 0.1) for i in ids]
    shares = Counter(first)
    assert abs(shares["test"] / 20000 - 0.1) < 0.01 and abs(shares["validation"] / 20000 - 0.1) < 0.01


def test_growing_shares_never_move_a_test_conversation_into_training():
    ids = [f"c{i}" for i in range(5000)]
    before = {i for i in ids if split_of(i, 0.1, 0.1) == "test"}
    after = {i for i in ids if split_of(i, 0.2, 0.15) == "train"}
    assert before and not before & after


def test_turns_of_one_conversation_share_a_split_and_every_intent_is_split():
    examples = [example(i, intent=("returns", "shipping", "payment")[i % 3], conversation=f"c{i // 2}")
                for i in range(6000)]
    splits = split_examples(examples, 0.1, 0.1)
    where = {e.conversation_id: name for name, group in splits.items() for e in group}
    assert all(where[e.conversation_id] == name for name, group in splits.items() for e in group)
    for intent in ("returns", "shipping", "payment"):
        test_share = sum(e.intent == intent for e in splits["test"]) / 2000
        assert 0.07 < test_share < 0.13


@pytest.mark.parametrize("counts, share, cap", [
    ([10, 10, 10], 0.5, None),        # nothing above the share
    ([80, 10, 10], 0.5, 20),          # 20 <= 0.5 * (20 + 10 + 10)
    ([100], 0.5, None),               # one intent cannot be balanced
    ([50, 50], 0.4, None),            # two intents cannot satisfy 40 % each
    ([1000, 100, 100, 100], 0.35, 161),
])
def test_intent_cap(counts, share, cap):
    assert intent_cap(counts, share) == cap
    if cap is not None:
        capped = [min(n, cap) for n in counts]
        assert max(capped) <= share * sum(capped) and cap + 1 > share * sum(min(n, cap + 1) for n in counts)


def test_balance_intents_reports_before_and_after():
    examples = [example(i, "returns") for i in range(80)] + [example(100 + i, "shipping") for i in range(10)] + \
               [example(200 + i, "payment") for i in range(10)]
    kept, report = balance_intents(examples, 0.5)
    assert report.before == {"returns": 80, "shipping": 10, "payment": 10}
    assert report.after == {"returns": 20, "shipping": 10, "payment": 10} and len(kept) == 40
    assert [e.example_id for e in balance_intents(examples, 0.5)[0]] == [e.example_id for e in kept]


def test_golden_check_raises_on_a_leak():
    verify_no_golden([example(1)], ["What is your return window?"])
    with pytest.raises(GoldenLeak, match="golden"):
        verify_no_golden([example(1, question="what is your RETURN window?")], ["What is your return window?"])
