"""The customer chat page (Gradio Blocks): a thin layer that turns UI events into `ChatService` calls.

Per-customer state lives only in `gr.State` (server side, per browser session); handlers get their
dependencies from `build_chat_ui`'s arguments, never from module globals. Endpoint names for
`gradio_client` are documented in serve/API.md.
"""

from __future__ import annotations

import logging
import sys

import gradio as gr

from serve.chat import ChatService, Customer, CustomerSession
from serve.guards import InputRejected

log = logging.getLogger(__name__)

TITLE = "ShopNest support"
QUEUE_POLL_S = 0.005  # Gradio's queue polls for work every 1 ms by default (see poll_queue_calmly)
QUEUE_PROGRESS_POLL_S = 0.05


def customer_of(request: gr.Request | None) -> Customer:
    session = getattr(request, "session_hash", None) or "anonymous"
    client = getattr(request, "client", None)
    return Customer(session_id=session, address=getattr(client, "host", None) or "unknown")


def _session(state: CustomerSession | None) -> CustomerSession:
    return state if isinstance(state, CustomerSession) else CustomerSession()


def build_chat_ui(service: ChatService) -> gr.Blocks:
    config = service.config

    async def chat(message, state, request: gr.Request):
        session = _session(state)
        try:
            # The session object is stored once and then changed in place: storing it again on every update
            # would make Gradio rebuild the State's config each time.
            yield session.conversation.messages if session.conversation else [], session, ""
            async for visible in service.send(session, message, customer_of(request)):
                yield visible, gr.skip(), ""
        except InputRejected as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    async def regenerate(state, request: gr.Request):
        session = _session(state)
        try:
            stored = False
            async for visible in service.regenerate(session, customer_of(request)):
                yield visible, (gr.skip() if stored else session)
                stored = True
        except InputRejected as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def new_conversation(state):
        session = _session(state)
        try:
            service.new_conversation(session)
        except InputRejected as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return [], session, "", ""

    async def rate(answer_index, thumbs_up, comment, state, request: gr.Request):
        session = _session(state)
        try:
            return await service.rate(session, answer_index, bool(thumbs_up), comment or "", customer_of(request))
        except InputRejected as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    async def like(state, comment, request: gr.Request, data: gr.LikeData):
        if data.liked not in (True, False):  # un-liking keeps the last rating live
            return gr.skip()
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        return await rate(index, data.liked, comment, state, request)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        gr.Markdown(f"## {TITLE}\nAsk about orders, shipping, returns, payments or your account.")
        state = gr.State(None)
        chatbot = gr.Chatbot(label="Conversation", height=460, feedback_options=("Like", "Dislike"))
        message = gr.Textbox(label="Your message", placeholder="Type your question and press Enter",
                             max_lines=8, autofocus=True)
        with gr.Row():
            send_button = gr.Button("Send", variant="primary")
            regenerate_button = gr.Button("Regenerate answer")
            new_button = gr.Button("New conversation")
        comment = gr.Textbox(label="Optional comment, sent with your next thumbs up or down", max_lines=3)
        thanks = gr.Markdown()
        rate_index = gr.Number(visible=False, precision=0)
        rate_up = gr.Checkbox(visible=False)

        chat_options = dict(concurrency_limit=config.chat_concurrency, concurrency_id="chat")
        message.submit(chat, [message, state], [chatbot, state, message], api_name="chat", **chat_options)
        send_button.click(chat, [message, state], [chatbot, state, message], api_visibility="private",
                          **chat_options)
        regenerate_button.click(regenerate, [state], [chatbot, state], api_name="regenerate", **chat_options)
        new_button.click(new_conversation, [state], [chatbot, state, message, thanks], api_name="new_conversation")
        chatbot.like(like, [state, comment], [thanks], api_visibility="private")
        # A twin of the like event that gradio_client can call (LikeData cannot be sent from a client).
        rate_up.change(rate, [rate_index, rate_up, comment, state], [thanks], api_name="rate")
    # Gradio runs at most `max_threads` events at once, whatever the events' concurrency limits (its queue has
    # that many worker slots; 40 by default, below a 64-chat `chat_concurrency`, which left the engine smaller
    # batches than direct clients get). Room for every chat plus as many quick events (new conversation, rating).
    blocks.max_threads = max(blocks.max_threads, 2 * config.chat_concurrency)
    blocks.queue(max_size=config.queue_max_size, default_concurrency_limit=config.chat_concurrency)
    skip_event_analytics(blocks)
    poll_queue_calmly(blocks)
    return blocks


def poll_queue_calmly(blocks: gr.Blocks) -> None:
    """Let Gradio's queue loops wake up less often when they have nothing to do.

    The queue polls for new events every 1 ms and for progress updates every 10 ms, also while idle or while
    every chat slot is taken: measured here, 2.4% of a core with the app idle, 1.0% with 5 ms and 50 ms, CPU
    taken from the engine on a small host. 5 ms adds at most that much to the start of an event; this app
    reports no progress bars (a slower progress loop delays nothing it shows).
    """
    queue = blocks._queue
    if not hasattr(queue, "sleep_when_free") or not hasattr(queue, "progress_update_sleep_when_free"):
        log.warning("this Gradio version's queue has no polling knobs; it keeps its own intervals")
        return
    queue.sleep_when_free = max(queue.sleep_when_free, QUEUE_POLL_S)
    queue.progress_update_sleep_when_free = max(queue.progress_update_sleep_when_free, QUEUE_PROGRESS_POLL_S)


def skip_event_analytics(blocks: gr.Blocks) -> None:
    """Stop Gradio's queue from summarizing its event history after every event.

    Gradio 6 rebuilds a pandas DataFrame of up to 10,000 past events (grouped, with percentiles) after each
    event, for its /monitoring dashboard, which this app does not use. Measured here: 4.7 ms of CPU per event
    with 1,000 past events, 8.3 ms with 10,000 (reached within minutes at 64 chats), about 12 ms per chat turn
    (a turn is 1-2 events) with the GIL held, which capped the app's throughput far below the engine's and
    got worse the longer the app ran. Gradio reads these knobs from environment variables
    (GRADIO_ANALYTICS_CACHE_FREQUENCY, GRADIO_ANALYTICS_MAX_EVENTS) when the queue is made; setting them on
    this app's queue keeps the change to this app instead of the whole process.
    """
    queue = blocks._queue
    if not hasattr(queue, "ANAYLTICS_CACHE_FREQUENCY") or not hasattr(queue, "ANALYTICS_MAX_EVENTS"):
        log.warning("this Gradio version's queue has no event-analytics knobs; chat throughput may suffer")
        return
    queue.ANAYLTICS_CACHE_FREQUENCY = sys.maxsize  # the summary is never recomputed (its cached value stays empty)
    queue.ANALYTICS_MAX_EVENTS = 1000  # the per-event records it keeps (and copies into a list per event)
