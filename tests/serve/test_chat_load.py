"""What keeps the app cheap under many chats, without an engine: the shared screen-update budget, the
engine connection pool sized for the configured concurrency, Gradio's per-event analytics switched off, the
plain-HTTP streaming call to the engine (against an in-process stand-in) and the token bound that lets most
prompts skip the tokenizer."""

import asyncio
import json
from dataclasses import replace

import httpx
import pytest

from serve.chat import ChatService
from serve.chat_client import EngineCallError, stream_chat_completion
from serve.context import tokenizer_bound, tokenizer_counter
from serve.metrics import ServeMetrics
from serve.ui import build_chat_ui
from serve.versions import VersionRouter
from supportloop.config import ServeConfig


def make_service(tmp_path, **overrides) -> ChatService:
    config = replace(ServeConfig(), **overrides)
    router = VersionRouter(tmp_path / "registry", "http://127.0.0.1:9")  # never started: nothing is called
    return ChatService(config, router, feedback=None, count_tokens=len, metrics=ServeMetrics(),
                       engine_status=lambda: "ready", new_id=lambda: "id")


@pytest.mark.parametrize("streaming, interval_s, updates_per_s, expected", [
    (0, 0.1, 100.0, 0.1),
    (1, 0.1, 100.0, 0.1),
    (10, 0.1, 100.0, 0.1),
    (32, 0.1, 100.0, 0.32),
    (64, 0.1, 100.0, 0.64),
    (64, 1.0, 100.0, 1.0),
    (64, 0.0, 320.0, 0.2),
])
def test_screen_updates_share_one_budget(tmp_path, streaming, interval_s, updates_per_s, expected):
    service = make_service(tmp_path, stream_interval_s=interval_s, stream_updates_per_s=updates_per_s)
    service.streaming = streaming
    assert service.update_interval() == pytest.approx(expected)


@pytest.mark.parametrize("chat_concurrency", [1, 64, 300])
def test_engine_client_keeps_a_connection_per_concurrent_chat(tmp_path, chat_concurrency):
    service = make_service(tmp_path, chat_concurrency=chat_concurrency)
    pool = service.http._transport._pool  # httpx has no public accessor of its pool
    assert pool._max_connections >= chat_concurrency
    assert pool._max_keepalive_connections >= chat_concurrency


def test_gradio_does_not_summarize_its_event_history_per_event(tmp_path):
    """Gradio's queue rebuilt a pandas summary of up to 10,000 past events after every event (for a
    dashboard we do not use); profiled, it was the app's largest CPU cost under load."""
    blocks = build_chat_ui(make_service(tmp_path))
    queue = blocks._queue
    assert queue.ANAYLTICS_CACHE_FREQUENCY > 10**9
    queue.events_recorded = 10**6  # as after a long day of chats
    assert queue.compute_analytics_summary([{"function": "chat", "status": "success", "process_time": 0.1}]) \
        == {"functions": {}}


@pytest.mark.parametrize("chat_concurrency", [4, 64, 200])
def test_gradio_runs_every_concurrent_chat_at_once(tmp_path, chat_concurrency):
    """Gradio's queue has `max_threads` worker slots (40 by default) shared by all events: fewer than the
    configured chats would leave some chats waiting while the engine has room in its batch."""
    blocks = build_chat_ui(make_service(tmp_path, chat_concurrency=chat_concurrency))
    blocks.create_limiter()
    assert blocks._queue.max_thread_count >= 2 * chat_concurrency
    assert blocks.limiter is None or blocks.limiter.total_tokens >= 2 * chat_concurrency


CHUNKS = [{"choices": [{"delta": {"content": word}}]} for word in ("Your ", "order ", "ships.")] + [
    {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}}]


def sse_body(chunks) -> bytes:
    return b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks) + b"data: [DONE]\n\n"


def collect(handler, body=None) -> list[dict]:
    async def run():
        async with httpx.AsyncClient(base_url="http://engine/v1", transport=httpx.MockTransport(handler)) as client:
            return [chunk async for chunk in stream_chat_completion(client, body or {"model": "base"})]
    return asyncio.run(run())


class Pieces(httpx.AsyncByteStream):
    """A response body delivered in arbitrary pieces, as TCP may split it."""

    def __init__(self, data: bytes, size: int):
        self.data, self.size = data, size

    async def __aiter__(self):
        for start in range(0, len(self.data), self.size):
            yield self.data[start:start + self.size]


@pytest.mark.parametrize("piece_size", [1, 7, 10_000])
def test_chunks_arrive_whole_and_in_order_however_the_body_is_split(piece_size):
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, stream=Pieces(sse_body(CHUNKS), piece_size))

    assert collect(handler, {"model": "support-v0001", "stream": True}) == CHUNKS
    assert seen == [{"model": "support-v0001", "stream": True}]


@pytest.mark.parametrize("status, body, expected", [
    (404, {"error": {"message": "The model `support-v0009` does not exist."}}, "does not exist"),
    (400, {"error": {"message": "This model's maximum context length is 512 tokens."}}, "context length"),
    (400, {"message": "flat error body"}, "flat error body"),
    (503, "not json", "not json"),
])
def test_engine_errors_keep_their_status_and_message(status, body, expected):
    def handler(request):
        return httpx.Response(status, json=body) if isinstance(body, dict) else httpx.Response(status, text=body)

    with pytest.raises(EngineCallError, match=expected) as error:
        collect(handler)
    assert error.value.status == status


def test_an_error_event_in_the_stream_is_an_engine_error():
    def handler(request):
        return httpx.Response(200, content=sse_body(CHUNKS[:1]).replace(b"data: [DONE]", b'data: {"error": {"message": "boom"}}'))

    with pytest.raises(EngineCallError, match="boom") as error:
        collect(handler)
    assert error.value.status == 200


def test_a_dropped_connection_is_retried_and_an_unreachable_engine_reported():
    calls = []

    def flaky(request):
        calls.append(1)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("server closed the kept-alive connection")
        return httpx.Response(200, content=sse_body(CHUNKS))

    assert collect(flaky) == CHUNKS and len(calls) == 2

    def down(request):
        raise httpx.ConnectError("connection refused")

    with pytest.raises(EngineCallError, match="could not be reached") as error:
        collect(down)
    assert error.value.status is None


@pytest.mark.parametrize("history", [
    [{"role": "user", "content": "Where is my order?"}],
    [{"role": "user", "content": "Wo ist meine Bestellung? 📦 " * 20},
     {"role": "assistant", "content": "Ihre Bestellung ist unterwegs. " * 30},
     {"role": "user", "content": "Danke! ünd jetzt?"}],
    [{"role": "user", "content": "x"}],
])
def test_token_bound_never_undercounts(tiny_model_dir, history):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    messages = [{"role": "system", "content": "You are ShopNest support."}] + history
    exact = tokenizer_counter(tokenizer)(messages)
    assert exact <= tokenizer_bound(tokenizer)(messages)
