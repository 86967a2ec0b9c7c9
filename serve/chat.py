"""The customer chat without the UI: conversations, streaming answers from vLLM, turn logging and ratings.

One `CustomerSession` per browser session (kept in `gr.State`, so it lives on the server and no request can
name another customer's conversation). `ChatService` holds the shared dependencies and is what the Gradio
handlers call; it never raises anything but `InputRejected` (a polite message for the customer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Optional

from feedback.records import ConversationRecord, TurnRecord, utc_now
from serve.chat_client import EngineCallError, SamplingParams, engine_http_client, stream_chat_completion
from serve.context import TokenCounter, trim_to_window, with_system_prompt
from serve.guards import CustomerLimits, InputRejected, clean_message
from serve.metrics import ServeMetrics
from serve.versions import AdapterLoadError, VersionRouter
from supportloop.config import ServeConfig

log = logging.getLogger(__name__)

RESTARTING = "The assistant is restarting, please retry in a moment."
BUSY = "Please wait until the current answer is finished."


@dataclass(frozen=True)
class Customer:
    session_id: str
    address: str


@dataclass
class Conversation:
    id: str
    version: str
    adapter: str
    messages: list[dict] = field(default_factory=list)  # what the customer sees, oldest first
    turn_ids: list[Optional[str]] = field(default_factory=list)  # parallel to messages
    next_turn_index: int = 0
    unlogged: list = field(default_factory=list)  # feedback events not yet written (one fsync per exchange)


@dataclass
class CustomerSession:
    conversation: Optional[Conversation] = None
    busy: bool = False


class ChatService:
    """Everything a chat turn needs, shared by all sessions (no per-customer data lives here)."""

    def __init__(self, config: ServeConfig, router: VersionRouter, feedback, count_tokens: TokenCounter,
                 metrics: ServeMetrics, engine_status: Callable[[], str], new_id: Callable[[], str],
                 token_bound: Optional[TokenCounter] = None):
        self.config = config
        self.router = router
        self.feedback = feedback
        self.count_tokens = count_tokens
        self.token_bound = token_bound  # cheap upper bound of count_tokens: most prompts fit without tokenizing
        self.metrics = metrics
        self.engine_status = engine_status
        self.new_id = new_id
        self.sampling = SamplingParams.from_config(config)
        self.limits = CustomerLimits(config.messages_per_minute, config.messages_per_minute_per_address,
                                     config.ratings_per_minute)
        self.http = engine_http_client(router.engine_url, config.engine_api_key, config.chat_concurrency)
        self.last_feedback_error = ""
        self.streaming = 0  # answers being generated now; they share the screen-update budget

    # ---- feedback logging: never blocks or breaks a chat --------------------------------------------
    async def _record(self, method: str, *args, **kwargs) -> None:
        try:
            await asyncio.to_thread(getattr(self.feedback, method), *args, **kwargs)
        except Exception as exc:  # the customer keeps chatting; the failure is visible in logs and /healthz
            self.last_feedback_error = f"{type(exc).__name__}: {exc}"
            log.error("could not record %s in the feedback store: %s", method, exc)

    async def _flush(self, conversation: Optional[Conversation]) -> None:
        """Write the conversation's pending events together: the question and its answer share one fsync."""
        if conversation is not None and conversation.unlogged:
            events, conversation.unlogged = conversation.unlogged, []
            await self._record("log_many", events)

    # ---- chat -----------------------------------------------------------------------------------------
    async def send(self, session: CustomerSession, text: object, customer: Customer) -> AsyncIterator[list[dict]]:
        """Stream the visible conversation while the answer to `text` is generated."""
        message = self._admit(session, text, customer)
        conversation = session.conversation or await self._start(session, customer)
        session.busy = True
        try:
            self._add_turn(conversation, "user", message)
            async for visible in self._answer(conversation):
                yield visible
        finally:
            await self._flush(conversation)
            session.busy = False

    async def regenerate(self, session: CustomerSession, customer: Customer) -> AsyncIterator[list[dict]]:
        """Answer the last customer message again; the new answer replaces the old one on screen."""
        conversation = session.conversation
        if conversation is None or not conversation.messages or session.busy:
            raise InputRejected("There is no answer to regenerate yet." if not session.busy else BUSY)
        self.limits.check_message(customer.session_id, customer.address, time.monotonic())
        if conversation.messages[-1]["role"] == "assistant":
            conversation.messages.pop()
            conversation.turn_ids.pop()
        session.busy = True
        try:
            async for visible in self._answer(conversation):
                yield visible
        finally:
            await self._flush(conversation)
            session.busy = False

    def new_conversation(self, session: CustomerSession) -> None:
        if session.busy:
            raise InputRejected(BUSY)
        session.conversation = None

    def _admit(self, session: CustomerSession, text: object, customer: Customer) -> str:
        try:
            if session.busy:
                raise InputRejected(BUSY)
            self.limits.check_message(customer.session_id, customer.address, time.monotonic())
            return clean_message(text, self.config.max_message_chars)
        except InputRejected:
            self.metrics.errors.labels("rejected_input").inc()
            raise

    async def _start(self, session: CustomerSession, customer: Customer) -> Conversation:
        conversation_id = self.new_id()
        version, adapter = self.router.route(conversation_id)
        conversation = Conversation(id=conversation_id, version=version, adapter=adapter)
        session.conversation = conversation
        self.metrics.conversations.labels(version).inc()
        conversation.unlogged.append(ConversationRecord(id=conversation_id, customer_id=customer.session_id,
                                                        version=version, adapter=adapter, started_at=utc_now()))
        return conversation

    def _add_turn(self, conversation: Conversation, role: str, text: str, **details) -> str:
        turn_id = self.new_id()
        conversation.unlogged.append(TurnRecord(
            id=turn_id, conversation_id=conversation.id, turn_index=conversation.next_turn_index, role=role,
            text=text, version=conversation.version, adapter=conversation.adapter, created_at=utc_now(), **details))
        conversation.next_turn_index += 1
        conversation.messages.append({"role": role, "content": text})
        conversation.turn_ids.append(turn_id if role == "assistant" else None)
        return turn_id

    async def _answer(self, conversation: Conversation) -> AsyncIterator[list[dict]]:
        try:
            prompt = await self._prompt(conversation)
        except InputRejected:
            # The message cannot be answered at all: take it off the screen (it stays logged) so the
            # customer can send a shorter one and the conversation reads naturally.
            conversation.messages.pop()
            conversation.turn_ids.pop()
            self.metrics.errors.labels("too_long").inc()
            raise
        self.metrics.requests.labels(conversation.version).inc()
        model = await self._model_for(conversation)
        started = time.perf_counter()
        text, usage, first_at = "", None, None
        self.streaming += 1
        try:
            shown_at = 0.0
            async for chunk in self._stream(model, prompt):
                usage = chunk.get("usage") or usage
                content = chunk["choices"][0].get("delta", {}).get("content") if chunk.get("choices") else None
                if content:
                    first_at = first_at or time.perf_counter()
                    text += content
                    if time.perf_counter() - shown_at >= self.update_interval():
                        shown_at = time.perf_counter()
                        yield conversation.messages + [{"role": "assistant", "content": text}]
        except EngineCallError as exc:
            raise self._engine_problem(exc, conversation) from None
        finally:
            self.streaming -= 1
        latency = time.perf_counter() - started
        self._observe(conversation.version, latency, first_at and first_at - started, usage)
        self._add_turn(conversation, "assistant", text.strip() or "…", sampling=self._sampling_dict(),
                             latency_ms=round(latency * 1000, 2),
                             prompt_tokens=usage.get("prompt_tokens") if usage else None,
                             completion_tokens=usage.get("completion_tokens") if usage else None)
        yield list(conversation.messages)

    async def _prompt(self, conversation: Conversation) -> list[dict]:
        """The conversation trimmed to the context window (raise InputRejected when it cannot fit)."""
        budget = self.config.max_model_len - self.sampling.max_tokens
        if self.token_bound is not None:
            whole = with_system_prompt(self.config.system_prompt, conversation.messages)
            if self.token_bound(whole) <= budget:  # the usual case: no tokenizing, no thread hop
                return whole
        return await asyncio.to_thread(trim_to_window, self.config.system_prompt, conversation.messages,
                                       self.count_tokens, budget)

    def _stream(self, model: str, prompt: list[dict]) -> AsyncIterator[dict]:
        """The engine's answer as chat-completion chunks (plain dicts), in order; raises EngineCallError."""
        return stream_chat_completion(self.http, {
            "model": model, "messages": prompt, "stream": True, "stream_options": {"include_usage": True},
            "temperature": self.sampling.temperature, "top_p": self.sampling.top_p,
            "max_tokens": self.sampling.max_tokens})

    def update_interval(self) -> float:
        """Seconds between two screen updates of one streaming answer now.

        Every update costs the app a Gradio serialization, a diff and an event-stream message, about a
        millisecond of CPU that the engine would otherwise use. A few updates per second read as smooth
        streaming; with many chats at once they share `stream_updates_per_s`, so the app's streaming cost stays
        bounded however many customers chat. The default budget (25/s) keeps 4 chats at 0.16 s between updates
        and 64 chats at 2.6 s: under that load the first text, the whole answer and few updates in between
        are shown, and the app's CPU goes to the engine, which makes every answer come sooner.
        """
        return max(self.config.stream_interval_s, self.streaming / self.config.stream_updates_per_s)

    async def _model_for(self, conversation: Conversation) -> str:
        if self.router.is_loaded(conversation.version):  # the usual case: no thread hop
            return self.router.ensure_loaded(conversation.version)
        try:
            return await asyncio.to_thread(self.router.ensure_loaded, conversation.version)
        except AdapterLoadError as exc:
            self.metrics.errors.labels("adapter").inc()
            log.error("conversation %s: %s", conversation.id, exc)
            raise InputRejected(RESTARTING if self.engine_status() != "ready" else
                                "The assistant is temporarily unavailable. Please retry in a moment.") from None

    def _engine_problem(self, exc: EngineCallError, conversation: Conversation) -> InputRejected:
        """A vLLM error as a message for the customer; the details go to the log."""
        log.warning("engine error for conversation %s (%s): %s", conversation.id, conversation.adapter, exc)
        if exc.status is None or exc.status >= 500:  # unreachable or failing: most likely restarting
            self.metrics.errors.labels("engine_down").inc()
            return InputRejected(RESTARTING)
        if exc.status == 404:  # the adapter vanished (engine restarted): load it again next time
            self.metrics.errors.labels("adapter").inc()
            self.router.forget_loaded()
            return InputRejected(RESTARTING)
        if exc.status == 400 and "context" in str(exc).lower():
            self.metrics.errors.labels("too_long").inc()
            return InputRejected("This conversation has become too long for me. Please start a new conversation.")
        self.metrics.errors.labels("engine").inc()
        return InputRejected("Sorry, I could not answer that just now. Please try again.")

    def _observe(self, version: str, latency: float, first_token: Optional[float], usage) -> None:
        self.metrics.latency.labels(version).observe(latency)
        if first_token is not None:
            self.metrics.first_token.labels(version).observe(first_token)
        if usage:
            self.metrics.tokens.labels(version, "prompt").inc(usage.get("prompt_tokens") or 0)
            self.metrics.tokens.labels(version, "completion").inc(usage.get("completion_tokens") or 0)

    def _sampling_dict(self) -> dict:
        return {"temperature": self.sampling.temperature, "top_p": self.sampling.top_p,
                "max_tokens": self.sampling.max_tokens}

    # ---- ratings --------------------------------------------------------------------------------------
    async def rate(self, session: CustomerSession, index: object, thumbs_up: bool, comment: str,
                   customer: Customer) -> str:
        """Record the customer's thumbs on answer `index` of their own conversation; return a thank-you."""
        conversation = session.conversation
        if not isinstance(index, (int, float)) or isinstance(index, bool):
            raise InputRejected("Please choose one of the answers to rate.")
        position = int(index)
        if conversation is None or not 0 <= position < len(conversation.turn_ids) \
                or conversation.turn_ids[position] is None:
            raise InputRejected("You can only rate the assistant's answers in your own conversation.")
        self.limits.check_rating(customer.session_id, customer.address, time.monotonic())
        comment = clean_message(comment, 2000) if isinstance(comment, str) and comment.strip() else ""
        await self._flush(conversation)  # the rated turn is stored before its rating
        await self._record("log_rating", conversation.turn_ids[position], "customer", customer.session_id,
                           thumbs=bool(thumbs_up), comment=comment)
        self.metrics.ratings.labels(conversation.version, "up" if thumbs_up else "down").inc()
        return "Thank you for your feedback!"
