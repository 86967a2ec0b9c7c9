"""Answers of several model versions to the same prompts, from one short-lived vLLM engine, batched.

The engine starts on the base model with LoRA hot-loading on (the same launch the app uses, on a free port, so
it can run beside a serving app). Each version's adapter is loaded under its own name through
`/v1/load_lora_adapter`; an adapter vLLM refuses (wrong base, rank above `max_lora_rank`, corrupt files) is
reported in `GenerationRun.refused` instead of aborting the others. Requests go out concurrently and vLLM
batches them (continuous batching): that is what makes this many times faster than a `generate` loop.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

from supportloop.config import ServeConfig

BASE_NAME = "base"


@dataclass(frozen=True)
class Generated:
    text: str
    latency_ms: float
    finish_reason: str


@dataclass(frozen=True)
class GenerationRun:
    answers: dict          # model name -> list[Generated], in prompt order
    refused: dict          # model name -> why vLLM would not load its adapter
    seconds: float


def load_adapter(engine_url: str, name: str, path: Path, api_key: str = "") -> Optional[str]:
    """Load an adapter into a running engine; None when it loaded, else vLLM's reason."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.post(f"{engine_url}/v1/load_lora_adapter", headers=headers, timeout=300,
                              json={"lora_name": name, "lora_path": str(path)})
    except httpx.HTTPError as exc:
        return f"engine unreachable while loading {name}: {exc}"
    return None if response.status_code == 200 else f"vLLM refused adapter {name}: {response.text.strip()[:400]}"


def answer_all(engine_url: str, model: str, prompts: Sequence[Sequence[dict]], max_tokens: int,
               api_key: str = "", concurrency: int = 32,
               on_answer: Callable[[], None] | None = None) -> list[Generated]:
    """Greedy answers of `model` to every prompt, `concurrency` requests in flight at once."""
    import httpx
    import openai

    client = openai.OpenAI(base_url=f"{engine_url}/v1", api_key=api_key or "unused", timeout=600, max_retries=2,
                           http_client=httpx.Client(limits=httpx.Limits(max_connections=concurrency,
                                                                        max_keepalive_connections=concurrency)))

    def ask(messages: Sequence[dict]) -> Generated:
        started = time.monotonic()
        response = client.chat.completions.create(model=model, messages=list(messages), temperature=0.0,
                                                  max_tokens=max_tokens)
        choice = response.choices[0]
        if on_answer:
            on_answer()
        return Generated((choice.message.content or "").strip(), (time.monotonic() - started) * 1000,
                         choice.finish_reason or "")

    with client, ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(ask, prompts))


def generate_for_versions(config: ServeConfig, base_model: str, adapters: Mapping[str, Path],
                          prompts: Sequence[Sequence[dict]], max_tokens: int, log_file: Path, *, offline: bool,
                          progress: Callable[[str], None] | None = None) -> GenerationRun:
    """Answers of the base model (under "base") and of every adapter (under its name) to `prompts`."""
    from tqdm import tqdm

    from serve.engine import EngineProcess, build_engine_launch, free_port, installed_vllm_build, resolve_device

    note = progress or (lambda message: None)
    engine_config = replace(config, engine_port=free_port(), engine_api_key="")
    device = resolve_device(config.device, installed_vllm_build())
    launch = build_engine_launch(engine_config, base_model, device, served_name=BASE_NAME, offline=offline)
    started = time.monotonic()
    answers, refused = {}, {}
    with EngineProcess(launch, log_file) as engine:
        engine.wait_ready(config.engine_startup_timeout_s)
        note(f"engine ready in {time.monotonic() - started:.0f} s")
        names = [BASE_NAME]
        for name, path in adapters.items():
            reason = load_adapter(launch.url, name, path)
            if reason:
                refused[name] = reason
            else:
                names.append(name)
        with tqdm(total=len(names) * len(prompts), desc="generating", unit="answer",
                  disable=progress is None) as bar:
            for name in names:
                answers[name] = answer_all(launch.url, name, prompts, max_tokens, on_answer=lambda: bar.update(1))
    return GenerationRun(answers=answers, refused=refused, seconds=time.monotonic() - started)
