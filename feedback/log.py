"""FeedbackLog: what the app calls to record conversations, turns, ratings and corrections.

Every `log_*` call validates its event, appends it to this process's journal and returns only once the
event is durable (fsync'd); it never touches DuckDB, so it never waits for readers or other processes.
An ingester applies the journals to DuckDB every `ingest_interval_s` (skipping a round when another
process is ingesting or reading): by default a child process (`feedback.ingest_daemon`), so ingestion
never takes the GIL from request threads; `ingest_mode="thread"` keeps it in-process; `flush()` applies
everything now, in the calling thread.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from feedback.codec import encode_event
from feedback.errors import FeedbackError
from feedback.ingest_daemon import start_ingest_process
from feedback.ingest import FeedbackFiles, IngestReport, ingest_all, ingest_pending
from feedback.journal import DEFAULT_SEGMENT_BYTES, JournalWriter
from feedback.reader import ensure_database
from feedback.records import (ConversationRecord, CorrectionRecord, FeedbackEvent, IntentTagRecord, RatingRecord,
                              TrainingExclusionRecord, TurnRecord, new_id, utc_now)
from feedback.validation import validate_event

log = logging.getLogger(__name__)


class FeedbackLog:
    """The writer API of the feedback store; one per process, shared by its threads. Close it when done."""

    def __init__(self, home_dir: Path | str, *, db_name: str = "feedback.duckdb",
                 ingest_interval_s: Optional[float] = 0.5, max_segment_bytes: int = DEFAULT_SEGMENT_BYTES,
                 sync: bool = True, ingest_mode: str = "process", journal_lanes: int = 2) -> None:
        if ingest_mode not in ("process", "thread"):
            raise FeedbackError(f"ingest_mode must be 'process' or 'thread', not {ingest_mode!r}")
        self.files = FeedbackFiles.for_home(home_dir, db_name)
        ensure_database(self.files)  # fail at startup, not at the first rating, if the home is unusable
        # Several lanes (journal files, each with its own group-commit thread): a call that arrives while one
        # lane is syncing goes to an idle one instead of waiting for that sync to end and then its own.
        self._lanes = [JournalWriter(self.files.journal_dir, max_segment_bytes=max_segment_bytes, sync=sync)
                       for _ in range(max(1, journal_lanes))]
        self._stop = threading.Event()
        self._ingester: Optional[threading.Thread] = None
        self._ingest_process: Optional[subprocess.Popen] = None
        if ingest_interval_s is not None and ingest_mode == "process":
            self._ingest_process = start_ingest_process(self.files.db, ingest_interval_s)
        elif ingest_interval_s is not None:
            self._ingester = threading.Thread(target=self._ingest_periodically, args=(ingest_interval_s,),
                                              name="feedback-ingest", daemon=True)
            self._ingester.start()

    def __enter__(self) -> "FeedbackLog":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def log_many(self, events: Sequence[FeedbackEvent]) -> list[FeedbackEvent]:
        """Validate all events, then make them durable together; if one is invalid, none is written."""
        cleaned = [validate_event(event) for event in events]
        if cleaned:
            lane = next((lane for lane in self._lanes if lane.idle), self._lanes[0])
            lane.append(b"".join(encode_event(event) for event in cleaned))
        return cleaned

    def _log(self, event: FeedbackEvent) -> Any:
        return self.log_many([event])[0]

    def start_conversation(self, customer_id: str, version: str, adapter: str, *,
                           conversation_id: Optional[str] = None,
                           started_at: Optional[datetime] = None) -> ConversationRecord:
        return self._log(ConversationRecord(id=conversation_id or new_id(), customer_id=customer_id, version=version,
                                            adapter=adapter, started_at=started_at or utc_now()))

    def log_turn(self, conversation_id: str, turn_index: int, role: str, text: str, *, version: str = "",
                 adapter: str = "", sampling: Optional[Mapping[str, Any]] = None, latency_ms: Optional[float] = None,
                 prompt_tokens: Optional[int] = None, completion_tokens: Optional[int] = None,
                 turn_id: Optional[str] = None, created_at: Optional[datetime] = None) -> TurnRecord:
        return self._log(TurnRecord(id=turn_id or new_id(), conversation_id=conversation_id, turn_index=turn_index,
                                    role=role, text=text, version=version, adapter=adapter,
                                    sampling=dict(sampling or {}), latency_ms=latency_ms, prompt_tokens=prompt_tokens,
                                    completion_tokens=completion_tokens, created_at=created_at or utc_now()))

    def log_rating(self, turn_id: str, rater_kind: str, rater_id: str, *, thumbs: Optional[bool] = None,
                   stars: Optional[int] = None, comment: str = "", rating_id: Optional[str] = None,
                   created_at: Optional[datetime] = None) -> RatingRecord:
        """`rating_id` is the idempotency key: pass the client's id so retries are stored once."""
        return self._log(RatingRecord(id=rating_id or new_id(), turn_id=turn_id, rater_kind=rater_kind,
                                      rater_id=rater_id, thumbs=thumbs, stars=stars, comment=comment,
                                      created_at=created_at or utc_now()))

    def log_correction(self, turn_id: str, agent_id: str, text: str, *,
                       correction_id: Optional[str] = None) -> CorrectionRecord:
        return self._log(CorrectionRecord(id=correction_id or new_id(), turn_id=turn_id, agent_id=agent_id, text=text))

    def tag_intent(self, conversation_id: str, intent: str, tagged_by: str, *, turn_id: Optional[str] = None,
                   tag_id: Optional[str] = None) -> IntentTagRecord:
        return self._log(IntentTagRecord(id=tag_id or new_id(), conversation_id=conversation_id, intent=intent,
                                         tagged_by=tagged_by, turn_id=turn_id))

    def exclude_from_training(self, conversation_id: str, reason: str, agent_id: str, *,
                              turn_id: Optional[str] = None,
                              exclusion_id: Optional[str] = None) -> TrainingExclusionRecord:
        return self._log(TrainingExclusionRecord(id=exclusion_id or new_id(), conversation_id=conversation_id,
                                                 reason=reason, agent_id=agent_id, turn_id=turn_id))

    def flush(self, timeout_s: float = 60.0) -> IngestReport:
        """Apply every journaled event to DuckDB now (events are already durable; this makes them queryable)."""
        return ingest_all(self.files, timeout_s)

    def close(self) -> None:
        """Stop the background ingester and seal the journal; pending events are applied by the next ingest."""
        self._stop.set()
        if self._ingester is not None:
            self._ingester.join()
        if self._ingest_process is not None:
            self._ingest_process.terminate()  # mid-transaction is fine: an uncommitted batch is simply redone
            self._ingest_process.wait()
        for lane in self._lanes:
            lane.close()

    def _ingest_periodically(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                ingest_pending(self.files)
            except FeedbackError as exc:
                log.warning("feedback ingest failed, will retry: %s", exc)
            except Exception:  # keep logging: the journal holds the events until a later round succeeds
                log.exception("feedback ingest failed unexpectedly, will retry")
