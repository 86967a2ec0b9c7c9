"""The corpus generator: a pure, deterministic function from (policy, seed, n_conversations) to conversations.

How a conversation is made:
- its id is `c` + its index (c000000, c000001, ...), and its split comes from a hash of the id alone, so an id
  keeps its split whatever the seed, the policy or the corpus size;
- within each split, conversations walk round-robin through `SCHEDULE` (which intent, single- or multi-turn,
  which hard case) and `PERSONA_CYCLE`, so every intent, hard case and persona reaches every split, even the
  small golden one;
- its wording comes from its own RNG, seeded from (seed, id); policy values are read through a recording view,
  so a conversation that reads no changed policy value comes out identical after a policy change.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from corpus.context import ConversationContext, Turn
from corpus.policy import Policy
from corpus.schema import Conversation
from corpus.scenarios import CLOSING_TOPIC, FLOWS, HARD_CASE_BUILDERS, TOPICS

SPLIT_SHARES = (("base_train", 0.80), ("simulator", 0.12), ("golden", 0.08))
DEFAULT_CONVERSATIONS = 3200


@dataclass(frozen=True)
class Slot:
    """What kind of conversation to generate: a normal one of `intent`, or one of `hard_case`."""

    intent: str | None
    hard_case: str | None
    multi_turn: bool


# Conversations per schedule cycle: intent -> (single-turn, multi-turn). Returns and shipping get the most,
# because the policy questions the demo measures (return window, shipping options) live there.
NORMAL_SLOTS_PER_CYCLE = {
    "order_tracking": (4, 2),
    "shipping_delivery": (4, 2),
    "product_question": (3, 2),
    "payment_problem": (3, 2),
    "returns_refunds": (5, 3),
    "account_login": (3, 2),
    "warranty": (3, 1),
    "cancellation": (3, 2),
    "discounts_promotions": (3, 1),
    "contact_support": (2, 1),
}
HARD_SLOTS_PER_CYCLE = 2  # for each hard case
# Seven entries (polite twice) against a 61-slot cycle: coprime lengths, so personas and slots mix evenly.
PERSONA_CYCLE = ("polite", "terse", "angry", "polite", "verbose", "non_native", "typos")
USER_TURNS_OF_MULTI_TURN = (2, 2, 2, 3, 3, 4)


def _build_schedule() -> tuple[Slot, ...]:
    """One cycle of slots with every kind spread evenly (the j-th of c copies sits at (j + 0.5) / c)."""
    groups: list[tuple[Slot, int]] = []
    for intent, (single, multi) in NORMAL_SLOTS_PER_CYCLE.items():
        groups += [(Slot(intent, None, False), single), (Slot(intent, None, True), multi)]
    groups += [(Slot(None, hard_case, False), HARD_SLOTS_PER_CYCLE) for hard_case in HARD_CASE_BUILDERS]
    placed = [((j + 0.5) / count, order, slot) for order, (slot, count) in enumerate(groups) for j in range(count)]
    return tuple(slot for _, _, slot in sorted(placed, key=lambda item: item[:2]))


SCHEDULE = _build_schedule()


def conversation_id(index: int) -> str:
    return f"c{index:06d}"


def assign_split(conversation_id: str) -> str:
    """The split of an id: sha256 of the id mapped to [0, 1) and cut at 80% / 92%."""
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for split, share in SPLIT_SHARES:
        cumulative += share
        if fraction < cumulative:
            return split
    return SPLIT_SHARES[-1][0]


def generate_corpus(policy: Policy, seed: int = 0, n_conversations: int = DEFAULT_CONVERSATIONS) -> list[Conversation]:
    """`n_conversations` labelled conversations; the same (policy, seed, n) always gives the same list."""
    if n_conversations < 0:
        raise ValueError(f"n_conversations must be >= 0, got {n_conversations}")
    position_in_split = {split: 0 for split, _ in SPLIT_SHARES}
    conversations = []
    for index in range(n_conversations):
        cid = conversation_id(index)
        split = assign_split(cid)
        position = position_in_split[split]
        position_in_split[split] += 1
        slot = SCHEDULE[position % len(SCHEDULE)]
        persona = PERSONA_CYCLE[position % len(PERSONA_CYCLE)]
        conversations.append(build_conversation(cid, split, slot, persona, seed, policy))
    return conversations


def build_conversation(cid: str, split: str, slot: Slot, persona: str, seed: int, policy: Policy) -> Conversation:
    """One conversation; its RNG depends only on (seed, id), so neighbours never shift each other's wording."""
    ctx = ConversationContext(random.Random(f"supportloop-corpus:{seed}:{cid}"), persona, policy)
    if slot.hard_case is not None:
        intent, turns = HARD_CASE_BUILDERS[slot.hard_case](ctx)
    else:
        intent, turns = slot.intent, _normal_turns(ctx, slot.intent, slot.multi_turn)
    messages = []
    for turn in turns:
        messages += [{"role": "user", "content": turn.user}, {"role": "assistant", "content": turn.assistant}]
    return Conversation(id=cid, intent=intent, persona=persona, hard_case=slot.hard_case, split=split,
                        policy_facts=ctx.policy.facts_read(), messages=tuple(messages))


def _normal_turns(ctx: ConversationContext, intent: str, multi_turn: bool) -> list[Turn]:
    """A single answer, or 2-4 turns: a flow or topic, follow-ups (mostly the same intent), maybe a thank-you."""
    topics = TOPICS[intent]
    flows = FLOWS.get(intent, ())
    if multi_turn and flows and ctx.chance(0.35):
        turns, used = list(ctx.pick(flows)(ctx)), set()
    else:
        first = ctx.pick(topics)
        turns, used = [first(ctx)], {first}
    if not multi_turn:
        return turns
    target = ctx.pick(USER_TURNS_OF_MULTI_TURN)
    while len(turns) < target:
        if len(turns) == target - 1 and ctx.chance(0.3):
            turns.append(CLOSING_TOPIC(ctx))
            break
        source = intent if ctx.chance(0.8) else ctx.pick(tuple(TOPICS))
        candidates = [topic for topic in TOPICS[source] if topic not in used]
        if not candidates:
            turns.append(CLOSING_TOPIC(ctx))
            break
        follow_up = ctx.pick(candidates)
        used.add(follow_up)
        turns.append(follow_up(ctx))
    return turns
