"""A child process that applies the journals to DuckDB every few hundred milliseconds.

`FeedbackLog(ingest_mode="process")` starts it so that decoding and applying events never competes with
the app's request threads for the GIL (measured: an in-process ingester thread tripled p99 acknowledgement
latency). It exits by itself when its parent process dies, however it dies.

    python -m feedback.ingest_daemon DB_PATH INTERVAL_S PARENT_PID
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from feedback.errors import FeedbackError
from feedback.ingest import FeedbackFiles, IngestReport, ingest_pending
from feedback.journal import list_segments

log = logging.getLogger(__name__)

FULL_CHECK_S = 5.0  # the longest an event can wait in the journals when its write left no trace on them


def follow(files: FeedbackFiles, interval_s: float, parent_pid: int) -> None:
    """Ingest every interval_s until the parent is gone, then once more so nothing waits for the next ingester.

    A round whose journals look as they did when everything was last applied (same segments, sizes and
    modification times) skips opening DuckDB: opening it five times a second cost an idle app's ingester 16 %
    of a core. Every FULL_CHECK_S it looks anyway, in case a write landed within the file system's timestamp
    granularity of the last look.
    """
    applied_as_of, last_full_check = None, time.monotonic()
    while os.getppid() == parent_pid:
        journals = journal_fingerprint(files.journal_dir)
        if journals != applied_as_of or time.monotonic() - last_full_check > FULL_CHECK_S:
            last_full_check = time.monotonic()
            report = _ingest_once(files)
            applied_as_of = journals if report is not None and not report.more_pending else None
        time.sleep(interval_s)
    _ingest_once(files)


def journal_fingerprint(journal_dir: Path) -> tuple:
    """What changes whenever a journal line is written or a segment is made or deleted."""
    fingerprint = []
    for segment in list_segments(journal_dir):
        try:
            stat = segment.stat()
        except FileNotFoundError:
            continue  # deleted by an ingest since the listing: the next look sees the directory without it
        fingerprint.append((segment.name, stat.st_size, stat.st_mtime_ns))
    return tuple(fingerprint)


def _ingest_once(files: FeedbackFiles) -> Optional[IngestReport]:
    try:
        return ingest_pending(files)
    except FeedbackError as exc:
        log.warning("feedback ingest failed, will retry: %s", exc)
    except Exception:  # keep going: the journals hold the events until a later round succeeds
        log.exception("feedback ingest failed unexpectedly, will retry")
    return None


def start_ingest_process(db_path: Path, interval_s: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "feedback.ingest_daemon", str(db_path), str(interval_s),
                             str(os.getpid())], stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s feedback-ingest %(levelname)s %(message)s")
    follow(FeedbackFiles.for_db(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))
