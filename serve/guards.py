"""What customers may send and how often, as pure logic: message cleaning and sliding-window rate limits.

Every refusal is an `InputRejected` whose message is shown to the customer as is, so it must be polite
and say what to do.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import defaultdict, deque

from supportloop.errors import SupportloopError

KEPT_CONTROL_CHARS = {"\n", "\t"}


class InputRejected(SupportloopError):
    """A customer request that is refused; the message is written for the customer."""


def clean_message(text: object, max_chars: int) -> str:
    """The message without NUL and control characters, trimmed; refuse empty, oversized and non-text input."""
    if not isinstance(text, str):
        raise InputRejected("Please send your question as text.")
    if len(text) > max_chars:  # checked before cleaning, so a huge message costs nothing more
        raise InputRejected(f"Your message is too long ({len(text):,} characters). Please keep it under "
                            f"{max_chars:,} characters, for example by sending only the relevant part.")
    cleaned = "".join(ch for ch in text
                      if ch in KEPT_CONTROL_CHARS or not unicodedata.category(ch).startswith("C"))
    cleaned = cleaned.strip()
    if not cleaned:
        raise InputRejected("Your message is empty. Please type your question.")
    return cleaned


class RateLimiter:
    """At most `limit` events per `window_s` seconds per key (sliding window). Time is passed in, for tests."""

    def __init__(self, limit: int, window_s: float = 60.0):
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()  # shared by every session's handler

    def retry_after(self, key: str, now: float) -> float:
        """0 if an event for `key` may happen now (and records it), else the seconds to wait."""
        with self._lock:
            events = self._events[key]
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return self.window_s - (now - events[0])
            events.append(now)
            if len(self._events) > 100_000:  # keep memory bounded under a flood of distinct keys
                self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, ev in self._events.items() if not ev or now - ev[-1] >= self.window_s]:
            del self._events[key]


class CustomerLimits:
    """The per-session and per-client-address limits of messages and ratings."""

    def __init__(self, messages_per_session: int, messages_per_address: int, ratings_per_session: int):
        self.messages_session = RateLimiter(messages_per_session)
        self.messages_address = RateLimiter(messages_per_address)
        self.ratings_session = RateLimiter(ratings_per_session)
        self.ratings_address = RateLimiter(4 * ratings_per_session)

    def check_message(self, session: str, address: str, now: float) -> None:
        _check(self.messages_session, session, now, "You are sending messages very quickly")
        _check(self.messages_address, address, now, "Many messages come from your network right now")

    def check_rating(self, session: str, address: str, now: float) -> None:
        _check(self.ratings_session, session, now, "You are rating very quickly")
        _check(self.ratings_address, address, now, "Many ratings come from your network right now")


def _check(limiter: RateLimiter, key: str, now: float, what: str) -> None:
    wait = limiter.retry_after(key, now)
    if wait > 0:
        raise InputRejected(f"{what}. Please wait {max(1, round(wait))} seconds and try again.")
