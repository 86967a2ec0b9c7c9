"""Pure logic of the agents' console: what it shows and which events a review becomes. No IO, no Gradio.

Everything customers or agents wrote is HTML-escaped here before it reaches the page, so `<script>` in a
message or comment is shown as text and never runs (the console renders our HTML, never theirs).
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence

from feedback.errors import FeedbackError
from feedback.records import (CorrectionRecord, FeedbackEvent, IntentTagRecord, QueueItem, RatingRecord, ReviewFilter,
                              TrainingExclusionRecord, TurnWithFeedback, new_id)

QUEUE_HEADERS = ["conversation", "started (UTC)", "version", "intents", "👎", "👍", "reviewed", "first message"]


class ConsoleInputError(FeedbackError):
    """Something an agent typed in the console cannot be used (a bad date, a missing reason, ...)."""


def parse_day(text: str, label: str) -> Optional[datetime]:
    """'2026-05-01' as midnight UTC; empty means no bound."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ConsoleInputError(f"{label} must be a date like 2026-05-01, not {text!r:.40}") from None


def review_filter(version: str, intent: str, start: str, end: str, rating: str) -> ReviewFilter:
    """The queue filter from the console's inputs; the end day is inclusive."""
    last_day = parse_day(end, "to date")
    return ReviewFilter(version=version or "", intent=intent or "", start=parse_day(start, "from date"),
                        end=last_day + timedelta(days=1) if last_day else None, rating=rating or "any")


def queue_rows(items: Sequence[QueueItem]) -> list[list[object]]:
    # Dataframe cells are plain text in Gradio (datatype "str"), so no escaping is needed here.
    return [[item.conversation_id, item.started_at.strftime("%Y-%m-%d %H:%M"), item.version, item.intents,
             item.thumbs_down, item.thumbs_up, "yes" if item.reviewed else "no", item.first_message]
            for item in items]


def answer_choices(turns: Sequence[TurnWithFeedback]) -> list[tuple[str, str]]:
    """(label, turn id) of each assistant answer; the label says its position and how it was rated."""
    choices = []
    for number, item in enumerate((t for t in turns if t.turn.role == "assistant"), start=1):
        thumbs = [r.thumbs for r in item.ratings if r.rater_kind == "customer"]
        mark = " 👎" if False in thumbs else " 👍" if True in thumbs else ""
        preview = " ".join(item.turn.text.split())[:60]
        choices.append((f"answer {number}{mark}: {preview}", item.turn.id))
    return choices


def first_to_review(turns: Sequence[TurnWithFeedback]) -> Optional[str]:
    """The answer an agent most likely wants: the first thumbs-down, else the first without agent review."""
    answers = [t for t in turns if t.turn.role == "assistant"]
    for wanted in (lambda t: any(r.thumbs is False for r in t.ratings),
                   lambda t: not t.corrections and not any(r.rater_kind == "agent" for r in t.ratings),
                   lambda t: True):
        match = next((t for t in answers if wanted(t)), None)
        if match is not None:
            return match.turn.id
    return None


def conversation_html(turns: Sequence[TurnWithFeedback], agent_names: dict[str, str]) -> str:
    """The whole conversation as escaped HTML: each message with its ratings, comments and corrections."""
    if not turns:
        return "<p><em>No conversation selected (or it has no turns yet).</em></p>"
    header = (f"<p><strong>Conversation</strong> {_e(turns[0].turn.conversation_id)} · customer "
              f"{_e(turns[0].customer_id)} · intents {_e(', '.join(sorted({i for t in turns for i in t.intents})) or '—')}"
              f"{' · <strong>excluded from training</strong>' if any(t.excluded for t in turns) else ''}</p>")
    return header + "".join(_turn_html(item, agent_names) for item in turns)


def _turn_html(item: TurnWithFeedback, agent_names: dict[str, str]) -> str:
    turn = item.turn
    who = {"user": "Customer", "assistant": "Bot", "system": "System"}[turn.role]
    meta = f" · {_e(turn.version)}" if turn.role == "assistant" and turn.version else ""
    parts = [f'<div class="sl-turn sl-{turn.role}" data-turn-id="{_e(turn.id)}">',
             f"<div><strong>{who}</strong> #{turn.turn_index}{meta}</div>",
             f'<div style="white-space: pre-wrap">{_e(turn.text)}</div>']
    for rating in item.ratings:
        rater = agent_names.get(rating.rater_id, rating.rater_id) if rating.rater_kind == "agent" else "customer"
        value = ("👍" if rating.thumbs else "👎") if rating.thumbs is not None else "★" * (rating.stars or 0)
        comment = f": {_e(rating.comment)}" if rating.comment else ""
        parts.append(f"<div class=\"sl-rating\">{value} by {_e(rater)}{comment}</div>")
    for correction in item.corrections:
        parts.append(f'<div class="sl-correction">Correction by {_e(agent_names.get(correction.agent_id, correction.agent_id))}:'
                     f' <span style="white-space: pre-wrap">{_e(correction.text)}</span></div>')
    parts.append("</div>")
    return "".join(parts)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def review_events(*, agent_id: str, conversation_id: str, turn_id: Optional[str], stars: Optional[str], comment: str,
                  correction: str, original_answer: str, intent: str, known_intents: Sequence[str],
                  exclude: bool, exclude_reason: str, already_excluded: bool) -> list[FeedbackEvent]:
    """The events one press of "Save" stands for; nothing that did not change, ConsoleInputError on bad input."""
    events: list[FeedbackEvent] = []
    correction = (correction or "").strip()
    if (stars or correction) and not turn_id:
        raise ConsoleInputError("choose the answer you are rating or correcting first")
    if stars:
        events.append(RatingRecord(id=new_id(), turn_id=turn_id, rater_kind="agent", rater_id=agent_id,
                                   stars=int(stars), comment=comment or ""))
    elif (comment or "").strip():
        raise ConsoleInputError("a comment belongs to a rating: choose 1-5 stars too")
    if correction and correction != (original_answer or "").strip():
        events.append(CorrectionRecord(id=new_id(), turn_id=turn_id, agent_id=agent_id, text=correction))
    intent = (intent or "").strip()
    if intent and intent not in known_intents:
        events.append(IntentTagRecord(id=new_id(), conversation_id=conversation_id, intent=intent, tagged_by=agent_id))
    if exclude and not already_excluded:
        if not (exclude_reason or "").strip():
            raise ConsoleInputError("say why this conversation must not be trained on")
        events.append(TrainingExclusionRecord(id=new_id(), conversation_id=conversation_id,
                                              reason=exclude_reason.strip(), agent_id=agent_id))
    if not events:
        raise ConsoleInputError("nothing to save: choose stars, write a correction, set an intent or exclude it")
    return events
