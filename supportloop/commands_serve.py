"""The `supportloop serve` command: start (or reach) the vLLM engine, wire the app's dependencies, run uvicorn.

Heavy imports stay inside the command so `supportloop --help` is instant. Other parts of the app (the
agents' console, the REST API) join through `app_mounts`, the one list of mounts the app is built with.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from supportloop.config import SupportloopConfig
from supportloop.paths import HomePaths

EXIT_OK = 0


def app_mounts(config: SupportloopConfig, deps) -> list[Callable]:
    """Every `mount(app)` the app is built with, in order; each adds routes or sub-apps before the chat at `/`."""
    from functools import partial

    from feedback.web import mount_agent_console

    # The agents' console at /agent (behind login) and the /api routes for other tools.
    return [partial(mount_agent_console, feedback_log=deps.feedback, config=config)]


def register(commands, make_command) -> None:
    serve = make_command(commands, "serve", run_serve,
                         "serve the customer chat (and /healthz, /metrics) with vLLM and hot-swapped versions",
                         "supportloop serve --port 7860")
    serve.add_argument("--host", help="address to listen on (default: serve.host)")
    serve.add_argument("--port", type=int, help="port to listen on (default: serve.port)")


def start_engine(config: SupportloopConfig, model: str, paths: HomePaths, offline: bool):
    """The external engine named by serve.engine_url, or a supervised child vLLM server, ready to answer."""
    from serve.app import ExternalEngine
    from serve.engine import EngineProcess, build_engine_launch, installed_vllm_build, resolve_device
    from serve.supervisor import EngineSupervisor

    serve = config.serve
    if serve.engine_url:
        return ExternalEngine(serve.engine_url, serve.engine_api_key)
    launch = build_engine_launch(serve, model, resolve_device(serve.device, installed_vllm_build()), offline=offline)
    supervisor = EngineSupervisor(EngineProcess(launch, paths.logs / "engine.log"), serve.engine_startup_timeout_s,
                                  serve.engine_restart_max_delay_s)
    print(f"starting the vLLM engine on {model} (log: {paths.logs / 'engine.log'}) ...", flush=True)
    supervisor.start(wait=True)
    return supervisor


def run_serve(args: argparse.Namespace, config: SupportloopConfig) -> int:
    import uvicorn

    from feedback.log import FeedbackLog
    from serve.app import build_app, build_deps
    from supportloop.base import ensure_base_model

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    paths = HomePaths.from_config(config)
    paths.ensure_writable()
    base, _ = ensure_base_model(config)
    engine = start_engine(config, base.name_or_path, paths, offline=base.builtin)
    try:
        feedback = FeedbackLog(paths.root, db_name=config.feedback.db_file,
                               ingest_interval_s=config.feedback.ingest_interval_s,
                               journal_lanes=config.feedback.journal_lanes,
                               max_segment_bytes=config.feedback.journal_segment_mb * 2**20)
    except BaseException:
        engine.stop()
        raise
    deps = build_deps(config, engine, base.name_or_path, feedback)
    try:
        app = build_app(config, deps, app_mounts(config, deps))
        host, port = args.host or config.serve.host, args.port or config.serve.port
        print(f"customer chat on http://{host}:{port}/  (health: /healthz, metrics: /metrics)", flush=True)
        # Gradio keeps event streams open; do not let them hold a shutdown for long. No access log: a chat
        # turn is 2-4 requests, and formatting and writing their lines cost CPU the engine needs under load
        # (turns are counted in /metrics and stored in the feedback log instead).
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, timeout_graceful_shutdown=5)
    finally:
        deps.close()
    return EXIT_OK
