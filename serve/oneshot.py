"""Answering a batch of conversations with a short-lived engine: the base model's smoke test and `base ask`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from supportloop.config import ServeConfig

from serve.chat_client import SamplingParams, complete_chat
from serve.engine import EngineProcess, build_engine_launch, installed_vllm_build, resolve_device


def answer_conversations(config: ServeConfig, model: str, conversations: Sequence[list[dict]], *,
                         log_file: Path, offline: bool) -> list[tuple[list[dict], str]]:
    device = resolve_device(config.device, installed_vllm_build())
    launch = build_engine_launch(config, model, device, offline=offline)
    sampling = SamplingParams.from_config(config)
    with EngineProcess(launch, log_file) as engine:
        engine.wait_ready(config.engine_startup_timeout_s)
        return [(messages, complete_chat(launch.url, "base", [{"role": "system", "content": config.system_prompt}, *messages],
                                         sampling, api_key=config.engine_api_key))
                for messages in conversations]
