"""Exports of the feedback store for training and for other tools: Parquet, OpenAI fine-tuning JSONL and a
Hugging Face dataset. The conversion to chat `messages` is a pure function; the writers do the IO.

Training conversations (JSONL and HF dataset) follow the project's one data currency,
`{"messages": [{"role": ..., "content": ...}, ...]}`:
  - the configured system prompt first (as the model saw it), then the turns in order;
  - an assistant answer an agent corrected is replaced by the newest correction (that is the point);
  - conversations with any "do not train" exclusion are left out entirely;
  - trailing customer turns without an answer are dropped, and a conversation without any assistant
    answer is left out (a fine-tuning example must end with the assistant);
  - with `scrub` (feedback.pii.scrub_pii) every content is scrubbed.
The Parquet export is the raw material instead: every turn with its aggregated live ratings, its newest
correction and its exclusion flag (one row per turn), for the retrain stage and for analysis.
"""

from __future__ import annotations

import json
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from feedback.records import TurnWithFeedback

EXPORT_FORMATS = ("parquet", "openai-jsonl", "hf-dataset")


def training_conversations(turns: Sequence[TurnWithFeedback], system_prompt: str,
                           scrub: Optional[Callable[[str], str]] = None) -> list[dict]:
    """One dict per usable conversation: `messages` plus metadata (id, version, intents, corrected)."""
    clean = scrub or (lambda text: text)
    conversations = []
    for conversation_id, group in groupby(turns, key=lambda item: item.turn.conversation_id):
        items = list(group)
        if any(item.excluded for item in items):
            continue
        messages = [{"role": "system", "content": clean(system_prompt)}] if system_prompt else []
        corrected = False
        for item in items:
            if item.turn.role == "system":
                continue  # the configured system prompt above is what the model is trained with
            text = item.turn.text
            if item.turn.role == "assistant" and item.corrections:
                text, corrected = item.corrections[-1].text, True
            messages.append({"role": item.turn.role, "content": clean(text)})
        while messages and messages[-1]["role"] != "assistant":
            messages.pop()
        if not any(message["role"] == "assistant" for message in messages):
            continue
        versions = [item.turn.version for item in items if item.turn.role == "assistant" and item.turn.version]
        conversations.append({"messages": messages, "conversation_id": conversation_id,
                              "version": versions[0] if versions else "",
                              "intents": sorted({intent for item in items for intent in item.intents}),
                              "corrected": corrected})
    return conversations


def write_openai_jsonl(conversations: Iterable[dict], path: Path) -> int:
    """OpenAI chat fine-tuning format: exactly one `{"messages": [...]}` object per line."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for conversation in conversations:
            out.write(json.dumps({"messages": conversation["messages"]}, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_hf_dataset(conversations: Sequence[dict], path: Path) -> int:
    """A `datasets.Dataset` saved with `save_to_disk` (load it with `datasets.load_from_disk(path)`)."""
    try:
        import datasets
    except ImportError:
        from feedback.errors import FeedbackError

        raise FeedbackError("the hf-dataset format needs the `datasets` package: pip install datasets") from None
    datasets.Dataset.from_list(list(conversations)).save_to_disk(str(path))
    return len(conversations)


def export_feedback(db_path: Path, out: Path, fmt: str, *, since: Optional[datetime], system_prompt: str,
                    scrub: Optional[Callable[[str], str]], reader_timeout_s: float) -> int:
    """Write one export; returns the rows (Parquet: turns) or conversations (JSONL, HF) written."""
    from feedback.reader import open_reader

    if fmt not in EXPORT_FORMATS:
        from feedback.errors import FeedbackError

        raise FeedbackError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    # ingest_first: the export holds everything acknowledged before it started
    with open_reader(db_path, timeout_s=reader_timeout_s, ingest_first=True) as store:
        if fmt == "parquet":
            return store.export_turns_parquet(out, start=since, text_filter=scrub)
        turns = store.turns_between(start=since)
    conversations = training_conversations(turns, system_prompt, scrub)
    return write_openai_jsonl(conversations, out) if fmt == "openai-jsonl" else write_hf_dataset(conversations, out)
