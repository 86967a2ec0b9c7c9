"""Which feedback becomes training material, and how much it counts: the dataset rules (pure functions).

The rules, in order of authority (an agent's judgement overrides a customer's):
  1. A turn in or after a "do not train" exclusion is never used (its text would sit in the prompt).
  2. An agent's correction is the target of a supervised example (weight `correction_weight`); the original
     answer, when different, becomes the rejected side of a preference pair and a "bad" KTO label.
  3. Agents' stars decide next: mean ≥ `min_agent_stars` → supervised example (`agent_rated_weight`) and a
     "good" label; mean ≤ 2 (or an agent's thumbs down) → a "bad" label only, never a target.
  4. Only when no agent judged the answer: customer thumbs up (more ups than downs) → supervised example
     with the lower `customer_thumbs_weight`, at most `max_examples_per_customer` per customer (one eager
     voter must not steer the model); thumbs down → a "bad" label only. An answer an agent rated bad or
     corrected anywhere is not trusted in any other conversation either, whatever customers said.
The prompt of an example is the conversation up to that turn as the customer saw it (earlier answers as
written, so later questions still make sense). Everything here is a pure function of `FeedbackTurn`s.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from typing import Iterable, Optional, Sequence

UNKNOWN_INTENT = "unknown"
SOURCES = ("correction", "agent_rating", "customer_thumbs")


@dataclass(frozen=True, slots=True)
class FeedbackTurn:
    """One stored turn with its live feedback, as the dataset build reads it from the store."""
    turn_id: str
    conversation_id: str
    customer_id: str
    turn_index: int
    role: str
    text: str
    version: str = ""
    completion_tokens: Optional[int] = None
    max_tokens: Optional[int] = None
    customer_up: int = 0
    customer_down: int = 0
    agent_up: int = 0
    agent_down: int = 0
    agent_stars: Optional[float] = None
    correction: Optional[str] = None
    excluded: bool = False
    intents: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        """The engine stopped at its token limit: the answer is cut off mid-sentence."""
        return bool(self.max_tokens and self.completion_tokens and self.completion_tokens >= self.max_tokens)


@dataclass(frozen=True)
class RuleSettings:
    min_agent_stars: int = 4
    correction_weight: float = 1.0
    agent_rated_weight: float = 1.0
    customer_thumbs_weight: float = 0.3
    max_examples_per_customer: int = 20

    @classmethod
    def from_config(cls, retrain) -> "RuleSettings":
        return cls(min_agent_stars=retrain.min_agent_stars, correction_weight=retrain.correction_weight,
                   agent_rated_weight=retrain.agent_rated_weight,
                   customer_thumbs_weight=retrain.customer_thumbs_weight,
                   max_examples_per_customer=retrain.max_examples_per_customer)


@dataclass(frozen=True)
class Example:
    """A supervised example: `messages` end with the target answer. `example_id` is the answered turn's id."""
    example_id: str
    conversation_id: str
    customer_id: str
    intent: str
    source: str
    weight: float
    messages: tuple[dict, ...]
    truncated: bool = False

    @property
    def prompt(self) -> tuple[dict, ...]:
        return self.messages[:-1]

    @property
    def target(self) -> str:
        return self.messages[-1]["content"]

    def to_json(self) -> dict:
        return {"id": self.example_id, "conversation_id": self.conversation_id, "intent": self.intent,
                "source": self.source, "weight": self.weight, "messages": list(self.messages)}


