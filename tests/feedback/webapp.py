"""A real app for the console and API tests: FastAPI + `mount_agent_console`, served by uvicorn in a thread,
on a feedback home seeded with FeedbackLog (no vLLM). Imported by the test modules' fixtures."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from feedback.agents import AgentServices, add_agent, issue_api_token
from feedback.ingest import FeedbackFiles
from feedback.log import FeedbackLog
from serve.engine import free_port

PASSWORD = "correct horse battery"
NASTY = "Where is <b>my</b> order? <script>alert('xss')</script><img src=x onerror=alert(2)>"


@dataclass
class RunningApp:
    url: str
    home: Path
    feedback_log: FeedbackLog
    services: AgentServices
    token: str
    other_token: str

    def login_cookie(self, name: str = "ann", password: str = PASSWORD) -> str:
        response = httpx.post(f"{self.url}/agent/login", data={"name": name, "password": password},
                              follow_redirects=False)
        assert response.status_code == 303, response.text
        return response.cookies["supportloop_agent_session"]


def seed(feedback_log: FeedbackLog) -> None:
    """c1: a thumbs-down answer to an HTML-laden question; c2: a thumbs-up one; c3: not rated."""
    for name, verdict, version in (("c1", False, "v0001"), ("c2", True, "v0002"), ("c3", None, "v0002")):
        feedback_log.start_conversation(f"cust-{name}", version, f"support-{version}", conversation_id=name)
        feedback_log.log_turn(name, 0, "user", NASTY if name == "c1" else "How long do refunds take?",
                              turn_id=f"{name}-u")
        feedback_log.log_turn(name, 1, "assistant", "It ships today.", version=version, turn_id=f"{name}-a")
        if verdict is not None:
            feedback_log.log_rating(f"{name}-a", "customer", f"session-{name}", thumbs=verdict,
                                    comment="<script>alert('comment')</script>")
        feedback_log.tag_intent(name, "order_tracking" if name == "c1" else "returns_refunds", "simulator")
    feedback_log.flush()


def start_app(home: Path):
    """Seed, create agents ann and bob (with tokens), serve; returns (RunningApp, stop function)."""
    import fastapi
    import uvicorn

    from feedback.web import mount_agent_console
    from supportloop.config import load_config

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    config = load_config(env={"SUPPORTLOOP_HOME": str(home), "SUPPORTLOOP_SESSION_SECRET": "s" * 40})
    config = dataclasses.replace(config, feedback=dataclasses.replace(config.feedback, agent_cache_s=0.2))
    feedback_log = FeedbackLog(home, ingest_interval_s=0.2)
    seed(feedback_log)
    files = FeedbackFiles.for_home(home)
    add_agent(files, "ann", PASSWORD, "test")
    add_agent(files, "bob", PASSWORD, "test")
    token, other_token = issue_api_token(files, "ann", "test"), issue_api_token(files, "bob", "test")
    app = fastapi.FastAPI(title="test app")
    services = mount_agent_console(app, feedback_log=feedback_log, config=config)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        feedback_log.close()

    return RunningApp(f"http://127.0.0.1:{port}", home, feedback_log, services, token, other_token), stop
