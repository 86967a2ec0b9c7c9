"""Asking the engine for answers through its OpenAI-compatible API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httpx

from serve.engine import engine_auth_headers
from supportloop.config import ServeConfig

from serve.engine import EngineError


@dataclass(frozen=True)
class SamplingParams:
    temperature: float
    top_p: float
    max_tokens: int

    @classmethod
    def from_config(cls, config: ServeConfig) -> "SamplingParams":
        return cls(temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens)


def complete_chat(engine_url: str, model: str, messages: Sequence[dict], sampling: SamplingParams,
                  api_key: str = "", timeout_s: float = 120.0) -> str:
    """The engine's whole answer to `messages` (system prompt included by the caller)."""
    import openai

    client = openai.OpenAI(base_url=f"{engine_url}/v1", api_key=api_key or "unused", timeout=timeout_s, max_retries=2)
    try:
        response = client.chat.completions.create(
            model=model, messages=list(messages), temperature=sampling.temperature,
            top_p=sampling.top_p, max_tokens=sampling.max_tokens)
    except openai.APIError as exc:
        raise EngineError(f"the engine rejected the request for model '{model}': {exc}") from None
    return (response.choices[0].message.content or "").strip()


# ---- streaming, for the chat app ------------------------------------------------------------------------
# Not the OpenAI client: profiled at 64 chats, its request building (a typed transform of every message) and
# its response wrappers took about a sixth of the app's CPU per turn, CPU the engine needs on a small host.
# Below is the whole protocol the app uses (one POST, server-sent events back), with the client's error
# classes reduced to what the chat service acts on.
CONNECT_RETRIES = 2  # a kept-alive connection the engine closed meanwhile fails at once: retry it on a new one


class EngineCallError(Exception):
    """The engine did not answer: `status` is its HTTP status, None when it could not be reached at all
    and 200 when it failed in the middle of the stream."""

    def __init__(self, message: str, status: int | None):
        super().__init__(message)
        self.status = status


def engine_http_client(engine_url: str, api_key: str, chat_concurrency: int,
                       timeout_s: float = 120.0) -> httpx.AsyncClient:
    """One client for all chats: it keeps a connection per concurrent chat alive between turns (httpx keeps
    20 by default; beyond them each turn would pay a new TCP connection)."""
    limits = httpx.Limits(max_connections=max(100, chat_concurrency),
                          max_keepalive_connections=max(20, chat_concurrency), keepalive_expiry=5.0)
    return httpx.AsyncClient(base_url=f"{engine_url.rstrip('/')}/v1", headers=engine_auth_headers(api_key), limits=limits,
                             timeout=httpx.Timeout(timeout_s, connect=5.0))


async def stream_chat_completion(client: httpx.AsyncClient, body: dict) -> AsyncIterator[dict]:
    """The chunks of one streamed chat completion, in order; raise EngineCallError.

    Lines are split from raw bytes (vLLM sends `data: {...}` events, one per line): httpx's text-line
    iterator decodes and re-scans every chunk, which showed up in the profile at a token per chunk.
    """
    payload = json.dumps(body).encode()
    for attempt in range(CONNECT_RETRIES + 1):
        yielded = False
        try:
            async with client.stream("POST", "/chat/completions", content=payload,
                                     headers={"Content-Type": "application/json"}) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise EngineCallError(_error_message(response), response.status_code)
                pending = b""
                async for data in response.aiter_bytes():
                    lines = (pending + data).split(b"\n")
                    pending = lines.pop()
                    for line in lines:
                        chunk = _parse_event(line)
                        if chunk is not None:
                            yielded = True
                            yield chunk
                # Read to the end (above), so the connection goes back to the pool.
                last = _parse_event(pending)
                if last is not None:
                    yield last
                return
        except httpx.TransportError as exc:
            if yielded or attempt == CONNECT_RETRIES or isinstance(exc, httpx.TimeoutException):
                raise EngineCallError(f"the engine could not be reached: {type(exc).__name__}: {exc}", None) from None


def _parse_event(line: bytes) -> dict | None:
    """The chunk of one event-stream line; None for blank lines, comments and the final [DONE]."""
    if not line.startswith(b"data:"):
        return None
    data = line[5:].strip()
    if not data or data == b"[DONE]":
        return None
    chunk = json.loads(data)
    if chunk.get("error"):
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else None
        raise EngineCallError(message or "the engine failed while answering", 200)
    return chunk


def _error_message(response: httpx.Response) -> str:
    """vLLM's error text (`{"error": {"message": ...}}` or `{"message": ...}`), else the start of the body."""
    try:
        body = response.json()
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else None
    except ValueError:
        message = None
    return f"HTTP {response.status_code}: {message or response.text[:300]}"
