"""The agents' console: a Gradio Blocks app with the review queue, the conversation view and the dashboard.

Mounted at `/agent` behind login by `feedback.web.mount_agent_console`; every event handler gets the
logged-in agent from Gradio's `request.username` (set by the app's auth dependency from the session
cookie) and checks it is still enabled. Reads go through `open_reader` (read-only, retrying: the app's
own ingester holds the file only briefly); writes go through the app's FeedbackLog, all events of one
"Save" in one durable `log_many` call. Layout and shortcuts are built for the keyboard: Tab moves
through the fields in working order, Enter in the conversation box opens it, Alt+1..5 picks stars and
Ctrl+Enter saves.
"""

from __future__ import annotations

from typing import Optional

import gradio as gr
import pandas as pd

from feedback.agents import AgentServices
from feedback.console_view import (QUEUE_HEADERS, answer_choices, conversation_html, first_to_review, queue_rows,
                                   review_events, review_filter)
from feedback.errors import FeedbackError
from feedback.reader import open_reader
from feedback.store import RATING_FILTERS

# Keyboard shortcuts; the elements are found by the elem_ids given below.
SHORTCUTS_JS = """
<script>
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey && event.key === "Enter") {
    document.querySelector("#sl-save")?.click(); event.preventDefault();
  } else if (event.altKey && "12345".includes(event.key)) {
    document.querySelector(`#sl-stars input[value="${event.key}"]`)?.click(); event.preventDefault();
  }
});
</script>
"""
CONSOLE_CSS = ".sl-turn {border-left: 4px solid #ccc; padding: 4px 8px; margin: 6px 0} " \
              ".sl-assistant {border-color: #4a7} .sl-user {border-color: #47a} " \
              ".sl-rating, .sl-correction {font-size: 0.9em; color: #555; margin-left: 1em}"


class ConsoleHandlers:
    """The console's event handlers; each is a thin adapter between Gradio values and the store."""

    def __init__(self, services: AgentServices) -> None:
        self.services = services

    def _agent(self, request: gr.Request):
        agent = self.services.directory.active(getattr(request, "username", None))
        if agent is None:
            raise gr.Error("your session has ended or your account is disabled; log in again at /agent/login")
        return agent

    def _reader(self):
        return open_reader(self.services.db_path, timeout_s=self.services.reader_timeout_s)

    def load_queue(self, version: str, intent: str, start: str, end: str, rating: str, request: gr.Request):
        self._agent(request)
        try:
            wanted = review_filter(version, intent, start, end, rating)
            with self._reader() as store:
                items = store.review_queue(wanted)
                versions, intents = store.filter_choices()
        except FeedbackError as exc:
            raise gr.Error(str(exc)) from None
        return (pd.DataFrame(queue_rows(items), columns=QUEUE_HEADERS),
                gr.update(choices=[""] + versions), gr.update(choices=[""] + intents),
                f"{len(items)} conversation(s); thumbs-down first, then unreviewed")

    def pick_from_queue(self, table: pd.DataFrame, event: gr.SelectData, request: gr.Request):
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        conversation_id = str(table.iloc[row, 0]) if table is not None and len(table) > row else ""
        return (conversation_id, *self.open_conversation(conversation_id, request))

    def open_conversation(self, conversation_id: str, request: gr.Request):
        agent = self._agent(request)
        conversation_id = (conversation_id or "").strip()
        turns = []
        if conversation_id:
            with self._reader() as store:
                turns = store.conversation_turns(conversation_id)
                names = {a.id: a.name for a in store.agents()}
        else:
            names = {}
        choices = answer_choices(turns)
        chosen = first_to_review(turns)
        intents = sorted({i for t in turns for i in t.intents})
        status = f"logged in as **{agent.name}**" + ("" if turns or not conversation_id
                                                      else f" · no conversation {conversation_id!r}")
        return (conversation_html(turns, names), gr.update(choices=choices, value=chosen),
                self._answer_text(turns, chosen), gr.update(value=intents[0] if intents else ""),
                any(t.excluded for t in turns), status)

    def pick_answer(self, conversation_id: str, turn_id: Optional[str], request: gr.Request):
        self._agent(request)
        with self._reader() as store:
            turns = store.conversation_turns((conversation_id or "").strip())
        return self._answer_text(turns, turn_id), None, ""

    @staticmethod
    def _answer_text(turns, turn_id: Optional[str]) -> str:
        """What the correction box starts with: the latest correction, else the bot's answer."""
        item = next((t for t in turns if t.turn.id == turn_id), None)
        if item is None:
            return ""
        return item.corrections[-1].text if item.corrections else item.turn.text

    def save(self, conversation_id: str, turn_id: Optional[str], stars: Optional[str], comment: str,
             correction: str, intent: str, exclude: bool, reason: str, request: gr.Request):
        agent = self._agent(request)
        conversation_id = (conversation_id or "").strip()
        if not conversation_id:
            raise gr.Error("open a conversation first")
        with self._reader() as store:
            turns = store.conversation_turns(conversation_id)
        if not turns:
            raise gr.Error(f"no conversation {conversation_id!r}")
        answer = next((t for t in turns if t.turn.id == turn_id and t.turn.role == "assistant"), None)
        if turn_id and answer is None:
            raise gr.Error(f"{turn_id!r} is not an answer of conversation {conversation_id!r}")
        original = answer.corrections[-1].text if answer and answer.corrections else answer.turn.text if answer else ""
        try:
            events = review_events(agent_id=agent.id, conversation_id=conversation_id, turn_id=turn_id, stars=stars,
                                   comment=comment, correction=correction, original_answer=original, intent=intent,
                                   known_intents=sorted({i for t in turns for i in t.intents}), exclude=exclude,
                                   exclude_reason=reason, already_excluded=any(t.excluded for t in turns))
            self.services.feedback_log.log_many(events)
        except FeedbackError as exc:
            raise gr.Error(str(exc)) from None
        kinds = ", ".join(type(e).__name__.replace("Record", "").lower() for e in events)
        return f"saved by **{agent.name}**: {kinds} (durable; shown here after the next ingest, about a second)"

    def dashboard(self, request: gr.Request):
        self._agent(request)
        with self._reader() as store:
            satisfaction = store.satisfaction_by_day()
            volume = store.volume_by_day()
            negative = store.most_negative_intents()
        satisfaction_frame = pd.DataFrame([{"day": r.day, "version": r.version, "satisfaction": r.satisfaction,
                                            "ratings": r.ratings} for r in satisfaction],
                                          columns=["day", "version", "satisfaction", "ratings"])
        volume_frame = pd.DataFrame([{"day": r.day, "kind": kind, "count": getattr(r, kind)}
                                     for r in volume for kind in ("conversations", "turns", "ratings")],
                                    columns=["day", "kind", "count"])
        negative_frame = pd.DataFrame([{"intent": r.intent, "negative ratings": r.negative, "ratings": r.ratings,
                                        "satisfaction": r.satisfaction} for r in negative],
                                      columns=["intent", "negative ratings", "ratings", "satisfaction"])
        return satisfaction_frame, volume_frame, negative_frame


