"""Which corpus conversations the simulated customers play, and what each of their turns expects. Pure.

Customers replay a conversation of the corpus's `simulator` split (held out from base training): they send
its user messages in order, each after the app's answer to the previous one; the reference for each answer
is the corpus's assistant message at that point. The choice is deterministic for a seed and spreads over
the hard cases and over multi-turn conversations, so even a run of ten conversations meets every kind.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

SIMULATOR_SPLIT = "simulator"


@dataclass(frozen=True)
class Exchange:
    """One customer message and the answer the corpus gives to it."""
    user: str
    reference: str


@dataclass(frozen=True)
class PlannedConversation:
    """A corpus conversation to replay; `key` is unique within a plan (the corpus id, plus a repeat number)."""
    key: str
    corpus_id: str
    intent: str
    persona: str
    hard_case: str | None
    policy_facts: tuple[str, ...]
    exchanges: tuple[Exchange, ...]

    @property
    def kind(self) -> str:
        """The group a conversation is drawn from: its hard case, else multi-turn or single-turn."""
        if self.hard_case:
            return self.hard_case
        return "multi_turn" if len(self.exchanges) > 1 else "single_turn"


class PlanError(ValueError):
    """No plan can be made (no simulator material, a bad count)."""


def exchanges_of(messages: Sequence[dict]) -> tuple[Exchange, ...]:
    """(user, reference) pairs of a corpus conversation (alternating user/assistant, starting with user)."""
    pairs = []
    for at in range(0, len(messages) - 1, 2):
        user, assistant = messages[at], messages[at + 1]
        if user["role"] != "user" or assistant["role"] != "assistant":
            raise PlanError(f"messages {at}-{at + 1} are not a user message and its answer")
        pairs.append(Exchange(user["content"], assistant["content"]))
    return tuple(pairs)


def intent_list(text: str) -> tuple[str, ...]:
    """The intents of a comma-separated option ("returns_refunds, shipping_delivery"), blanks dropped."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def plan_conversations(conversations: Sequence, count: int, seed: int,
                       intents: Sequence[str] = ()) -> list[PlannedConversation]:
    """`count` conversations of the simulator split (of `intents` only, when given), deterministic for `seed`.

    Conversations are grouped by kind (each hard case, multi-turn, single-turn), shuffled within their
    group, and taken round-robin over the groups, so every kind appears early. When `count` exceeds the
    material, the sequence repeats (keys get `#2`, `#3`, ...).
    """
    if count < 1:
        raise PlanError(f"the number of conversations must be at least 1, not {count}")
    material = [planned(c) for c in conversations if c.split == SIMULATOR_SPLIT]
    if not material:
        raise PlanError("the corpus has no conversations in the 'simulator' split")
    if intents:
        wanted, known = set(intents), sorted({item.intent for item in material})
        unknown = sorted(wanted - set(known))
        if unknown:
            raise PlanError(f"unknown intent(s) {', '.join(unknown)}; the simulator split has {', '.join(known)}")
        material = [item for item in material if item.intent in wanted]
    rng = random.Random(seed)
    groups: dict[str, list[PlannedConversation]] = {}
    for item in sorted(material, key=lambda p: p.corpus_id):
        groups.setdefault(item.kind, []).append(item)
    for name in sorted(groups):
        rng.shuffle(groups[name])
    order = sorted(groups)
    rng.shuffle(order)
    sequence = _round_robin([groups[name] for name in order])
    chosen = []
    for position in range(count):
        item = sequence[position % len(sequence)]
        repeat = position // len(sequence)
        chosen.append(item if repeat == 0 else _repeated(item, repeat + 1))
    return chosen


def planned(conversation) -> PlannedConversation:
    """A corpus `Conversation` as something to replay."""
    return PlannedConversation(key=conversation.id, corpus_id=conversation.id, intent=conversation.intent,
                               persona=conversation.persona, hard_case=conversation.hard_case,
                               policy_facts=tuple(conversation.policy_facts),
                               exchanges=exchanges_of(conversation.messages))


def _round_robin(groups: list[list[PlannedConversation]]) -> list[PlannedConversation]:
    out = []
    for depth in range(max(len(g) for g in groups)):
        out.extend(g[depth] for g in groups if depth < len(g))
    return out


def _repeated(item: PlannedConversation, number: int) -> PlannedConversation:
    from dataclasses import replace

    return replace(item, key=f"{item.corpus_id}#{number}")
