"""The checkable wording of a conversation's policy facts: what a correct answer must say ("30", "$4.99").

A conversation lists the policy fields its text depends on (`policy_facts`, field names). The evaluation needs
the values an answer must state instead. A field's candidate wordings come from the policy (numbers as digits,
amounts as the store writes money, texts as written); only those the reference answer really states are kept,
since a field can also decide a branch of the answer without being stated (free_return_shipping).
"""

from __future__ import annotations

import re
from typing import Iterable

from corpus.phrases import money
from corpus.policy import Policy

_MONEY_FIELDS = ("free_shipping_threshold", "international_shipping_price")


def _candidates(policy: Policy, field: str) -> tuple[str, ...]:
    value = getattr(policy, field)
    if field == "shipping_options":
        return tuple(money(policy, option.price) for option in value) + tuple(option.days for option in value)
    if field in _MONEY_FIELDS:
        return (money(policy, value),)
    if isinstance(value, bool):
        return ()
    if isinstance(value, int):
        return (str(value),)
    if isinstance(value, tuple):
        return tuple(str(item) for item in value)
    return (str(value),)


def stated_facts(policy: Policy, fields: tuple[str, ...], reference: str) -> tuple[str, ...]:
    """The wordings of `fields` that `reference` states, deduplicated in a stable order."""
    lowered = reference.casefold()
    found: list[str] = []
    for field in fields:
        for wording in _candidates(policy, field):
            if wording and wording.casefold() in lowered and wording not in found:
                found.append(wording)
    return tuple(found)


# An amount of money ("$4.99"), or a number with the word after it ("30 days", "25 %", "2 business"). Digits
# inside words (order "SN54344") are identifiers, not claims.
_CLAIM = re.compile(r"(?<![\w$.])(?:(\$\d+(?:[.,]\d+)*)|(\d+(?:[.,]\d+)*)(?:\s*(%)|\s+([a-z]+))?)", re.IGNORECASE)


def claims_in(text: str) -> frozenset[str]:
    """The quantities a text states, each with the word after it: {"60 days", "$4.99", "25 %"}."""
    return frozenset(" ".join(part.casefold() for part in match.groups() if part) for match in _CLAIM.finditer(text))


def known_claims(answers: Iterable[str]) -> frozenset[str]:
    """Every quantity the store's own answers state (the corpus is rendered from its policy and catalog).

    An answer stating any other quantity, one the conversation did not bring up either, claims something the
    store never said: "returns within 7 days" when the policy says 60. The evaluation counts such answers.
    """
    return frozenset().union(*(claims_in(answer) for answer in answers))


def corpus_claims(conversations: Iterable) -> frozenset[str]:
    """`known_claims` of every assistant answer of corpus `conversations`."""
    return known_claims(message["content"] for conversation in conversations for message in conversation.messages
                        if message["role"] == "assistant")
