"""Supervised fine-tuning examples: one conversation whose LAST assistant message is the target.

Earlier assistant turns are context the bot (maybe badly) wrote, so the loss covers only the final answer.
The split between prompt and answer is found with the model's own chat template (render the prompt with
`add_generation_prompt=True`, render the whole conversation, and check the first is a prefix of the
second), so it works for any hub model's template, not only ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from retrain.chat_format import with_system_prompt

IGNORE_INDEX = -100  # the label value transformers' loss skips


@dataclass(frozen=True)
class SftExample:
    """A training example in the one data currency of the project: chat messages, plus a loss weight."""
    messages: tuple[dict, ...]
    weight: float = 1.0
    example_id: str = ""


@dataclass(frozen=True)
class TokenizedExample:
    input_ids: list[int]
    labels: list[int]
    weight: float


@dataclass
class TokenizationReport:
    kept: int = 0
    dropped_too_long: int = 0
    dropped_malformed: int = 0
    reasons: list[str] = field(default_factory=list)


def tokenize_examples(tokenizer, examples: Iterable[SftExample], system_prompt: str,
                      max_length: int) -> tuple[list[TokenizedExample], TokenizationReport]:
    """Token ids and labels (prompt masked) of each example; too-long or malformed ones are dropped and counted."""
    report = TokenizationReport()
    tokenized = []
    for example in examples:
        messages = with_system_prompt(example.messages, system_prompt)
        if len(messages) < 2 or messages[-1]["role"] != "assistant" or not messages[-1]["content"].strip():
            report.dropped_malformed += 1
            report.reasons.append(f"{example.example_id or '?'}: does not end with a non-empty assistant answer")
            continue
        prompt_ids = _ids(tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=True))
        full_ids = _ids(tokenizer.apply_chat_template(messages, tokenize=True))
        if full_ids[: len(prompt_ids)] != prompt_ids:
            report.dropped_malformed += 1
            report.reasons.append(f"{example.example_id or '?'}: chat template renders the prompt differently")
            continue
        if len(full_ids) > max_length:
            report.dropped_too_long += 1
            continue
        labels = [IGNORE_INDEX] * len(prompt_ids) + full_ids[len(prompt_ids):]
        tokenized.append(TokenizedExample(input_ids=full_ids, labels=labels, weight=example.weight))
        report.kept += 1
    return tokenized, report


def _ids(rendered) -> list[int]:
    """apply_chat_template returns a list, or a BatchEncoding in newer transformers; take the ids either way."""
    if hasattr(rendered, "keys") and "input_ids" in rendered:
        rendered = rendered["input_ids"]
    return list(rendered)


def pad_batch(batch: Sequence[TokenizedExample], pad_token_id: int, pad_to: int | None = None) -> dict:
    """Right-pad a batch to its longest member (or `pad_to`), the dynamic padding length grouping relies on."""
    import torch

    width = pad_to or max(len(item.input_ids) for item in batch)
    input_ids = torch.full((len(batch), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, item in enumerate(batch):
        length = len(item.input_ids)
        input_ids[row, :length] = torch.tensor(item.input_ids)
        labels[row, :length] = torch.tensor(item.labels)
        attention_mask[row, :length] = 1
    weights = torch.tensor([item.weight for item in batch], dtype=torch.float32)
    return {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask, "weights": weights}
