"""Perplexity of the reference answers under each model version (transformers + peft, batched, no grad).

The lower, the more the model expects the answer agents consider right. Computed on the answer's tokens only
(the prompt is masked with the same chat-template split training uses), one number per example.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Optional, Sequence

from retrain.sft_examples import SftExample, pad_batch, tokenize_examples


def reference_perplexities(base_model: str, adapters: Mapping[str, Optional[Path]],
                           conversations: Sequence[Sequence[dict]], system_prompt: str, max_length: int,
                           batch_size: int = 16) -> dict[str, list[Optional[float]]]:
    """name -> perplexity per conversation (None where it does not fit `max_length`); adapter None = the base."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    positions, tokenized = [], []
    for index, messages in enumerate(conversations):
        items, _ = tokenize_examples(tokenizer, [SftExample(messages=tuple(messages))], system_prompt, max_length)
        if items:
            positions.append(index)
            tokenized.append(items[0])
    results: dict[str, list[Optional[float]]] = {}
    for name, adapter in adapters.items():
        model = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.float32)
        if adapter is not None:
            model = PeftModel.from_pretrained(model, str(adapter))
        model.eval()
        values: list[Optional[float]] = [None] * len(conversations)
        with torch.no_grad():
            for start in range(0, len(tokenized), batch_size):
                batch = pad_batch(tokenized[start:start + batch_size], tokenizer.pad_token_id)
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
                targets = batch["labels"][:, 1:]
                losses = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)).float(),
                                                           targets.reshape(-1), ignore_index=-100,
                                                           reduction="none").view(targets.shape)
                counts = (targets != -100).sum(dim=1).clamp(min=1)
                for offset, loss in enumerate((losses.sum(dim=1) / counts).tolist()):
                    values[positions[start + offset]] = math.exp(min(loss, 50.0))
        results[name] = values
    return results
