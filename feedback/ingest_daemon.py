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

from feedback.errors import FeedbackError
from feedback.ingest import FeedbackFiles, ingest_pending

log = logging.getLogger(__name__)


def follow(files: FeedbackFiles, interval_s: float, parent_pid: int) -> None:
    """Ingest every interval_s until the parent is gone, then once more so nothing waits for the next ingester."""
    while os.getppid() == parent_pid:
        _ingest_once(files)
        time.sleep(interval_s)
    _ingest_once(files)


def _ingest_once(files: FeedbackFiles) -> None:
    try:
        ingest_pending(files)
    except FeedbackError as exc:
        log.warning("feedback ingest failed, will retry: %s", exc)
    except Exception:  # keep going: the journals hold the events until a later round succeeds
        log.exception("feedback ingest failed unexpectedly, will retry")


def start_ingest_process(db_path: Path, interval_s: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "feedback.ingest_daemon", str(db_path), str(interval_s),
                             str(os.getpid())], stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s feedback-ingest %(levelname)s %(message)s")
    follow(FeedbackFiles.for_db(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))
