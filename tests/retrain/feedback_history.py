"""Feedback as the app and agents would have logged it, for dataset and training tests.

Corpus conversations are replayed through the real FeedbackLog (journals, then DuckDB), and each answer gets
feedback by a fixed scheme, so tests know exactly which examples the dataset rules must produce.
"""

from __future__ import annotations

from feedback.log import FeedbackLog

SCHEME = ("correction", "agent_good", "customer_up", "customer_down")
WRONG_ANSWER = "Sorry, I cannot help with that."


def record_feedback(log: FeedbackLog, conversations, *, scheme=SCHEME, version: str = "base",
                    customer_of=lambda index: f"customer-{index % 7}") -> dict[str, int]:
    """Log every conversation with the scheme's feedback on its answers; returns how many of each were logged."""
    logged = {kind: 0 for kind in scheme}
    for index, conversation in enumerate(conversations):
        record = log.start_conversation(customer_of(index), version, "", conversation_id=f"conv-{conversation.id}")
        log.tag_intent(record.id, conversation.intent, "agent-ann")
        for turn_index, message in enumerate(conversation.messages):
            kind = scheme[index % len(scheme)]
            text = WRONG_ANSWER if message["role"] == "assistant" and kind == "correction" else message["content"]
            turn = log.log_turn(record.id, turn_index, message["role"], text, version=version,
                                sampling={"max_tokens": 160}, completion_tokens=len(text.split()))
            if message["role"] != "assistant":
                continue
            logged[kind] += 1
            if kind == "correction":
                log.log_correction(turn.id, "agent-ann", message["content"])
            elif kind == "agent_good":
                log.log_rating(turn.id, "agent", "agent-ann", stars=5)
            elif kind == "customer_up":
                log.log_rating(turn.id, "customer", customer_of(index), thumbs=True)
            elif kind == "customer_down":
                log.log_rating(turn.id, "customer", customer_of(index), thumbs=False)
    log.flush()
    return logged
