"""Fitting a conversation into the engine's context window, by tokens, as a pure function.

The system prompt and the newest turns are kept; the oldest exchanges are dropped first, whole, so the
model never sees an answer without the question it answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from serve.guards import InputRejected

TokenCounter = Callable[[Sequence[dict]], int]


def with_system_prompt(system_prompt: str, messages: Sequence[dict]) -> list[dict]:
    """What the engine is sent: the system prompt (when there is one), then `messages`."""
    return ([{"role": "system", "content": system_prompt}] if system_prompt else []) + list(messages)


def trim_to_window(system_prompt: str, history: Sequence[dict], count_tokens: TokenCounter,
                   budget: int) -> list[dict]:
    """The messages to send: system prompt + the newest turns of `history` whose prompt fits in `budget` tokens.

    `history` alternates user/assistant and ends with the new user message. Raise InputRejected when even
    the system prompt and that message alone do not fit.
    """
    turns = list(history)
    while turns:
        candidate = with_system_prompt(system_prompt, turns)
        if count_tokens(candidate) <= budget:
            return candidate
        if len(turns) == 1:
            break
        turns = turns[2:] if turns[0]["role"] == "user" and len(turns) > 2 else turns[1:]
    raise InputRejected("Your message is too long for me to read in one go. "
                        "Please shorten it or split it into smaller questions.")


BOUND_SLACK_TOKENS = 4  # tokens a tokenizer may add beyond the rendered text (BOS, a SentencePiece prefix)


def tokenizer_counter(tokenizer) -> TokenCounter:
    """Count prompt tokens exactly as the engine will: the model's chat template with the generation prompt."""
    def count(messages: Sequence[dict]) -> int:
        return len(tokenizer.apply_chat_template(list(messages), tokenize=True, add_generation_prompt=True,
                                                 return_dict=False))
    return count


def tokenizer_bound(tokenizer) -> TokenCounter:
    """An upper bound of `tokenizer_counter`'s count without tokenizing: the chat template rendered as text,
    in UTF-8 bytes (every token covers at least one byte), plus a few tokens of slack. Rendering is about a
    sixth of the cost of tokenizing, and short conversations, by far the most, fit by this bound alone."""
    def bound(messages: Sequence[dict]) -> int:
        text = tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        return len(text.encode("utf-8")) + BOUND_SLACK_TOKENS
    return bound
