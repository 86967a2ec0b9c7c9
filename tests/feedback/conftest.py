"""Fixtures of the feedback tests: a fresh home directory with a FeedbackLog, and a worker-process launcher."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.log import FeedbackLog

WORKER = Path(__file__).with_name("feedback_worker.py")
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def feedback_log(tmp_path):
    """A FeedbackLog without the background ingester, so each test decides when to ingest."""
    with FeedbackLog(tmp_path, ingest_interval_s=None) as feedback:
        yield feedback


@pytest.fixture
def start_worker():
    """Start feedback_worker.py in a real separate process; all are killed at the end of the test."""
    started = []

    def start(*args: object) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        process = subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.fixture(scope="session")
def running_app(tmp_path_factory):
    """One real app (FastAPI + agents' console + REST API under uvicorn) for all console and API tests;
    starting it costs seconds (Gradio), so tests share it and leave it as they found it."""
    from tests.feedback.webapp import start_app

    running, stop = start_app(tmp_path_factory.mktemp("app-home"))
    yield running
    stop()
