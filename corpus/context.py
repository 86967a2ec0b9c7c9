"""Per-conversation generation state: the seeded RNG, the persona, a fact-recording view of the policy and
the slot values (order numbers, products, ...) that must stay the same across the turns of one conversation.

Scenario functions (corpus/scenarios/) receive a `ConversationContext`, call `ask` for customer text and
`reply` for assistant text, and return `Turn`s. Because every policy value is read through `PolicyView`,
a conversation's `policy_facts` are exactly the policy fields its text depends on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from corpus import slots
from corpus.catalog import PRODUCTS, Product
from corpus.personas import (ANGRY_ACKNOWLEDGEMENTS, Bank, connect_follow_up, lead_in_clarification,
                             style_user_text)
from corpus.policy import Policy

T = TypeVar("T")
# Presentation fields: reading them does not make an answer policy-dependent.
UNTRACKED_FIELDS = frozenset({"store_name", "currency_symbol"})
# Answers that already open with an apology get no second one for angry customers.
APOLOGY_STARTS = ("I'm sorry", "Sorry", "I understand")


@dataclass(frozen=True)
class Turn:
    """One customer message and the assistant's answer to it."""

    user: str
    assistant: str


class PolicyView:
    """Read-only stand-in for a Policy that remembers which fields were read."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._read: set[str] = set()

    def __getattr__(self, name: str):  # called only for names that are not attributes of the view itself
        value = getattr(self._policy, name)
        if name not in UNTRACKED_FIELDS:
            self._read.add(name)
        return value

    def facts_read(self) -> tuple[str, ...]:
        return tuple(sorted(self._read))


class ConversationContext:
    """Everything one conversation's scenario functions share while it is being generated."""

    def __init__(self, rng: random.Random, persona: str, policy: Policy) -> None:
        self.rng = rng
        self.persona = persona
        self.policy = PolicyView(policy)
        self._values: dict[str, object] = {}
        self.user_turns = 0
        self.assistant_turns = 0
        self._clarifying = False

    # --- randomness -------------------------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    # --- text -------------------------------------------------------------------------------------
    def ask(self, bank: Bank, connect: bool = True, **values: object) -> str:
        """A customer message from `bank` in this persona's voice.

        Later turns get a connector ("Also, ...") unless `connect` is False (answers to the assistant's
        request, clarifications, back-references that carry their own lead-in).
        """
        first_turn = self.user_turns == 0
        self.user_turns += 1
        templates, native_register = bank.register(self.persona)
        text = self.pick(templates).format(**values)
        if self._clarifying:
            self._clarifying = False
            text = lead_in_clarification(text, self.persona, self.rng)
        elif not first_turn and connect and self.chance(0.6):
            text = connect_follow_up(text, self.persona, self.rng)
        return style_user_text(text, self.persona, self.rng, first_turn, native_register)

    def clarify_next(self) -> None:
        """Word the next customer message as the answer to a clarifying question ("I mean, ...")."""
        self._clarifying = True

    def reply(self, templates: Sequence[str], **values: object) -> str:
        """An assistant answer; an angry customer's first answer opens with a short acknowledgement."""
        text = self.pick(templates).format(**values)
        if self.persona == "angry" and self.assistant_turns == 0 and not text.startswith(APOLOGY_STARTS):
            text = f"{self.pick(ANGRY_ACKNOWLEDGEMENTS)} {text}"
        self.assistant_turns += 1
        return text

    # --- slot values that stay fixed within a conversation -------------------------------------------
    def remember(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._values:
            self._values[key] = make()
        return self._values[key]  # type: ignore[return-value]

    @property
    def order(self) -> str:
        return self.remember("order", lambda: slots.order_number(self.rng))

    @property
    def second_order(self) -> str:
        return self.remember("second_order", lambda: self._distinct(slots.order_number, self.order))

    @property
    def product(self) -> Product:
        return self.remember("product", lambda: self.pick(PRODUCTS))

    @property
    def second_product(self) -> Product:
        return self.remember("second_product", lambda: self._distinct(lambda rng: self.pick(PRODUCTS), self.product))

    @property
    def email(self) -> str:
        return self.remember("email", lambda: slots.email_address(self.rng))

    @property
    def phone(self) -> str:
        return self.remember("phone", lambda: slots.phone_number(self.rng))

    @property
    def name(self) -> str:
        return self.remember("name", lambda: slots.customer_name(self.rng))

    @property
    def address(self) -> str:
        return self.remember("address", lambda: slots.street_address(self.rng))

    def _distinct(self, make: Callable[[random.Random], T], other: T) -> T:
        value = make(self.rng)
        while value == other:
            value = make(self.rng)
        return value
