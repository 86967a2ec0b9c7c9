"""What keeps the app cheap under many chats, without an engine: the shared screen-update budget, the
engine connection pool sized for the configured concurrency, and Gradio's per-event analytics switched off."""

from dataclasses import replace

import pytest

from serve.chat import ChatService
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
    pool = service.client._client._transport._pool  # the OpenAI client's httpx pool: no public accessor
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
