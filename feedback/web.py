"""How the agents' console and the REST API join an app: login pages, session cookies and the mount.

`mount_agent_console(app, feedback_log=..., config=...)` adds to a FastAPI app:
  GET/POST /agent/login   our own login form; a correct name + password sets a signed, expiring,
                          HttpOnly, SameSite=Strict session cookie (see feedback.agents.SessionSigner)
  GET/POST /agent/logout  clears the cookie
  /agent/                 the Gradio console (feedback.console), whose every page, config, queue and
                          API route Gradio guards with our `auth_dependency` (401 without a session);
                          a browser without a session asking for the page is sent to the login form
  /api/ratings, /api/corrections   the token-authenticated REST API (feedback.api), in the app's OpenAPI
"""

from __future__ import annotations

import html
import logging
from typing import Optional

import fastapi
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from feedback.agents import AgentDirectory, AgentServices, SessionSigner
from feedback import api as feedback_api
from feedback.api import build_api_router

SESSION_COOKIE = "supportloop_agent_session"
CONSOLE_PATH = "/agent"
log = logging.getLogger(__name__)

_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>supportloop · agent login</title>
<style>body {{font-family: sans-serif; max-width: 22em; margin: 4em auto}} label, input, button {{display: block;
width: 100%; margin-top: .5em}} .error {{color: #b00}}</style></head>
<body><h1>Agent login</h1>{message}
<form method="post" action="{path}/login">
<label for="name">Name</label><input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login">Log in</button></form></body></html>"""


def login_page(message: str = "") -> str:
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return _LOGIN_PAGE.format(message=shown, path=CONSOLE_PATH)


def build_agent_services(feedback_log, config) -> AgentServices:
    """Services from the app's FeedbackLog and the `feedback` section of the supportloop config."""
    settings = config.feedback
    return AgentServices(feedback_log, feedback_log.files.db,
                         signer=SessionSigner(settings.session_secret, settings.session_ttl_minutes * 60.0),
                         directory=AgentDirectory(feedback_log.files.db, cache_s=settings.agent_cache_s,
                                                  reader_timeout_s=settings.reader_timeout_s),
                         reader_timeout_s=settings.reader_timeout_s, cookie_secure=settings.cookie_secure)


def mount_agent_console(app: fastapi.FastAPI, *, feedback_log, config,
                        services: Optional[AgentServices] = None) -> AgentServices:
    """Add the login routes, the Gradio console at /agent and the /api router to `app` (before it starts)."""
    import gradio as gr

    from feedback.console import CONSOLE_CSS, SHORTCUTS_JS, build_console

    services = services or build_agent_services(feedback_log, config)
    if not config.feedback.session_secret:
        log.warning("SUPPORTLOOP_SESSION_SECRET is not set: console logins last only as long as this process, "
                    "and other app processes will not accept them")
    _add_login_routes(app, services)
    router = build_api_router(services)
    app.include_router(router)
    _add_api_schema_route(app, router)
    app.add_middleware(_LoginRedirect, services=services)

    async def auth_dependency(request: Request) -> Optional[str]:
        # In a thread: a cache refresh opens DuckDB, which must not block the event loop.
        agent = await run_in_threadpool(services.session_agent, request.cookies.get(SESSION_COOKIE))
        return agent.id if agent else None

    gr.mount_gradio_app(app, build_console(services, config.feedback.console_concurrency), path=CONSOLE_PATH,
                        auth_dependency=auth_dependency, footer_links=[], css=CONSOLE_CSS, head=SHORTCUTS_JS,
                        ssr_mode=False)
    return services


def _add_api_schema_route(app: fastapi.FastAPI, router: fastapi.APIRouter) -> None:
    """`GET /api/openapi.json`: the REST API's own OpenAPI document, public like any API description, and
    there even when the host app turns its own `/openapi.json` off (as serve/app.py does)."""
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title="supportloop feedback API", version="1",
                         description=(feedback_api.__doc__ or "").strip(),
                         routes=router.routes)

    @app.get("/api/openapi.json", include_in_schema=False)
    def api_schema() -> dict:
        return schema


def _add_login_routes(app: fastapi.FastAPI, services: AgentServices) -> None:
    # Registered before the Gradio mount, so these paths win over the mounted app's own routes.
    @app.get(f"{CONSOLE_PATH}/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form() -> HTMLResponse:
        return HTMLResponse(login_page())

    @app.post(f"{CONSOLE_PATH}/login", include_in_schema=False)
    def login(name: str = Form(""), password: str = Form("")) -> fastapi.Response:
        # Throttled per agent name: guessing one agent's password gets a handful of tries per window.
        # (Not per address: behind a proxy every agent shares one, and a guesser could lock them all out.)
        keys = (f"name:{name.strip()}",)
        wait_s = services.login_throttle.retry_after(keys)
        if wait_s > 0:
            return HTMLResponse(login_page(f"Too many failed logins; try again in {wait_s / 60:.0f} minute(s)."),
                                status_code=429, headers={"Retry-After": str(int(wait_s) + 1)})
        agent = services.directory.login(name.strip(), password)
        if agent is None:
            services.login_throttle.failed(keys)
            return HTMLResponse(login_page("Wrong name or password, or this agent is disabled."), status_code=401)
        services.login_throttle.succeeded(keys)
        response = RedirectResponse(f"{CONSOLE_PATH}/", status_code=303)
        response.set_cookie(SESSION_COOKIE, services.signer.issue(agent.id), max_age=int(services.signer.ttl_s),
                            httponly=True, samesite="strict", secure=services.cookie_secure, path="/")
        return response

    @app.api_route(f"{CONSOLE_PATH}/logout", methods=["GET", "POST"], include_in_schema=False)
    def logout() -> fastapi.Response:
        response = RedirectResponse(f"{CONSOLE_PATH}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class _LoginRedirect:
    """ASGI middleware: a browser asking for the console page without a valid session goes to the login
    form (Gradio itself would answer a bare 401). Every other request passes untouched."""

    def __init__(self, app, services: AgentServices) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in (CONSOLE_PATH, f"{CONSOLE_PATH}/"):
            cookie = Request(scope).cookies.get(SESSION_COOKIE)
            if await run_in_threadpool(self.services.session_agent, cookie) is None:
                await RedirectResponse(f"{CONSOLE_PATH}/login", status_code=303)(scope, receive, send)
                return
        await self.app(scope, receive, send)