@dataclass(frozen=True)
class PreferencePair:
    """An agent's correction (chosen) against the answer the bot gave (rejected), for DPO-style training."""
    example_id: str
    conversation_id: str
    intent: str
    prompt: tuple[dict, ...]
    chosen: str
    rejected: str

    def to_json(self) -> dict:
        return {"id": self.example_id, "conversation_id": self.conversation_id, "intent": self.intent,
                "prompt": list(self.prompt), "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}]}


@dataclass(frozen=True)
class BinaryLabel:
    """An answer labelled good or bad on its own (unpaired), for KTO-style training."""
    example_id: str
    conversation_id: str
    intent: str
    prompt: tuple[dict, ...]
    completion: str
    label: bool
    source: str

    def to_json(self) -> dict:
        return {"id": self.example_id, "conversation_id": self.conversation_id, "intent": self.intent,
                "prompt": list(self.prompt), "completion": [{"role": "assistant", "content": self.completion}],
                "label": self.label, "source": self.source}


@dataclass(frozen=True)
class RuleOutcome:
    examples: tuple[Example, ...]
    pairs: tuple[PreferencePair, ...]
    labels: tuple[BinaryLabel, ...]
    counts: dict = field(default_factory=dict)  # what each rule did: "excluded", "thumbs_down", ...


@dataclass(frozen=True)
class Judgement:
    """What the rules make of one assistant turn: a target (with source and weight) and/or a good/bad label."""
    source: Optional[str]
    weight: float
    label: Optional[bool]
    label_source: str
    reason: str


def judge_turn(turn: FeedbackTurn, settings: RuleSettings) -> Judgement:
    """The rule table for one assistant turn (exclusion is handled by the caller, which sees the context)."""
    if turn.correction is not None and turn.correction.strip():
        return Judgement("correction", settings.correction_weight, None, "", "corrected")
    agent_judged = turn.agent_stars is not None or turn.agent_up or turn.agent_down
    if agent_judged:
        stars = turn.agent_stars
        if (stars is not None and stars >= settings.min_agent_stars) or (stars is None and turn.agent_up > turn.agent_down):
            return Judgement("agent_rating", settings.agent_rated_weight, True, "agent", "agent_good")
        if (stars is not None and stars <= 2) or (stars is None and turn.agent_down > turn.agent_up):
            return Judgement(None, 0.0, False, "agent", "agent_bad")
        return Judgement(None, 0.0, None, "", "agent_neutral")
    if turn.customer_up > turn.customer_down:
        return Judgement("customer_thumbs", settings.customer_thumbs_weight, True, "customer", "customer_good")
    if turn.customer_down > turn.customer_up:
        return Judgement(None, 0.0, False, "customer", "customer_bad")
    return Judgement(None, 0.0, None, "", "no_signal" if not (turn.customer_up or turn.customer_down) else "customer_tie")


def primary_intent(turn: FeedbackTurn, conversation_intents: Sequence[str]) -> str:
    """The turn's own tag, else the conversation's, else "unknown" (first in sorted order: deterministic)."""
    intents = turn.intents or tuple(conversation_intents)
    return sorted(intents)[0] if intents else UNKNOWN_INTENT


def apply_rules(turns: Iterable[FeedbackTurn], settings: RuleSettings) -> RuleOutcome:
    """Supervised examples, preference pairs and binary labels from turns sorted by conversation and index."""
    examples: list[Example] = []
    pairs: list[PreferencePair] = []
    labels: list[BinaryLabel] = []
    counts: Counter = Counter()
    for conversation_id, group in groupby(turns, key=lambda turn: turn.conversation_id):
        conversation = list(group)
        conversation_intents = sorted({intent for turn in conversation for intent in turn.intents})
        context: list[dict] = []
        poisoned = False  # an excluded turn poisons everything after it: its text is in their prompts
        for turn in conversation:
            poisoned = poisoned or turn.excluded
            if turn.role == "assistant":
                if poisoned:
                    counts["excluded"] += 1
                else:
                    _judge_into(turn, tuple(context), primary_intent(turn, conversation_intents), settings,
                                examples, pairs, labels, counts)
            if turn.role in ("user", "assistant"):
                context.append({"role": turn.role, "content": turn.text})
    examples, counts["agent_rejected_answer"] = drop_answers_agents_rejected(examples, labels)
    capped, over_cap = cap_per_customer(examples, settings.max_examples_per_customer)
    counts["customer_cap"] = over_cap
    return RuleOutcome(tuple(capped), tuple(pairs), tuple(labels), dict(counts))


def _answer_key(text: str) -> str:
    return " ".join(text.casefold().split())


def drop_answers_agents_rejected(examples: list[Example], labels: list[BinaryLabel]) -> tuple[list[Example], int]:
    """Agent judgement overrides customers' for the same answer anywhere: once an agent rated an answer bad or
    corrected it, customer thumbs-up on identical copies of it are not trusted (a planted answer that many
    accounts upvote is stopped by one agent's review)."""
    rejected = {_answer_key(label.completion) for label in labels if label.source == "agent" and not label.label}
    kept = [e for e in examples if e.source != "customer_thumbs" or _answer_key(e.target) not in rejected]
    return kept, len(examples) - len(kept)


def _judge_into(turn: FeedbackTurn, prompt: tuple[dict, ...], intent: str, settings: RuleSettings,
                examples: list, pairs: list, labels: list, counts: Counter) -> None:
    if not prompt or prompt[-1]["role"] != "user":
        counts["no_question"] += 1
        return
    judgement = judge_turn(turn, settings)
    counts[judgement.reason] += 1
    if judgement.source == "correction":
        target = turn.correction.strip()
        if target != turn.text.strip():
            pairs.append(PreferencePair(turn.turn_id, turn.conversation_id, intent, prompt, target, turn.text))
            labels.append(BinaryLabel(turn.turn_id, turn.conversation_id, intent, prompt, turn.text, False, "agent"))
        labels.append(BinaryLabel(turn.turn_id + ":correction", turn.conversation_id, intent, prompt, target, True,
                                  "agent"))
        examples.append(Example(turn.turn_id, turn.conversation_id, turn.customer_id, intent, "correction",
                                judgement.weight, prompt + ({"role": "assistant", "content": target},)))
        return
    if judgement.label is not None:
        labels.append(BinaryLabel(turn.turn_id, turn.conversation_id, intent, prompt, turn.text, judgement.label,
                                  judgement.label_source))
    if judgement.source is not None:
        examples.append(Example(turn.turn_id, turn.conversation_id, turn.customer_id, intent, judgement.source,
                                judgement.weight, prompt + ({"role": "assistant", "content": turn.text},),
                                truncated=turn.truncated))


def stable_fraction(key: str, salt: str) -> float:
    """A number in [0, 1) fixed forever by `key` (sha256, not Python's per-process `hash`)."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def cap_per_customer(examples: Sequence[Example], cap: int) -> tuple[list[Example], int]:
    """Keep at most `cap` customer-thumbs examples per customer (a stable, hash-chosen subset); agents' are all kept."""
    per_customer: dict[str, list[Example]] = {}
    for example in examples:
        if example.source == "customer_thumbs":
            per_customer.setdefault(example.customer_id, []).append(example)
    dropped: set[str] = set()
    for customer_examples in per_customer.values():
        if len(customer_examples) > cap:
            ranked = sorted(customer_examples, key=lambda e: stable_fraction(e.example_id, "customer-cap"))
            dropped.update(e.example_id for e in ranked[cap:])
    return [e for e in examples if e.example_id not in dropped], len(dropped)
