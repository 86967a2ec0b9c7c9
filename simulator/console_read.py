"""Reading what the agents' console shows, as gradio_client returns it. Pure.

The REST API only accepts ratings and corrections; finding the turn ids of a customer's answers (and the
version that wrote them) takes the console's `/queue` and `/open_conversation` endpoints, like an agent
clicking through it. Their output is the console's own rendering (feedback/console_view.py): a queue
table, and the conversation as escaped HTML whose turns carry `data-turn-id`, role, index and version.
tests/simulator/test_console_read.py parses the real renderer's output, so a format change fails there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueRow:
    conversation_id: str
    version: str
    first_message: str


@dataclass(frozen=True)
class StoredTurn:
    turn_id: str
    role: str
    index: int
    version: str
    text: str


@dataclass(frozen=True)
class StoredConversation:
    conversation_id: str
    customer_id: str
    turns: tuple[StoredTurn, ...]

    @property
    def answers(self) -> tuple[StoredTurn, ...]:
        return tuple(t for t in self.turns if t.role == "assistant")


_HEADER = re.compile(r"<p><strong>Conversation</strong> (.*?) · customer (.*?) · intents")
_TURN = re.compile(r'<div class="sl-turn sl-(\w+)" data-turn-id="([^"]*)"><div><strong>\w+</strong> #(\d+)'
                   r'(?: · ([^<]*))?</div><div style="white-space: pre-wrap">([^<]*)</div>')


def parse_queue(value) -> list[QueueRow]:
    """Rows of the console's queue table (a Dataframe value: {"headers": [...], "data": [[...]]})."""
    rows = value.get("data", []) if isinstance(value, dict) else value or []
    # Columns: conversation, started, version, intents, 👎, 👍, reviewed, first message (QUEUE_HEADERS).
    return [QueueRow(str(row[0]), str(row[2]), str(row[7])) for row in rows if len(row) >= 8]


def parse_conversation(view: str) -> StoredConversation | None:
    """The conversation in the console's HTML view; None for the "no conversation" placeholder."""
    header = _HEADER.search(view or "")
    if header is None:
        return None
    turns = tuple(StoredTurn(turn_id=html.unescape(m[2]), role=m[1], index=int(m[3]),
                             version=html.unescape(m[4] or ""), text=html.unescape(m[5]))
                  for m in _TURN.finditer(view))
    return StoredConversation(html.unescape(header[1]), html.unescape(header[2]), turns)


def queue_key(message: str) -> str:
    """How a first message appears in the queue: stripped and cut to 120 characters (feedback/store.py)."""
    return message.strip()[:120]
