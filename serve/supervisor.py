"""Keeping the vLLM engine up: start it, await readiness, and restart it with backoff when it dies.

The supervisor runs in one background thread; the app reads `status` (for /healthz and for the message
customers see while the engine restarts) and registers `on_ready` callbacks (the adapter manager forgets
what was loaded, since a restarted engine has no adapters).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from serve.engine import EngineError, EngineProcess

log = logging.getLogger(__name__)


def restart_delay(attempt: int, max_delay_s: float, base_s: float = 1.0) -> float:
    """Seconds to wait before restart `attempt` (1, 2, ...): doubling from `base_s`, capped at `max_delay_s`."""
    return min(max_delay_s, base_s * 2 ** max(0, attempt - 1))


class EngineSupervisor:
    """Owns an EngineProcess for the app's lifetime. Status: starting, ready, restarting, stopped."""

    def __init__(self, engine: EngineProcess, startup_timeout_s: float, max_delay_s: float,
                 poll_s: float = 0.5, stable_after_s: float = 60.0):
        self.engine = engine
        self.startup_timeout_s = startup_timeout_s
        self.max_delay_s = max_delay_s
        self.poll_s = poll_s
        self.stable_after_s = stable_after_s  # up this long: the next death starts the backoff from scratch
        self.status = "starting"
        self.restarts = 0
        self.last_error = ""
        self._on_ready: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.engine.launch.url

    def on_ready(self, callback: Callable[[], None]) -> None:
        self._on_ready.append(callback)

    def start(self, wait: bool = True) -> None:
        """Start the engine; with `wait`, block until it is ready (raising EngineError on failure)."""
        self.engine.start()
        if wait:
            self.engine.wait_ready(self.startup_timeout_s)
            self._became_ready()
        self._thread = threading.Thread(target=self._watch, args=(not wait,), name="engine-supervisor", daemon=True)
        self._thread.start()

    def _became_ready(self) -> None:
        self.status = "ready"
        for callback in self._on_ready:
            callback()

    def _watch(self, await_first_start: bool) -> None:
        attempt = 0
        up_since = time.monotonic()
        if await_first_start and not self._await_ready():
            attempt = 1
        while not self._stop.wait(self.poll_s):
            if self.engine.alive():
                if attempt and time.monotonic() - up_since > self.stable_after_s:
                    attempt = 0
                continue
            attempt += 1
            self.status = "restarting"
            self.last_error = f"engine exited with code {self.engine.exit_code()}; log ends with: {self.engine.log_tail()[-400:]}"
            log.error("the vLLM engine died (%s); restart %d in %.1f s", self.last_error, attempt,
                      restart_delay(attempt, self.max_delay_s))
            if self._stop.wait(restart_delay(attempt, self.max_delay_s)):
                return
            self.restarts += 1
            if self._restart():
                up_since = time.monotonic()

    def _restart(self) -> bool:
        try:
            self.engine.stop()  # reap it and any worker it left behind
            self.engine.start()
        except EngineError as exc:
            self.last_error = str(exc)
            log.error("could not restart the vLLM engine: %s", exc)
            return False
        return self._await_ready()

    def _await_ready(self) -> bool:
        try:
            self.engine.wait_ready(self.startup_timeout_s)
        except EngineError as exc:
            self.last_error = str(exc)
            log.error("the vLLM engine did not come back: %s", exc)
            return False
        log.info("the vLLM engine is ready again")
        self._became_ready()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.engine.stop()
        self.status = "stopped"
