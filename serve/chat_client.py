"""Asking the engine for answers through its OpenAI-compatible API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supportloop.config import ServeConfig

from serve.engine import EngineError


@dataclass(frozen=True)
class SamplingParams:
    temperature: float
    top_p: float
    max_tokens: int

    @classmethod
    def from_config(cls, config: ServeConfig) -> "SamplingParams":
        return cls(temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens)


def complete_chat(engine_url: str, model: str, messages: Sequence[dict], sampling: SamplingParams,
                  api_key: str = "", timeout_s: float = 120.0) -> str:
    """The engine's whole answer to `messages` (system prompt included by the caller)."""
    import openai

    client = openai.OpenAI(base_url=f"{engine_url}/v1", api_key=api_key or "unused", timeout=timeout_s, max_retries=2)
    try:
        response = client.chat.completions.create(
            model=model, messages=list(messages), temperature=sampling.temperature,
            top_p=sampling.top_p, max_tokens=sampling.max_tokens)
    except openai.APIError as exc:
        raise EngineError(f"the engine rejected the request for model '{model}': {exc}") from None
    return (response.choices[0].message.content or "").strip()
