"""Stopping the demo with `kill` stops the app it started and still writes the report (as Ctrl-C does)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.processes import alive, children_of

pytestmark = pytest.mark.slow


def test_a_terminated_demo_stops_its_app_and_writes_its_report(tiny_model_dir, tmp_path):
    demo_home = tmp_path / "demo"
    env = {**os.environ, "SUPPORTLOOP__BASE_MODEL": str(tiny_model_dir), "HF_HUB_OFFLINE": "1"}
    demo = subprocess.Popen([sys.executable, "-m", "supportloop.cli", "--home", str(tmp_path / "home"), "demo",
                             "--demo-home", str(demo_home)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = []
    for line in demo.stdout:  # until the demo has started the app
        output.append(line)
        if line.startswith("$ supportloop serve"):
            break
    deadline = time.monotonic() + 30
    while not children_of(demo.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    app = children_of(demo.pid)
    assert app, "".join(output)

    demo.send_signal(signal.SIGTERM)
    output += demo.stdout.readlines()
    assert demo.wait(timeout=90) == 128 + signal.SIGTERM, "".join(output)
    assert not any(alive(pid) for pid in app), "the app outlived the demo that started it"
    report = (demo_home / "demo-report.md").read_text()
    assert "| prepare the demo home |" in report and "| start serving |" in report  # the step it stopped in too
