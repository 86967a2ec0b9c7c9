"""The rules every event must pass before it is acknowledged (and again at ingestion, so a bad record that
reached a journal some other way is rejected, never half-applied).

Text policy: text is stored verbatim (SQL-looking text and HTML are just data; all SQL is parameterized),
except that control characters are *stripped*: NUL and every other C0/C1 control character apart from tab,
newline and carriage return. They carry no meaning in a support chat, break exports and tokenizers, and
rejecting a whole customer turn for an invisible character would lose the conversation. Text that is empty
after stripping, longer than its limit, or not encodable as UTF-8 (lone surrogates) is rejected with
`InvalidText`; nothing is ever truncated silently.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Optional

from feedback.errors import InvalidEvent, InvalidRating, InvalidText
from feedback.records import (ConversationRecord, CorrectionRecord, FeedbackEvent, IntentTagRecord,
                              RatingRecord, TrainingExclusionRecord, TurnRecord)

ID_MAX_CHARS = 200
TURN_TEXT_MAX_CHARS = 100_000
CORRECTION_TEXT_MAX_CHARS = 100_000
COMMENT_MAX_CHARS = 4_000
REASON_MAX_CHARS = 4_000
INTENT_MAX_CHARS = 100
TURN_ROLES = ("system", "user", "assistant")
RATER_KINDS = ("customer", "agent")
STARS_RANGE = (1, 5)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: object, field_name: str, max_chars: int, *, allow_empty: bool = False) -> str:
    """The text with control characters stripped; InvalidText if it is not text, empty, too long or not UTF-8."""
    if not isinstance(value, str):
        raise InvalidText(f"{field_name} must be text, not {type(value).__name__}")
    text = _CONTROL_CHARS.sub("", value)
    if not allow_empty and not text.strip():
        raise InvalidText(f"{field_name} is empty")
    if len(text) > max_chars:
        raise InvalidText(f"{field_name} has {len(text):,} characters; the limit is {max_chars:,} "
                          f"(shorten it; it is not truncated for you)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidText(f"{field_name} contains characters that are not valid Unicode (lone surrogates)") from None
    return text


def check_id(value: object, field_name: str) -> str:
    """Ids are non-empty printable strings of at most ID_MAX_CHARS characters, used as-is."""
    if not isinstance(value, str) or not value or not value.isprintable() or len(value) > ID_MAX_CHARS:
        raise InvalidEvent(f"{field_name} must be a non-empty printable string of at most {ID_MAX_CHARS} "
                           f"characters, not {value!r:.80}")
    return value


def as_utc(value: object, field_name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidEvent(f"{field_name} must be a datetime, not {type(value).__name__}")
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _optional_count(value: object, field_name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidEvent(f"{field_name} must be a non-negative integer or None, not {value!r}")
    return value


def _check_sampling(sampling: object) -> None:
    if not isinstance(sampling, dict):
        raise InvalidEvent("sampling must be a dict of JSON values (temperature, top_p, max_tokens, ...)")
    try:
        json.dumps(sampling, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidEvent(f"sampling must hold only JSON values: {exc}") from None


def validate_conversation(record: ConversationRecord) -> ConversationRecord:
    check_id(record.id, "conversation id")
    check_id(record.customer_id, "customer_id")
    return replace(record, version=clean_text(record.version, "version", ID_MAX_CHARS, allow_empty=True),
                   adapter=clean_text(record.adapter, "adapter", ID_MAX_CHARS, allow_empty=True),
                   started_at=as_utc(record.started_at, "started_at"))


def validate_turn(record: TurnRecord) -> TurnRecord:
    check_id(record.id, "turn id")
    check_id(record.conversation_id, "conversation_id")
    if record.role not in TURN_ROLES:
        raise InvalidEvent(f"turn role must be one of {', '.join(TURN_ROLES)}, not {record.role!r}")
    if isinstance(record.turn_index, bool) or not isinstance(record.turn_index, int) or record.turn_index < 0:
        raise InvalidEvent(f"turn_index must be a non-negative integer, not {record.turn_index!r}")
    _check_sampling(record.sampling)
    latency = record.latency_ms
    if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float))
                                or not math.isfinite(latency) or latency < 0):
        raise InvalidEvent(f"latency_ms must be a non-negative number or None, not {latency!r}")
    return replace(record, text=clean_text(record.text, "turn text", TURN_TEXT_MAX_CHARS),
                   version=clean_text(record.version, "version", ID_MAX_CHARS, allow_empty=True),
                   adapter=clean_text(record.adapter, "adapter", ID_MAX_CHARS, allow_empty=True),
                   prompt_tokens=_optional_count(record.prompt_tokens, "prompt_tokens"),
                   completion_tokens=_optional_count(record.completion_tokens, "completion_tokens"),
                   created_at=as_utc(record.created_at, "created_at"))


def validate_rating(record: RatingRecord) -> RatingRecord:
    check_id(record.id, "rating id")
    check_id(record.turn_id, "turn_id")
    check_id(record.rater_id, "rater_id")
    if record.rater_kind not in RATER_KINDS:
        raise InvalidRating(f"rater_kind must be 'customer' or 'agent', not {record.rater_kind!r}")
    if (record.thumbs is None) == (record.stars is None):
        raise InvalidRating("a rating has either thumbs (True/False) or stars (1-5): exactly one of them")
    if record.thumbs is not None and not isinstance(record.thumbs, bool):
        raise InvalidRating(f"thumbs must be True or False, not {record.thumbs!r}")
    if record.stars is not None and (isinstance(record.stars, bool) or not isinstance(record.stars, int)
                                     or not STARS_RANGE[0] <= record.stars <= STARS_RANGE[1]):
        raise InvalidRating(f"stars must be a whole number from 1 to 5, not {record.stars!r}")
    if record.superseded_at is not None:
        raise InvalidRating("superseded_at is set by the store, not by the caller")
    return replace(record, comment=clean_text(record.comment, "rating comment", COMMENT_MAX_CHARS, allow_empty=True),
                   created_at=as_utc(record.created_at, "created_at"))


def validate_correction(record: CorrectionRecord) -> CorrectionRecord:
    check_id(record.id, "correction id")
    check_id(record.turn_id, "turn_id")
    check_id(record.agent_id, "agent_id")
    return replace(record, text=clean_text(record.text, "correction text", CORRECTION_TEXT_MAX_CHARS),
                   created_at=as_utc(record.created_at, "created_at"))


def validate_intent_tag(record: IntentTagRecord) -> IntentTagRecord:
    check_id(record.id, "intent tag id")
    check_id(record.conversation_id, "conversation_id")
    check_id(record.tagged_by, "tagged_by")
    if record.turn_id is not None:
        check_id(record.turn_id, "turn_id")
    return replace(record, intent=clean_text(record.intent, "intent", INTENT_MAX_CHARS),
                   created_at=as_utc(record.created_at, "created_at"))


def validate_exclusion(record: TrainingExclusionRecord) -> TrainingExclusionRecord:
    check_id(record.id, "exclusion id")
    check_id(record.conversation_id, "conversation_id")
    check_id(record.agent_id, "agent_id")
    if record.turn_id is not None:
        check_id(record.turn_id, "turn_id")
    return replace(record, reason=clean_text(record.reason, "exclusion reason", REASON_MAX_CHARS),
                   created_at=as_utc(record.created_at, "created_at"))


_VALIDATORS = {ConversationRecord: validate_conversation, TurnRecord: validate_turn, RatingRecord: validate_rating,
               CorrectionRecord: validate_correction, IntentTagRecord: validate_intent_tag,
               TrainingExclusionRecord: validate_exclusion}


def validate_event(event: FeedbackEvent) -> FeedbackEvent:
    """The event, cleaned; InvalidEvent (or a subclass) saying what is wrong otherwise."""
    validator = _VALIDATORS.get(type(event))
    if validator is None:
        raise InvalidEvent(f"not a feedback event: {type(event).__name__}")
    return validator(event)
