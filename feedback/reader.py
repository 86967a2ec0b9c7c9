"""Read-only access to the feedback database while writers keep logging.

DuckDB refuses to open a file read-only while an ingester has it open read-write. Ingesters hold it only
for a short transaction, so a reader simply retries with a growing pause until it gets in (or gives up
with FeedbackBusy after `timeout_s`). Writers are never affected: they only append to their journals.
While a reader has the file open, ingestion waits instead; events stay safe in the journals meanwhile, so
keep reads short (export to Parquet and close, rather than holding the store open for hours).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator, Optional

import duckdb

from feedback.errors import FeedbackBusy, SchemaError
from feedback.ingest import FeedbackFiles, ingest_all, ingest_lock, open_writable, pending_segments
from feedback.migrations import MIGRATION_NAMES
from feedback.store import FeedbackStore

DEFAULT_READ_TIMEOUT_S = 30.0


def default_reader_threads() -> int:
    """One core fewer than the host has: a big export or stats query must not starve the app beside it
    (measured on 2 cores: an all-cores Parquet export doubled the app's p99 acknowledgement latency)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _open_read_only(files: FeedbackFiles, timeout_s: float, threads: int) -> FeedbackStore:
    deadline = time.monotonic() + timeout_s
    delay = 0.002
    while True:
        try:
            return FeedbackStore.open(files.db, read_only=True, threads=threads)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if time.monotonic() >= deadline:
                raise FeedbackBusy(f"{files.db} stayed locked for {timeout_s:.0f} s ({exc}); try again") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def ensure_database(files: FeedbackFiles, timeout_s: float = DEFAULT_READ_TIMEOUT_S) -> None:
    """Create and migrate the database if it is missing or behind (readers cannot migrate)."""
    if files.db.exists() and _is_current(files, timeout_s):
        return
    with ingest_lock(files, timeout_s) as locked:
        store = open_writable(files, timeout_s) if locked else None
        if store is None:
            raise FeedbackBusy(f"could not create or migrate {files.db} within {timeout_s:.0f} s; try again")
        store.close()


def _is_current(files: FeedbackFiles, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con = duckdb.connect(str(files.db), read_only=True)
        except (duckdb.IOException, duckdb.ConnectionException):
            if time.monotonic() >= deadline:
                raise FeedbackBusy(f"{files.db} stayed locked for {timeout_s:.0f} s; try again") from None
            time.sleep(0.01)
            continue
        try:
            has_table = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations'").fetchone()[0]
            done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()} if has_table else set()
        finally:
            con.close()
        return set(MIGRATION_NAMES) <= done


@contextlib.contextmanager
def open_reader(db_path: Path | str, *, timeout_s: float = DEFAULT_READ_TIMEOUT_S,
                ingest_first: bool = False, threads: Optional[int] = None) -> Iterator[FeedbackStore]:
    """The store, read-only, as a context manager; retries while an ingester holds the file.

    `ingest_first=True` first applies everything the journals hold, so the reader sees every event that
    was acknowledged before the call (what the nightly job wants). `threads` defaults to
    `default_reader_threads()`.
    """
    files = FeedbackFiles.for_db(db_path)
    threads = threads or default_reader_threads()
    if ingest_first:
        store = _open_with_journals_applied(files, timeout_s, threads)
    else:
        ensure_database(files, timeout_s)
        store = _open_read_only(files, timeout_s, threads)
    with store:
        yield store


def _open_with_journals_applied(files: FeedbackFiles, timeout_s: float, threads: int) -> FeedbackStore:
    """Read-only, with every event acknowledged before the call applied.

    Usually the app's ingester has applied everything already; then an ingest would only take the lock, open
    the file read-write and rescan the journals for nothing (seconds on a big store). So look first: while
    this read-only connection is open no ingester can commit, so its offsets describe exactly what it
    holds, and a journal with no byte past its offset holds nothing it lacks. Only otherwise ingest.
    """
    if files.db.exists():
        try:
            store = _open_read_only(files, timeout_s, threads)
        except SchemaError:
            store = None  # not migrated yet: the ingest below migrates it
        if store is not None:
            if not pending_segments(files.journal_dir, store.journal_offsets()):
                return store
            store.close()
    ingest_all(files, timeout_s)
    return _open_read_only(files, timeout_s, threads)
