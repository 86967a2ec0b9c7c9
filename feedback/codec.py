"""How events are written in journals: one JSON object per line, `{"kind": ..., <fields>}`.

Times are integer microseconds since the Unix epoch (UTC), so they round-trip exactly and the ingester can
hand them to DuckDB without parsing dates in Python. JSON escapes newlines and control characters inside
strings, so a line break only ever ends a record: a line without one is a write that never finished.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

from feedback.errors import InvalidEvent
from feedback.records import (ConversationRecord, CorrectionRecord, FeedbackEvent, IntentTagRecord,
                              RatingRecord, TrainingExclusionRecord, TurnRecord)

EVENT_KINDS: dict[str, type] = {
    "conversation": ConversationRecord,
    "turn": TurnRecord,
    "rating": RatingRecord,
    "correction": CorrectionRecord,
    "intent_tag": IntentTagRecord,
    "training_exclusion": TrainingExclusionRecord,
}
KIND_OF: dict[type, str] = {cls: kind for kind, cls in EVENT_KINDS.items()}
TIME_FIELDS = frozenset({"started_at", "created_at", "superseded_at"})
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(micros // 1_000_000, timezone.utc).replace(microsecond=micros % 1_000_000)


def event_to_dict(event: FeedbackEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": KIND_OF[type(event)]}
    for spec in fields(event):
        value = getattr(event, spec.name)
        data[spec.name] = to_micros(value) if spec.name in TIME_FIELDS and value is not None else value
    return data


def encode_event(event: FeedbackEvent) -> bytes:
    """One journal line. ensure_ascii keeps the line pure ASCII, so no byte of it can look like a newline."""
    return (json.dumps(event_to_dict(event), separators=(",", ":"), allow_nan=False) + "\n").encode("ascii")


def dict_to_event(data: dict[str, Any]) -> FeedbackEvent:
    """The event a journal record describes; InvalidEvent if the record is not one."""
    cls = EVENT_KINDS.get(data.get("kind", ""))
    if cls is None:
        raise InvalidEvent(f"unknown event kind {data.get('kind')!r}")
    values = {}
    for spec in fields(cls):
        if spec.name not in data:
            continue
        value = data[spec.name]
        if spec.name in TIME_FIELDS and value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidEvent(f"{spec.name} must be integer microseconds, not {value!r:.40}")
            value = from_micros(value)
        values[spec.name] = value
    try:
        return cls(**values)
    except TypeError as exc:
        raise InvalidEvent(f"incomplete {data.get('kind')} record: {exc}") from None


def decode_line(line: bytes) -> FeedbackEvent:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise InvalidEvent(f"unreadable journal record: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEvent("journal record is not a JSON object")
    return dict_to_event(data)