def build_console(services: AgentServices, concurrency: int) -> gr.Blocks:
    handlers = ConsoleHandlers(services)
    with gr.Blocks(title="supportloop · agents' console") as console:
        with gr.Row():
            gr.Markdown("## supportloop · agents' console")
            gr.HTML('<p style="text-align:right"><a href="/agent/logout">Log out</a></p>')
        with gr.Tab("Review queue"):
            filters, queue_outputs = _review_tab(handlers)
        with gr.Tab("Dashboard") as dashboard_tab:
            refresh = gr.Button("Refresh", size="sm")
            satisfaction = gr.LinePlot(x="day", y="satisfaction", color="version",
                                       title="Satisfaction per version (share of 👍 or 4-5 stars)")
            volume = gr.BarPlot(x="day", y="count", color="kind", title="Volume per day")
            negative = gr.BarPlot(x="intent", y="negative ratings", title="Intents with the most negative ratings")
        refresh.click(handlers.dashboard, None, [satisfaction, volume, negative], api_name="dashboard")
        dashboard_tab.select(handlers.dashboard, None, [satisfaction, volume, negative], api_name=False)
        console.load(handlers.load_queue, filters, queue_outputs, api_name=False)
    console.queue(default_concurrency_limit=concurrency)  # Gradio's default is one event at a time
    return console


def _review_tab(handlers: ConsoleHandlers) -> tuple[list, list]:
    """The queue, the conversation and the review form; returns the queue's filter inputs and outputs."""
    with gr.Row():
        version = gr.Dropdown([""], value="", label="Version", allow_custom_value=True)
        intent_filter = gr.Dropdown([""], value="", label="Intent", allow_custom_value=True)
        start = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1)
        end = gr.Textbox(label="To (YYYY-MM-DD)", max_lines=1)
        rating = gr.Dropdown(list(RATING_FILTERS), value="any", label="Rating")
        refresh = gr.Button("Show queue", variant="secondary")
    queue_status = gr.Markdown()
    queue = gr.Dataframe(headers=QUEUE_HEADERS, interactive=False, wrap=True, max_height=300, elem_id="sl-queue")
    with gr.Row():
        conversation_id = gr.Textbox(label="Conversation (click a row, or paste an id and press Enter)",
                                     max_lines=1, elem_id="sl-conversation", scale=4)
        open_button = gr.Button("Open", scale=1)
    conversation = gr.HTML(elem_id="sl-conversation-view")
    # allow_custom_value: API callers name the turn id without opening the conversation first (checked in save)
    answer = gr.Dropdown([], label="Answer to review", elem_id="sl-answer", allow_custom_value=True)
    stars = gr.Radio(["1", "2", "3", "4", "5"], label="Rating (Alt+1..5)", elem_id="sl-stars")
    comment = gr.Textbox(label="Comment on the rating (optional)", max_lines=2, elem_id="sl-comment")
    correction = gr.Textbox(label="Corrected answer (what the bot should have said)", lines=4,
                            elem_id="sl-correction")
    with gr.Row():
        intent = gr.Dropdown([""], value="", label="Intent tag", allow_custom_value=True, elem_id="sl-intent")
        exclude = gr.Checkbox(label="Do not train on this conversation", elem_id="sl-exclude")
        reason = gr.Textbox(label="Reason (required to exclude)", max_lines=1, elem_id="sl-reason")
    save = gr.Button("Save (Ctrl+Enter)", variant="primary", elem_id="sl-save")
    status = gr.Markdown(elem_id="sl-status")

    filters = [version, intent_filter, start, end, rating]
    queue_outputs = [queue, version, intent_filter, queue_status]
    refresh.click(handlers.load_queue, filters, queue_outputs, api_name="queue")
    opened = [conversation, answer, correction, intent, exclude, status]
    conversation_id.submit(handlers.open_conversation, [conversation_id], opened, api_name="open_conversation")
    open_button.click(handlers.open_conversation, [conversation_id], opened, api_name=False)
    queue.select(handlers.pick_from_queue, [queue], [conversation_id, *opened], api_name=False)
    answer.input(handlers.pick_answer, [conversation_id, answer], [correction, stars, comment], api_name=False)
    save.click(handlers.save, [conversation_id, answer, stars, comment, correction, intent, exclude, reason],
               [status], api_name="save_review")
    return filters, queue_outputs
