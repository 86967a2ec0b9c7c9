"""Fixtures of the simulator tests: the full app (chat, agents' console, REST API) on the serve tests' engine.

`vllm_engine` is the session's one engine, defined in tests/conftest.py.
"""

import dataclasses

import pytest

from tests.serve.conftest import RunningApp, app_config, free_port


@pytest.fixture(scope="module")
def full_app(vllm_engine, tiny_model_dir, tmp_path_factory):
    """(RunningApp, config) of the app exactly as `supportloop serve` composes it, on a fresh home."""
    from feedback.log import FeedbackLog
    from serve.app import ExternalEngine, build_app, build_deps
    from supportloop.commands_serve import app_mounts

    home = tmp_path_factory.mktemp("simulator-home")
    config = app_config(home, vllm_engine[1])
    config = dataclasses.replace(config, feedback=dataclasses.replace(config.feedback, agent_cache_s=0.5))
    feedback = FeedbackLog(home, ingest_interval_s=0.3)  # its own ingester process, as in `supportloop serve`
    deps = build_deps(config, ExternalEngine(config.serve.engine_url), tiny_model_dir, feedback)
    running = RunningApp(build_app(config, deps, app_mounts(config, deps)), free_port()).start()
    yield running, config
    running.stop()
    deps.close()
