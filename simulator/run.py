"""Run a simulation against a running app: customers through gradio_client, agents through the console and API.

Each simulated customer is its own `gradio_client.Client` (its own session, so it sees only its own chat);
customers run `concurrency` at a time in a thread pool. When they are done, the simulated agent logs into
the console, finds each customer's conversation (by the customer's session id, which the console shows),
reads the turn ids and versions of its answers there, and posts a 1-5 star rating for every answer and a
correction (the corpus reference) for every poor one through the REST API with its token. Nothing here
calls the app's code: only its HTTP endpoints, so the simulator drives any deployment it can reach.
"""

from __future__ import annotations

import concurrent.futures
import queue
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

import httpx

from simulator.accounts import AgentCredentials
from simulator.console_read import StoredConversation, parse_conversation, parse_queue, queue_key
from simulator.judge import (Judgement, agent_correction, customer_thumbs, fact_markers, judge_answer,
                             noise_draw)
from simulator.plan import PlannedConversation
from simulator.report import SimulationReport, build_report
from supportloop.errors import SupportloopError

SESSION_COOKIE = "supportloop_agent_session"  # feedback/web.py
RATE_LIMIT_RETRIES = 3
AGENTS_AT_ONCE = 4  # conversations the simulated agents open in the console at once
CONSOLE_READ_ATTEMPTS = 3
AUTH_RETRY_S = 8.0  # the app caches its agent list (feedback.agent_cache_s, 5 s): a new agent needs a moment


@dataclass(frozen=True)
class SimulationSettings:
    url: str
    thumbs_noise: float = 0.1
    seed: int = 0
    concurrency: int = 4
    request_timeout_s: float = 120.0
    agent_timeout_s: float = 60.0


@dataclass
class AnsweredTurn:
    exchange_index: int
    position: int  # index of the answer in the chat's messages (what /rate takes)
    answer: str
    reference: str
    judgement: Judgement
    thumbs: bool | None = None  # None: the rating was refused


@dataclass
class CustomerResult:
    planned: PlannedConversation
    session_hash: str = ""
    sent: int = 0
    turns: list[AnsweredTurn] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    rate_limited_waits: int = 0


@dataclass(frozen=True)
class AgentReview:
    version: str
    stars: int | None  # None: not stored
    corrected: bool


@dataclass
class AgentOutcome:
    reviews: dict[tuple[str, int], AgentReview] = field(default_factory=dict)  # (conversation key, exchange)
    failures: list[tuple[str, str]] = field(default_factory=list)
    unmatched: int = 0


