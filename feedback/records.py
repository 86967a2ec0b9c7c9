"""The frozen dataclasses that go into the feedback store and come out of it.

Events (what happened: a conversation started, a turn was said, a rating was given, ...) are written by
`FeedbackLog` and read back by `FeedbackStore`; callers never see raw tuples. All times are UTC and
timezone-aware; a naive datetime given by a caller is taken to be UTC.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Union


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation; it stays on one model version from its first turn to its last."""
    id: str
    customer_id: str
    version: str
    adapter: str
    started_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class TurnRecord:
    """One message of a conversation; assistant turns carry the version and sampling that produced them."""
    id: str
    conversation_id: str
    turn_index: int
    role: str  # 'system' | 'user' | 'assistant'
    text: str
    version: str = ""
    adapter: str = ""
    sampling: Mapping[str, Any] = field(default_factory=dict)
    latency_ms: Optional[float] = None
    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None
    created_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class RatingRecord:
    """A customer's thumbs or an agent's 1-5 stars on one turn.

    `id` is the caller's idempotency key: logging the same id twice stores it once. The newest rating of a
    rater on a turn is the live one; older ones get `superseded_at` and stay as history.
    """
    id: str
    turn_id: str
    rater_kind: str  # 'customer' | 'agent'
    rater_id: str
    thumbs: Optional[bool] = None
    stars: Optional[int] = None
    comment: str = ""
    created_at: datetime = field(default_factory=utc_now)
    superseded_at: Optional[datetime] = None


@dataclass(frozen=True)
class CorrectionRecord:
    """An agent's corrected answer for an assistant turn (training material)."""
    id: str
    turn_id: str
    agent_id: str
    text: str
    created_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class IntentTagRecord:
    """An intent label ('order_tracking', 'refund', ...) on a conversation, or on one turn of it."""
    id: str
    conversation_id: str
    intent: str
    tagged_by: str
    turn_id: Optional[str] = None
    created_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class TrainingExclusionRecord:
    """'Never train on this': a whole conversation (turn_id None) or one turn, with who decided and why."""
    id: str
    conversation_id: str
    reason: str
    agent_id: str
    turn_id: Optional[str] = None
    created_at: datetime = field(default_factory=utc_now)


FeedbackEvent = Union[ConversationRecord, TurnRecord, RatingRecord, CorrectionRecord,
                      IntentTagRecord, TrainingExclusionRecord]


@dataclass(frozen=True)
class TurnWithFeedback:
    """A turn with its live ratings, its corrections, its intents and whether training must skip it."""
    turn: TurnRecord
    customer_id: str
    ratings: tuple[RatingRecord, ...]
    corrections: tuple[CorrectionRecord, ...]
    intents: tuple[str, ...]
    excluded: bool


@dataclass(frozen=True)
class SatisfactionRow:
    """Live ratings of one group (a version or an intent). Satisfied = thumbs up or 4-5 stars."""
    key: str
    ratings: int
    thumbs_up: int
    thumbs_down: int
    mean_stars: Optional[float]
    satisfaction: Optional[float]


@dataclass(frozen=True)
class FeedbackStats:
    conversations: int
    turns: int
    live_ratings: int
    corrections: int
    rejected_events: int
    per_version: tuple[SatisfactionRow, ...]
    per_intent: tuple[SatisfactionRow, ...]


@dataclass(frozen=True)
class RejectedEvent:
    """An event that reached ingestion but could not be stored (e.g. a rating of an unknown turn)."""
    event_id: str
    kind: str
    reason: str
    payload: str
    rejected_at: datetime


@dataclass(frozen=True)
class ApplyResult:
    """What one transaction did: events stored, duplicates skipped, events rejected."""
    stored: int
    duplicates: int
    rejected: int


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    turns: int
    ratings: int
    corrections: int


@dataclass(frozen=True)
class AuditEntry:
    id: str
    action: str
    actor: str
    detail: str
    created_at: datetime


@dataclass(frozen=True)
class AgentRecord:
    """A support agent who may log in to the console and call the REST API.

    Only hashes are stored: `password_hash` is an Argon2id hash (salt and parameters inside it),
    `api_token_hash` the SHA-256 of a random token shown once.
    """
    id: str
    name: str
    password_hash: str
    api_token_hash: Optional[str] = None
    disabled: bool = False
    created_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class ReviewFilter:
    """What the console's review queue shows; empty fields do not filter. Dates are inclusive days (UTC)."""
    version: str = ""
    intent: str = ""
    start: Optional[datetime] = None
    end: Optional[datetime] = None
    rating: str = "any"  # see feedback.store.RATING_FILTERS


@dataclass(frozen=True)
class QueueItem:
    """One conversation in the review queue: thumbs-down first, then the ones no agent has reviewed yet."""
    conversation_id: str
    started_at: datetime
    version: str
    intents: str
    thumbs_down: int
    thumbs_up: int
    reviewed: bool
    first_message: str


@dataclass(frozen=True)
class DailySatisfaction:
    """Live ratings given on one day to answers of one version."""
    day: datetime
    version: str
    ratings: int
    satisfaction: Optional[float]


@dataclass(frozen=True)
class DailyVolume:
    day: datetime
    conversations: int
    turns: int
    ratings: int


@dataclass(frozen=True)
class IntentNegatives:
    """An intent with its count of negative live ratings (thumbs down or 1-2 stars) among all of them."""
    intent: str
    negative: int
    ratings: int
    satisfaction: Optional[float]
