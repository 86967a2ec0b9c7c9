"""Per-process append-only journals: the durable side of the feedback store.

A writer process owns its journal segment files (`<home>/journal/<host>-<pid>-<random>-<n>.jsonl`, one
event per line, see `feedback.codec`). `JournalWriter.append` returns only after its lines are written and
fdatasync'd, so an acknowledged event survives `kill -9` and power loss. Group commit: callers hand their
lines to one background thread, which writes everything that queued up meanwhile with one write and one
fdatasync, so many concurrent callers share each sync.

While a writer has a segment open it holds an exclusive flock on it. A segment nobody holds is *sealed*:
its writer rotated to a new one, closed, or died; nothing will ever be appended to it again, so the
ingester may delete it once it has applied all of it. Segments are created under a dot-name, locked, then
renamed into place, so the ingester never sees an unlocked segment that is about to be written.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import uuid
from pathlib import Path
from typing import Optional

from feedback.errors import JournalError
from supportloop.paths import sync_directory

SEGMENT_SUFFIX = ".jsonl"
DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
# Segments grow in zero-filled steps of this size. Overwriting bytes that already exist changes no file
# metadata, so fdatasync flushes just the data: no ext4 journal commit, which would also have to write out
# every other file's dirty data (an export running beside the app made p99 acknowledgements 5x slower).
PREALLOCATE_BYTES = 4 * 1024 * 1024




class JournalWriter:
    """Appends lines to this process's journal with group commit; thread-safe; `close()` when done."""

    def __init__(self, journal_dir: Path, *, max_segment_bytes: int = DEFAULT_SEGMENT_BYTES, sync: bool = True):
        self.journal_dir = Path(journal_dir)
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        self._max_segment_bytes = max_segment_bytes
        self._sync = sync  # False only for benchmarks that want to see the cost of fsync
        self._stem = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._segment_number = 0
        self._fd = -1
        self._size = 0       # bytes of complete lines written
        self._allocated = 0  # bytes the file has (zeros after _size)
        self.segment_path: Optional[Path] = None
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._batch_done = threading.Condition(self._lock)
        self._pending: list[bytes] = []
        self._filling_batch = 1   # the batch new lines join
        self._finished_batch = 0  # every batch up to this one is written (or failed)
        self._failures: dict[int, str] = {}
        self._closing = False
        self._syncing = False
        self._open_segment()
        self._thread = threading.Thread(target=self._run, name="feedback-journal", daemon=True)
        self._thread.start()

    def append(self, data: bytes) -> None:
        """Append complete lines; return once they are durable, or raise JournalError (then not acknowledged)."""
        with self._lock:
            if self._closing:
                raise JournalError("the feedback journal is closed")
            self._pending.append(data)
            ticket = self._filling_batch
            self._has_work.notify()
            while self._finished_batch < ticket:
                self._batch_done.wait()
            failure = self._failures.get(ticket)
        if failure is not None:
            raise JournalError(f"writing the feedback journal failed ({failure}); the events were not "
                               f"acknowledged: retry them with the same ids")

    @property
    def idle(self) -> bool:
        """Nothing queued and no write in flight: an append now costs exactly one write + sync."""
        return not self._syncing and not self._pending

    def close(self) -> None:
        """Write what is queued, stop the writer thread and seal the current segment."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._has_work.notify()
        self._thread.join()
        self._close_segment()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closing:
                    self._has_work.wait()
                if not self._pending:
                    return
                data, self._pending = b"".join(self._pending), []
                batch, self._filling_batch = self._filling_batch, self._filling_batch + 1
                self._syncing = True
            failure = self._write_durably(data)
            with self._lock:
                self._syncing = False
                if failure is not None:
                    self._failures[batch] = failure
                self._finished_batch = batch
                self._batch_done.notify_all()

    def _write_durably(self, data: bytes) -> Optional[str]:
        """Write and sync one batch; on failure cut the segment back and move to a fresh one."""
        try:
            if self._size and self._size + len(data) > self._max_segment_bytes:
                self._close_segment()
                self._open_segment()
            if self._size + len(data) > self._allocated:
                self._preallocate(max(PREALLOCATE_BYTES, len(data)))
            self._write_at(data, self._size)
            if self._sync:
                os.fdatasync(self._fd)
            self._size += len(data)
            return None
        except OSError as exc:
            self._recover_after_failure()
            return exc.strerror or str(exc)

    def _write_at(self, data: bytes, offset: int) -> None:
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, offset)
            view, offset = view[written:], offset + written

    def _preallocate(self, size: int) -> None:
        # Real zeros, not fallocate: unwritten extents would turn every write into a metadata change again.
        self._write_at(bytes(size), self._allocated)
        self._allocated += size

    def _recover_after_failure(self) -> None:
        # After a failed write or sync the kernel's view of the file can no longer be trusted (fsyncgate):
        # cut off what may be partial, seal the segment and continue in a new one.
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            pass  # the ingester ignores a trailing line without its newline anyway
        try:
            self._close_segment()
            self._open_segment()
        except OSError:
            self._fd = -1  # the next batch fails too, with its own error

    def _open_segment(self) -> None:
        self._segment_number += 1
        name = f"{self._stem}-{self._segment_number:06d}{SEGMENT_SUFFIX}"
        staging = self.journal_dir / f".{name}.tmp"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(staging, self.journal_dir / name)
        sync_directory(self.journal_dir)
        self._fd, self._size, self._allocated, self.segment_path = fd, 0, 0, self.journal_dir / name

    def _close_segment(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing releases the flock: the segment is sealed
            self._fd = -1


def list_segments(journal_dir: Path) -> list[Path]:
    if not journal_dir.is_dir():
        return []
    return sorted(path for path in journal_dir.iterdir()
                  if path.name.endswith(SEGMENT_SUFFIX) and not path.name.startswith("."))


def is_sealed(segment: Path) -> bool:
    """True when no writer holds the segment, so it can never grow again. Check BEFORE reading it."""
    try:
        fd = os.open(segment, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also releases our probe lock


def read_complete_lines(segment: Path, offset: int, max_bytes: int) -> tuple[list[bytes], int]:
    """Complete lines from `offset` (at most about `max_bytes`), and the offset just after the last of them.

    A trailing line without its newline is a write still in progress (or one that never finished and was
    never acknowledged); it is left for later, or for good if the segment is sealed. The zeros a segment is
    preallocated with contain no newline, so they read the same way.
    """
    with open(segment, "rb") as handle:
        handle.seek(offset)
        chunk = handle.read(max_bytes)
    end = chunk.rfind(b"\n")
    if end < 0:
        if len(chunk) == max_bytes:  # one line longer than the whole budget: read it in full
            return read_complete_lines(segment, offset, max_bytes * 2)
        return [], offset
    return chunk[:end].split(b"\n"), offset + end + 1