class Refused(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def check_app(url: str, wait_s: float = 60.0) -> dict:
    """The app's /healthz once its engine is ready; SupportloopError if it cannot be reached or stays unready."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            response = httpx.get(f"{url}/healthz", timeout=5)
        except httpx.HTTPError as exc:
            raise SupportloopError(f"the app at {url} is not reachable ({type(exc).__name__}: {exc}); start it "
                                   f"with `supportloop serve` or give its address with --url") from None
        if response.status_code == 200:
            return response.json()
        if response.status_code != 503 or time.monotonic() > deadline:
            raise SupportloopError(f"the app at {url} is not ready (GET /healthz answered {response.status_code}: "
                                   f"{response.text[:200]})")
        time.sleep(1.0)


def run_simulation(plan: list[PlannedConversation], policy, credentials: AgentCredentials,
                   settings: SimulationSettings) -> SimulationReport:
    started = time.monotonic()
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    with ThreadPoolExecutor(max_workers=max(1, settings.concurrency), thread_name_prefix="customer") as pool:
        results = list(pool.map(lambda planned: play_customer(planned, policy, settings), plan))
    customers_s = time.monotonic() - started
    outcome = play_agent(results, credentials, settings, day)
    return build_report(results, outcome, customers_s=customers_s, wall_s=time.monotonic() - started)


# ---- customers --------------------------------------------------------------------------------------------

def play_customer(planned: PlannedConversation, policy, settings: SimulationSettings) -> CustomerResult:
    """Replay one conversation: each user message, then thumbs on the answer. Stops at the first failed message."""
    from gradio_client import Client

    result = CustomerResult(planned)
    try:
        client = Client(settings.url, verbose=False, download_files=False, analytics_enabled=False)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is one failed customer, not a crash
        result.failures.append(("connection", f"{type(exc).__name__}: {exc}"))
        return result
    result.session_hash = client.session_hash
    try:
        for index, exchange in enumerate(planned.exchanges):
            result.sent += 1
            messages, _ = _call(client, result, settings, exchange.user, api_name="/chat")
            answer = text_of(messages[-1]) if messages and messages[-1].get("role") == "assistant" else ""
            markers = fact_markers(policy, planned.policy_facts, exchange.reference)
            earlier = [text for before in planned.exchanges[:index] for text in (before.user, before.reference)]
            judgement = judge_answer(answer, exchange.reference, markers, [*earlier, exchange.user])
            turn = AnsweredTurn(index, len(messages) - 1, answer, exchange.reference, judgement)
            result.turns.append(turn)
            thumbs = customer_thumbs(judgement, settings.thumbs_noise, noise_draw(settings.seed, planned.key, index))
            try:
                _call(client, result, settings, turn.position, thumbs, "", api_name="/rate")
                turn.thumbs = thumbs
            except Refused as exc:
                result.failures.append((f"rating_{exc.kind}", str(exc)))
    except Refused as exc:
        result.failures.append((exc.kind, str(exc)))
    finally:
        client.close()
    return result


def _call(client, result: CustomerResult, settings: SimulationSettings, *args, api_name: str):
    """One endpoint call; waits out rate limits like a patient customer; Refused(kind) otherwise."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            return client.submit(*args, api_name=api_name).result(timeout=settings.request_timeout_s)
        except Exception as exc:  # noqa: BLE001 - gradio_client raises many types; each becomes a kind
            kind, wait_s = classify_failure(exc)
            if kind != "rate_limited" or attempt == RATE_LIMIT_RETRIES:
                raise Refused(kind, f"{type(exc).__name__}: {exc}"[:300]) from None
            result.rate_limited_waits += 1
            time.sleep(min(wait_s, 65.0) + 0.2)
    raise AssertionError("unreachable")


def classify_failure(exc: BaseException) -> tuple[str, float]:
    """(kind, seconds to wait) of a failed call; the app's refusals are documented in serve/API.md."""
    message = str(exc)
    waited = re.search(r"Please wait (\d+) seconds", message)
    if waited:
        return "rate_limited", float(waited.group(1))
    if "restarting" in message:
        return "engine_restarting", 0.0
    if "too long" in message:
        return "too_long", 0.0
    if "Queue is full" in message:
        return "queue_full", 0.0
    if isinstance(exc, TimeoutError) or type(exc).__name__ == "TimeoutError":
        return "timeout", 0.0
    if isinstance(exc, (httpx.HTTPError, ConnectionError, OSError)):
        return "connection", 0.0
    if type(exc).__name__ == "AppError":
        return "refused", 0.0
    return "error", 0.0


def text_of(message: dict) -> str:
    """A chat message's text; Gradio 6 may give the content as a list of parts."""
    content = message.get("content", "")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


# ---- the agent --------------------------------------------------------------------------------------------

def play_agent(results: list[CustomerResult], credentials: AgentCredentials, settings: SimulationSettings,
               day: str) -> AgentOutcome:
    """Find every answered conversation in the console, rate each answer and correct the poor ones."""
    from gradio_client import Client

    outcome = AgentOutcome()
    pending = {r.session_hash: r for r in results if r.turns}
    if not pending:
        return outcome
    cookie = login(settings.url, credentials)

    def console_session():
        return Client(f"{settings.url}/agent/", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, verbose=False,
                      download_files=False, analytics_enabled=False)

    # One console session per agent at work: a gradio_client Client shares one event stream between its
    # calls, and overlapping calls on one Client lost their answer when the stream closed under them.
    console = console_session()
    desks: queue.Queue = queue.Queue()
    for _ in range(AGENTS_AT_ONCE):
        desks.put(console_session())
    first_messages = {queue_key(r.planned.exchanges[0].user) for r in pending.values()}
    foreign: set[str] = set()
    deadline = time.monotonic() + settings.agent_timeout_s

    # Conversations are opened and reviewed several at a time, as a team of agents would: one after another, the
    # agent's part took 40 % of a demo round (48 of 120 s) while the engine idled; with only the opening in
    # parallel, 18.6 s of a 40-conversation round, against 5.4 s with the reviews too (each rating and
    # correction is a durable write the app acknowledges after fsync) and a console that serves 8 at once
    with (httpx.Client(base_url=settings.url, timeout=30,
                       headers={"Authorization": f"Bearer {credentials.token}"}) as api,
          ThreadPoolExecutor(max_workers=AGENTS_AT_ONCE, thread_name_prefix="agent") as pool):
        def open_and_review(row) -> tuple[Optional[StoredConversation], bool]:
            desk = desks.get()
            try:
                stored = parse_conversation(console_read(desk, row.conversation_id, api_name="/open_conversation")[0])
            finally:
                desks.put(desk)
            result = pending.get(stored.customer_id) if stored else None
            if result is None or len(stored.answers) < len(result.turns):  # not all ingested yet: next round
                return stored, False
            review(api, stored, result, row.version, outcome)
            return stored, True

        while pending and time.monotonic() < deadline:
            progress = False
            review_queue = console_read(console, "", "", day, "", "unreviewed", api_name="/queue")[0]
            rows = [row for row in parse_queue(review_queue)
                    if row.conversation_id not in foreign and row.first_message in first_messages]
            for row, (stored, reviewed) in zip(rows, list(pool.map(open_and_review, rows))):
                if reviewed:
                    del pending[stored.customer_id]
                    progress = True
                if not stored or stored.customer_id not in pending:
                    foreign.add(row.conversation_id)  # done, or another customer's conversation with the same question
            if not progress:
                time.sleep(0.5)  # the app applies its journals about every feedback.ingest_interval_s
    for session in [console, *list(desks.queue)]:
        session.close()
    outcome.unmatched = len(pending)
    return outcome


def console_read(session, *args, api_name: str):
    """A console read (the queue, a conversation); retried when gradio_client's event stream closed under the
    call: reads change nothing, so asking again is safe."""
    for attempt in range(CONSOLE_READ_ATTEMPTS):
        try:
            return session.predict(*args, api_name=api_name)
        except concurrent.futures.CancelledError:
            if attempt == CONSOLE_READ_ATTEMPTS - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


def login(url: str, credentials: AgentCredentials) -> str:
    """The console session cookie of the agent; retried briefly, as the app may not know a new agent yet."""
    deadline = time.monotonic() + AUTH_RETRY_S
    while True:
        response = httpx.post(f"{url}/agent/login", data={"name": credentials.name, "password": credentials.password},
                              follow_redirects=False, timeout=30)
        if response.status_code == 303 and SESSION_COOKIE in response.cookies:
            return response.cookies[SESSION_COOKIE]
        if time.monotonic() > deadline or response.status_code not in (401,):
            raise SupportloopError(f"agent {credentials.name!r} cannot log into the console at {url}/agent/login "
                                   f"(HTTP {response.status_code}): wrong password, or the app uses another home "
                                   f"directory than this command (SUPPORTLOOP_HOME)")
        time.sleep(1.0)


def review(api: httpx.Client, stored: StoredConversation, result: CustomerResult, queue_version: str,
           outcome: AgentOutcome) -> None:
    for turn, answer in zip(result.turns, stored.answers):
        if answer.text.strip() != turn.answer.strip():
            outcome.failures.append(("answer_mismatch", f"{answer.turn_id}: stored text differs from the chat"))
        judgement = turn.judgement
        missing = f"; missing {', '.join(judgement.missing)}" if judgement.missing else ""
        missing += f"; names {', '.join(judgement.wrong_names)} wrongly" if judgement.wrong_names else ""
        stored_stars = _post(api, "/api/ratings", {"id": f"sim-{answer.turn_id}-stars", "turn_id": answer.turn_id,
                                                   "stars": judgement.stars,
                                                   "comment": f"simulator: score {judgement.score:.2f}{missing}"},
                             outcome)
        correction = agent_correction(judgement, turn.reference)
        corrected = correction is not None and _post(api, "/api/corrections", {
            "id": f"sim-{answer.turn_id}-fix", "turn_id": answer.turn_id, "text": correction}, outcome)
        outcome.reviews[(result.planned.key, turn.exchange_index)] = AgentReview(
            answer.version or queue_version, judgement.stars if stored_stars else None, bool(corrected))


def _post(api: httpx.Client, path: str, body: dict, outcome: AgentOutcome) -> bool:
    deadline = time.monotonic() + AUTH_RETRY_S
    while True:
        try:
            response = api.post(path, json=body)
        except httpx.HTTPError as exc:
            outcome.failures.append(("api_connection", str(exc)))
            return False
        if response.status_code == 202:
            return True
        if response.status_code in (401, 503) and time.monotonic() < deadline:
            time.sleep(1.0)  # a token the app has not cached yet, or the store briefly busy
            continue
        outcome.failures.append((f"api_{response.status_code}", f"{path}: {response.text[:200]}"))
        return False
