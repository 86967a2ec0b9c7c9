"""Moving journaled events into DuckDB, exactly once, from any process.

Whoever ingests (the app's background thread, `FeedbackLog.flush`, the nightly job, a CLI command) first
takes an exclusive flock on `<db>.lock`, so ingesters never race each other, then opens the database
read-write for as short a time as it can: read every journal from its applied offset to its last complete
line, apply those events AND the new offsets in one transaction (a crash before COMMIT applies nothing and
the next ingester starts from the old offsets; after COMMIT the offsets say the events are in), close.
Sealed segments that are applied completely are deleted afterwards.

All journals are read before one batch is applied, so a rating logged by one process for a turn logged
by another (which was acknowledged first) finds its turn.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import duckdb

from feedback.codec import decode_line
from feedback.errors import FeedbackBusy, InvalidEvent
from feedback.journal import is_sealed, list_segments, read_complete_lines
from feedback.records import FeedbackEvent
from feedback.store import FeedbackStore

DEFAULT_BATCH_BYTES = 16 * 1024 * 1024
# One ingest call gives the file back to readers after this long even if more is pending.
MAX_HOLD_SECONDS = 2.0


@dataclass(frozen=True)
class FeedbackFiles:
    """The files of one feedback store; all derived from the database path."""
    db: Path
    journal_dir: Path
    ingest_lock: Path

    @classmethod
    def for_db(cls, db_path: Path | str) -> "FeedbackFiles":
        db = Path(db_path)
        return cls(db=db, journal_dir=db.parent / "journal", ingest_lock=db.parent / f"{db.name}.lock")

    @classmethod
    def for_home(cls, home_dir: Path | str, db_name: str = "feedback.duckdb") -> "FeedbackFiles":
        return cls.for_db(Path(home_dir).expanduser() / db_name)


@dataclass(frozen=True)
class IngestReport:
    stored: int
    duplicates: int
    rejected: int
    bytes_applied: int
    segments_deleted: int
    more_pending: bool


@contextlib.contextmanager
def ingest_lock(files: FeedbackFiles, timeout_s: Optional[float]) -> Iterator[bool]:
    """Hold the ingest flock; yields False if it could not be had within timeout_s (None waits forever)."""
    files.db.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(files.ingest_lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if timeout_s is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
            return
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.005)
        yield True
    finally:
        os.close(fd)  # releases the lock


def open_writable(files: FeedbackFiles, timeout_s: float) -> Optional[FeedbackStore]:
    """Open read-write, retrying while readers hold the file; None when they still do after timeout_s."""
    deadline = time.monotonic() + timeout_s
    delay = 0.002
    while True:
        try:
            return FeedbackStore.open(files.db)
        except (duckdb.IOException, duckdb.ConnectionException):
            # Another process reads (file lock), or this process has it open read-only (DuckDB refuses a
            # second configuration of the same file in one process). Both pass; try again shortly.
            if time.monotonic() >= deadline:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def apply_pending(store: FeedbackStore, files: FeedbackFiles, *, batch_bytes: int = DEFAULT_BATCH_BYTES,
                  max_hold_s: float = MAX_HOLD_SECONDS) -> IngestReport:
    """Apply pending journal lines batch by batch; the caller holds the ingest lock and the open store."""
    totals = [0, 0, 0, 0]
    deleted = 0
    started = time.monotonic()
    while True:
        sealed = {segment.name for segment in list_segments(files.journal_dir) if is_sealed(segment)}
        events, invalid, offsets, size, more = _read_batch(files.journal_dir, store.journal_offsets(), batch_bytes)
        if events or invalid or offsets:
            result = store.apply_events(events, offsets, invalid)
            totals = [totals[0] + result.stored, totals[1] + result.duplicates, totals[2] + result.rejected,
                      totals[3] + size]
        deleted += _delete_applied(store, files.journal_dir, sealed)
        if not more or time.monotonic() - started > max_hold_s:
            return IngestReport(*totals, segments_deleted=deleted, more_pending=more)


def _read_batch(journal_dir: Path, applied: dict[str, int], budget: int):
    """Events of about `budget` bytes of complete lines, and whether the budget left any unread.

    "More" cannot be told from the bytes read: a batch ends at the last complete line, so it is almost
    always a little short of the budget even when megabytes remain (`size >= budget` once stopped
    `ingest_all` after its first batch, and flush() and readers missed acknowledged events). It is known
    per segment instead: lines were read and the budget stopped the read before the end of the file.
    Preallocated zeros after the last line can make that true once too often; the next round reads nothing.
    """
    events: list[FeedbackEvent] = []
    invalid: list[tuple[str, str, str, str]] = []
    offsets: dict[str, int] = {}
    total = 0
    more = False
    for segment in list_segments(journal_dir):
        if total >= budget:
            more = True
            break
        start = applied.get(segment.name, 0)
        try:
            size = segment.stat().st_size  # before the read: bytes appended after it are the next round's
            lines, end = read_complete_lines(segment, start, budget - total)
        except FileNotFoundError:
            continue  # deleted by an earlier ingest between listing and reading
        more = more or (size > start + budget - total and end > start)
        if end == start:
            continue
        position = start
        for line in lines:
            try:
                events.append(decode_line(line))
            except InvalidEvent as exc:
                invalid.append(("unreadable", f"{segment.name}@{position}", str(exc), line[:10_000].decode("ascii", "replace")))
            position += len(line) + 1
        offsets[segment.name] = end
        total += end - start
    return events, invalid, offsets, total, more


def pending_segments(journal_dir: Path, applied: dict[str, int]) -> list[str]:
    """Segments holding bytes past their applied offset: the cheap "is there anything to ingest?" probe.

    Reads ONE byte per segment instead of scanning from the offset: a writer appends at the end of its last
    complete line, so the byte at an applied offset is either the first byte of a line written since
    (never NUL: lines are JSON) or a preallocated zero / the end of the file. A line still being written
    shows up as pending too, which only costs a regular ingest, never a missed event.
    """
    pending = []
    for segment in list_segments(journal_dir):
        try:
            with open(segment, "rb") as handle:
                handle.seek(applied.get(segment.name, 0))
                first = handle.read(1)
        except FileNotFoundError:
            continue  # only a completely applied, sealed segment is ever deleted
        if first not in (b"", b"\0"):
            pending.append(segment.name)
    return pending


def _delete_applied(store: FeedbackStore, journal_dir: Path, sealed: set[str]) -> int:
    """Delete sealed segments whose every complete line is applied; their offsets go after their files."""
    applied = store.journal_offsets()
    gone = []
    for segment in list_segments(journal_dir):
        if segment.name in sealed:
            size = segment.stat().st_size
            lines, end = read_complete_lines(segment, applied.get(segment.name, 0), max(size, 1))
            if not lines:  # nothing complete left (at most an unacknowledged partial line)
                segment.unlink()
                gone.append(segment.name)
    if gone:
        store.forget_journals(gone)
    return len(gone)


def ingest_pending(files: FeedbackFiles, *, lock_timeout_s: Optional[float] = 0.0, open_timeout_s: float = 0.0,
                   batch_bytes: int = DEFAULT_BATCH_BYTES) -> Optional[IngestReport]:
    """Ingest what the journals hold now. None if another ingester or a reader kept us out within the timeouts."""
    with ingest_lock(files, lock_timeout_s) as locked:
        if not locked:
            return None
        store = open_writable(files, open_timeout_s)
        if store is None:
            return None
        with store:
            return apply_pending(store, files, batch_bytes=batch_bytes)


def ingest_all(files: FeedbackFiles, timeout_s: float = 60.0) -> IngestReport:
    """Ingest until the journals are drained (as of the call); FeedbackBusy if readers block us for timeout_s."""
    deadline = time.monotonic() + timeout_s
    totals = IngestReport(0, 0, 0, 0, 0, True)
    while totals.more_pending:
        remaining = max(0.0, deadline - time.monotonic())
        report = ingest_pending(files, lock_timeout_s=remaining, open_timeout_s=remaining)
        if report is None:
            raise FeedbackBusy(f"could not ingest into {files.db} within {timeout_s:.0f} s: another process kept "
                               f"it locked; the events are safe in {files.journal_dir}, try again later")
        totals = IngestReport(totals.stored + report.stored, totals.duplicates + report.duplicates,
                              totals.rejected + report.rejected, totals.bytes_applied + report.bytes_applied,
                              totals.segments_deleted + report.segments_deleted, report.more_pending)
    return totals


@contextlib.contextmanager
def exclusive_store(files: FeedbackFiles, timeout_s: float = 60.0) -> Iterator[FeedbackStore]:
    """The store read-write, with all pending journal events applied first, for admin writes (purges)."""
    with ingest_lock(files, timeout_s) as locked:
        store = open_writable(files, timeout_s) if locked else None
        if store is None:
            raise FeedbackBusy(f"{files.db} stayed locked by another process for {timeout_s:.0f} s; try again")
        with store:
            while apply_pending(store, files).more_pending:
                pass
            yield store
