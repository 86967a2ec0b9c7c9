"""Splitting examples into train/validation/test and balancing intents (pure functions).

Split by conversation with a fixed hash, never by a random draw: a conversation's split is a function of its
id alone, so it is the same every night, nothing ever moves from test into training, and a conversation's
turns never straddle two splits. Because the hash is independent of the intent, every intent is split in the
configured proportions in expectation (stratified by construction); the report shows the real counts per
intent. An exact per-intent stratification would have to look at the whole night's data and could move a
conversation between splits from one night to the next, which the stability guarantee rules out.

Balancing caps each intent at `max_intent_share` of the training split by dropping a stable, hash-chosen
subset of the biggest intents (only the training split: evaluation sees the real distribution).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from retrain.cleaning import comparison_key
from retrain.dataset_rules import Example, stable_fraction

SPLITS = ("train", "validation", "test")
SPLIT_SALT = "supportloop-split-v1"  # changing it reshuffles every split: never do it on a live system


class GoldenLeak(AssertionError):
    """A golden evaluation question reached the training data (the cleaning step should have removed it)."""


def split_of(conversation_id: str, validation_share: float, test_share: float) -> str:
    """'test' for the first `test_share` of the hash range, then 'validation', else 'train'.

    Test takes the low end: raising the test share later only moves conversations from train/validation into
    test, never out of it.
    """
    position = stable_fraction(conversation_id, SPLIT_SALT)
    if position < test_share:
        return "test"
    if position < test_share + validation_share:
        return "validation"
    return "train"


def split_examples(examples: Sequence[Example], validation_share: float,
                   test_share: float) -> dict[str, list[Example]]:
    splits: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for example in examples:
        splits[split_of(example.conversation_id, validation_share, test_share)].append(example)
    return splits


@dataclass(frozen=True)
class BalanceReport:
    before: dict[str, int]
    after: dict[str, int]
    cap: int | None
    note: str

    def to_json(self) -> dict:
        return {"before": self.before, "after": self.after, "cap": self.cap, "note": self.note}


def intent_cap(counts: Sequence[int], max_share: float) -> int | None:
    """The largest per-intent count c with c ≤ max_share × Σ min(n_i, c), or None if no cap is needed or possible.

    With k intents no cap below 1/k is satisfiable, so `max_share` < 1/k means "cannot balance" (None).
    """
    total = sum(counts)
    if not counts or max(counts) <= max_share * total or max_share * len(counts) < 1.0:
        return None
    low, high = 1, max(counts)
    while low < high:  # the condition is monotone in c: binary search the largest c that satisfies it
        middle = (low + high + 1) // 2
        if middle <= max_share * sum(min(n, middle) for n in counts):
            low = middle
        else:
            high = middle - 1
    return low


def balance_intents(examples: Sequence[Example], max_share: float) -> tuple[list[Example], BalanceReport]:
    before = Counter(example.intent for example in examples)
    cap = intent_cap(list(before.values()), max_share)
    if cap is None:
        enough_intents = max_share * len(before) >= 1.0
        note = "no intent above the cap" if enough_intents else (
            f"{len(before)} intent(s) cannot satisfy a {max_share:.0%} cap; left as they are")
        return list(examples), BalanceReport(dict(before), dict(before), None, note)
    dropped: set[str] = set()
    for intent, count in before.items():
        if count > cap:
            ranked = sorted((e for e in examples if e.intent == intent),
                            key=lambda e: stable_fraction(e.example_id, "balance"))
            dropped.update(e.example_id for e in ranked[cap:])
    kept = [example for example in examples if example.example_id not in dropped]
    after = Counter(example.intent for example in kept)
    return kept, BalanceReport(dict(before), dict(after), cap, f"capped intents at {cap} examples")


def verify_no_golden(train: Sequence[Example], golden_questions: Sequence[str]) -> None:
    """Raise GoldenLeak if any training prompt contains a golden question (an independent check, not a filter)."""
    golden = {comparison_key(question) for question in golden_questions}
    leaks = [example.example_id for example in train for message in example.prompt
             if message["role"] == "user" and comparison_key(message["content"]) in golden]
    if leaks:
        raise GoldenLeak(f"{len(leaks)} training examples ask a golden evaluation question "
                         f"(first: {leaks[0]}); refusing to train on the evaluation set")
