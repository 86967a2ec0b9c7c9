"""The customer-facing ASGI app: FastAPI with /healthz and /metrics, other mounts, and the Gradio chat at `/`.

`build_deps` wires the shared objects (engine, version router, feedback log, tokenizer, metrics) once;
`build_app(config, deps, extra_mounts)` composes the app. `extra_mounts` are callables `mount(app)` run
after this module's routes and before the chat is mounted at `/` (last, so every other route wins).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import fastapi
import httpx
from fastapi.responses import JSONResponse, Response

from serve.chat import ChatService
from serve.engine import engine_auth_headers
from serve.metrics import ServeMetrics
from serve.versions import VersionRouter
from supportloop.config import SupportloopConfig

log = logging.getLogger(__name__)

Mount = Callable[[fastapi.FastAPI], None]


class ExternalEngine:
    """An engine someone else runs (`serve.engine_url`): its status is probed, at most every 2 s."""

    def __init__(self, url: str, api_key: str = ""):
        self.url = url.rstrip("/")
        self.headers = engine_auth_headers(api_key)
        self.restarts = 0
        self.last_error = ""
        self._checked_at = 0.0
        self._status = "unknown"

    @property
    def status(self) -> str:
        if time.monotonic() - self._checked_at > 2.0:
            self._checked_at = time.monotonic()
            try:
                ok = httpx.get(f"{self.url}/v1/models", headers=self.headers, timeout=1.5).status_code == 200
                self._status, self.last_error = ("ready", "") if ok else ("unreachable", "engine did not answer 200")
            except httpx.HTTPError as exc:
                self._status, self.last_error = "unreachable", str(exc)
        return self._status

    def stop(self) -> None:
        pass


@dataclass
class ServeDeps:
    """The shared objects of one running app; `close()` stops their threads and processes."""
    service: ChatService
    router: VersionRouter
    metrics: ServeMetrics
    engine: object  # EngineSupervisor or ExternalEngine: .status, .url, .restarts, .last_error, .stop()
    feedback: object
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:
                log.exception("error while shutting down")


def build_deps(config: SupportloopConfig, engine, tokenizer_dir: str | Path, feedback,
               new_id: Optional[Callable[[], str]] = None) -> ServeDeps:
    """Wire the chat service to a started engine, the registry, the feedback log and the base tokenizer."""
    from transformers import AutoTokenizer

    from feedback.records import new_id as default_new_id
    from serve.context import tokenizer_bound, tokenizer_counter
    from supportloop.paths import HomePaths

    router = VersionRouter(HomePaths.from_config(config).registry, engine.url, api_key=config.serve.engine_api_key,
                           poll_s=config.serve.registry_poll_s, idle_unload_s=config.serve.adapter_idle_unload_s,
                           preload_newest=config.serve.preload_newest_version, max_loaded=config.serve.max_loras)
    if hasattr(engine, "on_ready"):
        engine.on_ready(router.retry_after_engine_restart)
    metrics = ServeMetrics()
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    service = ChatService(config.serve, router, feedback, tokenizer_counter(tokenizer), metrics,
                          engine_status=lambda: engine.status, new_id=new_id or default_new_id,
                          token_bound=tokenizer_bound(tokenizer))
    router.start()
    return ServeDeps(service=service, router=router, metrics=metrics, engine=engine, feedback=feedback,
                     closers=[engine.stop, feedback.close, router.stop])


def health_report(deps: ServeDeps) -> dict:
    engine = deps.engine
    return {"app": "ok", "engine": {"status": engine.status, "url": engine.url, "restarts": engine.restarts,
                                    "last_error": engine.last_error or None},
            "versions": deps.router.health(),
            "feedback": {"last_error": deps.service.last_feedback_error or None}}


class RejectInvalidUtf8:
    """ASGI middleware: a JSON request body that is not UTF-8 gets a 400, not a server error."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if b"json" not in headers.get(b"content-type", b""):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            response = JSONResponse({"error": "The request body is not valid UTF-8 text."}, status_code=400)
            return await response(scope, receive, send)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()
        return await self.app(scope, replay, send)


def build_app(config: SupportloopConfig, deps: ServeDeps, extra_mounts: Sequence[Mount] = ()) -> fastapi.FastAPI:
    import gradio as gr

    from serve.ui import build_chat_ui

    app = fastapi.FastAPI(title="supportloop", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(RejectInvalidUtf8)

    @app.get("/healthz")
    def healthz() -> Response:
        report = health_report(deps)
        status = 200 if report["engine"]["status"] == "ready" else 503
        return Response(json.dumps(report), status_code=status, media_type="application/json")

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = deps.metrics.render()
        return Response(body, media_type=content_type)

    for mount in extra_mounts:
        mount(app)
    return gr.mount_gradio_app(app, build_chat_ui(deps.service), path="/", footer_links=["api"],
                               show_error=True)
