"""The corpus record format: the `Conversation` dataclass, its validation rules and JSONL reading/writing.

One JSON object per line (see corpus/README.md for every field). Everything downstream (the base-model
build, the traffic simulator, the golden evaluation set) reads conversations through `read_corpus`, so
a file that passes here is safe to train and evaluate on. Messages use the OpenAI chat format without a
system message: consumers add their own system prompt.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from supportloop.errors import SupportloopError

INTENTS = (
    "order_tracking",
    "shipping_delivery",
    "product_question",
    "payment_problem",
    "returns_refunds",
    "account_login",
    "warranty",
    "cancellation",
    "discounts_promotions",
    "contact_support",
    "out_of_scope",
)
PERSONAS = ("polite", "terse", "angry", "verbose", "non_native", "typos")
HARD_CASES = ("unconventional", "impossible", "wrong_claim", "ambiguous", "back_reference")
SPLITS = ("base_train", "simulator", "golden")

# The Policy fields an answer can rely on (corpus/policy.py; a test keeps the two in step). store_name and
# currency_symbol are presentation, not facts, so they are never listed in policy_facts.
POLICY_FACTS = (
    "support_hours",
    "return_window_days",
    "refund_processing_days",
    "restocking_fee_percent",
    "return_condition",
    "free_return_shipping",
    "shipping_options",
    "free_shipping_threshold",
    "free_shipping_option",
    "order_processing_days",
    "tracking_activation_hours",
    "lost_package_days",
    "international_shipping",
    "international_shipping_days",
    "international_shipping_price",
    "warranty_months",
    "warranty_covers",
    "warranty_excludes",
    "cancellation_window_hours",
    "payment_methods",
    "price_match",
    "price_match_days",
    "promo_codes_per_order",
    "newsletter_discount_percent",
    "password_reset_steps",
    "password_reset_link_hours",
)

FIELDS = ("id", "intent", "persona", "hard_case", "split", "policy_facts", "messages")
ROLES = ("user", "assistant")
MAX_MESSAGES = 16
MAX_CONTENT_CHARS = 2000
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# C0 controls except tab and newline, DEL, and C1 controls: they break tokenizers and terminals.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class CorpusError(SupportloopError):
    """A corpus or policy file that cannot be used; the message names the file, line or key at fault."""


@dataclass(frozen=True)
class Conversation:
    """One labelled support conversation. Construction validates it, so every instance is well-formed."""

    id: str
    intent: str
    persona: str
    hard_case: str | None
    split: str
    policy_facts: tuple[str, ...]
    messages: tuple[dict, ...]

    def __post_init__(self) -> None:
        _check_labels(self)
        _check_policy_facts(self.policy_facts)
        _check_messages(self.messages)

    def to_json(self) -> dict:
        """The JSON object written as one corpus line (plain lists and dicts, field order fixed)."""
        return {
            "id": self.id,
            "intent": self.intent,
            "persona": self.persona,
            "hard_case": self.hard_case,
            "split": self.split,
            "policy_facts": list(self.policy_facts),
            "messages": [{"role": m["role"], "content": m["content"]} for m in self.messages],
        }

    @classmethod
    def from_json(cls, d: dict) -> Conversation:
        """The inverse of `to_json`; raises CorpusError for anything `validate_conversation` rejects."""
        return validate_conversation(d)


def validate_conversation(d: dict) -> Conversation:
    """Check one decoded JSON object field by field and return it as a Conversation.

    Raises CorpusError naming the first problem found (missing or unknown field, wrong type, unknown
    label, broken turn order, empty or oversized content, control characters).
    """
    if not isinstance(d, dict):
        raise CorpusError(f"expected a JSON object, got {type(d).__name__}")
    missing = [name for name in FIELDS if name not in d]
    if missing:
        raise CorpusError(f"missing field {missing[0]!r}")
    unknown = sorted(set(d) - set(FIELDS))
    if unknown:
        raise CorpusError(f"unknown field {unknown[0]!r}")
    for name in ("id", "intent", "persona", "split"):
        if not isinstance(d[name], str):
            raise CorpusError(f"field {name!r} must be a string, got {type(d[name]).__name__}")
    if d["hard_case"] is not None and not isinstance(d["hard_case"], str):
        raise CorpusError(f"field 'hard_case' must be a string or null, got {type(d['hard_case']).__name__}")
    for name in ("policy_facts", "messages"):
        if not isinstance(d[name], list):
            raise CorpusError(f"field {name!r} must be a list, got {type(d[name]).__name__}")
    return Conversation(
        id=d["id"],
        intent=d["intent"],
        persona=d["persona"],
        hard_case=d["hard_case"],
        split=d["split"],
        policy_facts=tuple(d["policy_facts"]),
        messages=tuple(_message_from_json(i, m) for i, m in enumerate(d["messages"])),
    )


def _message_from_json(index: int, message: object) -> dict:
    if not isinstance(message, dict):
        raise CorpusError(f"message {index} must be an object, got {type(message).__name__}")
    if set(message) != {"role", "content"}:
        raise CorpusError(f"message {index} must have exactly the keys 'role' and 'content', got {sorted(message)}")
    return {"role": message["role"], "content": message["content"]}


def _check_labels(c: Conversation) -> None:
    if not isinstance(c.id, str) or not ID_PATTERN.fullmatch(c.id):
        raise CorpusError(f"invalid id {c.id!r}: use 1-64 letters, digits, '_', '.' or '-'")
    for name, value, allowed in (("intent", c.intent, INTENTS), ("persona", c.persona, PERSONAS),
                                 ("split", c.split, SPLITS)):
        if value not in allowed:
            raise CorpusError(f"unknown {name} {value!r} (known: {', '.join(allowed)})")
    if c.hard_case is not None and c.hard_case not in HARD_CASES:
        raise CorpusError(f"unknown hard_case {c.hard_case!r} (known: {', '.join(HARD_CASES)} or null)")


def _check_policy_facts(facts: tuple) -> None:
    for fact in facts:
        if fact not in POLICY_FACTS:
            raise CorpusError(f"unknown policy fact {fact!r}")
    if list(facts) != sorted(set(facts)):
        raise CorpusError("policy_facts must be sorted and free of duplicates")


def _check_messages(messages: tuple) -> None:
    if not messages:
        raise CorpusError("messages must not be empty")
    if len(messages) > MAX_MESSAGES:
        raise CorpusError(f"too many messages: {len(messages)} > {MAX_MESSAGES}")
    if len(messages) % 2:
        raise CorpusError("messages must end with an assistant message")
    for index, message in enumerate(messages):
        expected = ROLES[index % 2]
        if not isinstance(message, dict):
            raise CorpusError(f"message {index} must be a dict, got {type(message).__name__}")
        if message.get("role") != expected:
            raise CorpusError(f"message {index} has role {message.get('role')!r}, expected {expected!r} "
                              "(turns start with the user and alternate; no system message)")
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            raise CorpusError(f"message {index} has empty or non-string content")
        if len(content) > MAX_CONTENT_CHARS:
            raise CorpusError(f"message {index} is too long: {len(content)} > {MAX_CONTENT_CHARS} characters")
        bad = CONTROL_CHARS.search(content)
        if bad:
            raise CorpusError(f"message {index} contains control character U+{ord(bad.group()):04X}")


def read_corpus(path: str | os.PathLike) -> list[Conversation]:
    """All conversations of a JSONL corpus file, in file order.

    Raises CorpusError("PATH:LINE: problem") on the first unreadable line, invalid conversation or
    repeated id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read corpus: {error}") from None
    conversations: list[Conversation] = []
    first_line_of: dict[str, int] = {}
    # Split on "\n" only: str.splitlines would also break inside JSON strings at U+2028 and friends.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for line_no, line in enumerate(lines, start=1):
        try:
            conversation = validate_conversation(json.loads(line))
        except json.JSONDecodeError as error:
            raise CorpusError(f"{path}:{line_no}: not valid JSON: {error.msg} (column {error.colno})") from None
        except CorpusError as error:
            raise CorpusError(f"{path}:{line_no}: {error}") from None
        if conversation.id in first_line_of:
            raise CorpusError(f"{path}:{line_no}: duplicate id {conversation.id!r} "
                              f"(first used on line {first_line_of[conversation.id]})")
        first_line_of[conversation.id] = line_no
        conversations.append(conversation)
    return conversations


def write_corpus(path: str | os.PathLike, conversations: Iterable[Conversation]) -> None:
    """Write conversations as JSONL, atomically: readers see the old file or the complete new one."""
    path = Path(path)
    lines, seen = [], set()
    for conversation in conversations:
        if conversation.id in seen:
            raise CorpusError(f"{path}: duplicate id {conversation.id!r}")
        seen.add(conversation.id)
        lines.append(json.dumps(conversation.to_json(), ensure_ascii=False) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file lives in the target directory so os.replace is a same-filesystem rename.
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp", delete=False)
    try:
        with handle:
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
