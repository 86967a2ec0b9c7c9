"""`supportloop monitor [--watch]`: promote a canary that customers like, roll back a version they do not.

One look (for cron), or a look every `eval.monitor_interval_s` until interrupted. With
`eval.monitor_enabled = false` it only says what it would do. The logic is eval/monitor.py.
"""

from __future__ import annotations

import argparse
import time

from supportloop.config import SupportloopConfig
from supportloop.errors import SupportloopError
from supportloop.paths import HomePaths

EXIT_OK = 0


def register(subparsers, add_command) -> None:
    monitor = add_command(subparsers, "monitor", run_monitor,
                          "compare live ratings of the canary (or of a new production) and promote or roll back",
                          "supportloop monitor --watch")
    monitor.add_argument("--watch", action="store_true",
                         help="look again every eval.monitor_interval_s seconds until interrupted (Ctrl-C)")


def run_monitor(args: argparse.Namespace, config: SupportloopConfig) -> int:
    paths = HomePaths.from_config(config)
    if not args.watch:
        _look(paths, config)
        return EXIT_OK
    print(f"monitor: looking every {config.eval.monitor_interval_s:g} s; Ctrl-C stops", flush=True)
    try:
        while True:
            try:
                _look(paths, config)
            except SupportloopError as exc:  # a busy database or a bad registry file: try again next time
                print(f"monitor: error: {exc}", flush=True)
            time.sleep(config.eval.monitor_interval_s)
    except KeyboardInterrupt:  # the normal way to stop watching, not a failure
        print("monitor: stopped", flush=True)
        return EXIT_OK


def _look(paths: HomePaths, config: SupportloopConfig) -> None:
    from datetime import datetime, timezone

    from eval.monitor import monitor_once

    outcome = monitor_once(paths.registry, paths.feedback_db, config.eval, config.feedback.reader_timeout_s)
    done = "done" if outcome.acted else ("not done" if outcome.action in ("promote", "rollback") else "")
    print(f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} {outcome.action}"
          f"{' ' + outcome.version if outcome.version else ''}{f' ({done})' if done else ''}: {outcome.reason}",
          flush=True)
