"""Answers of several model versions to the same prompts, from one vLLM engine, batched.

The engine is the serving one when it runs on the same base model (`eval.generation_engine = "serving"`, the
default): no second engine is started, which costs 30-50 s on a CPU host and, on a GPU host, memory the
serving engine may already hold. Otherwise a short-lived engine starts on the base model with LoRA
hot-loading on (the same launch the app uses, on a free port, so it can run beside a serving app).

Each version's adapter is loaded under a name of its own for this run (`eval-<pid>-<version>`: never a name
the app routes customers to) through `/v1/load_lora_adapter` and unloaded afterwards; an adapter vLLM refuses
(wrong base, rank above `max_lora_rank`, corrupt files) is reported in `GenerationRun.refused` instead of
aborting the others. Requests go out concurrently and vLLM batches them (continuous batching): that is what
makes this many times faster than a `generate` loop.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Optional, Sequence

from serve.engine import ENGINE_HOST, engine_auth_headers
from supportloop.config import ServeConfig

if TYPE_CHECKING:
    from eval.answer_cache import AnswerCache

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
    engine: str = ""       # which engine answered, for the report
    reused: dict = field(default_factory=dict)  # model name -> answers taken from the cache


@dataclass(frozen=True)
class EngineEndpoint:
    url: str
    base_name: str         # the name the engine serves the base model under
    api_key: str = ""


def load_adapter(engine_url: str, name: str, path: Path, api_key: str = "") -> Optional[str]:
    """Load an adapter into a running engine; None when it loaded, else vLLM's reason."""
    import httpx

    try:
        response = httpx.post(f"{engine_url}/v1/load_lora_adapter", headers=engine_auth_headers(api_key), timeout=300,
                              json={"lora_name": name, "lora_path": str(path)})
    except httpx.HTTPError as exc:
        return f"engine unreachable while loading {name}: {exc}"
    return None if response.status_code == 200 else f"vLLM refused adapter {name}: {response.text.strip()[:400]}"


def unload_adapter(engine_url: str, name: str, api_key: str = "") -> None:
    """Best effort: an adapter left loaded only takes one of the engine's LRU slots until it is evicted."""
    import httpx

    try:
        httpx.post(f"{engine_url}/v1/unload_lora_adapter", headers=engine_auth_headers(api_key), timeout=60, json={"lora_name": name})
    except httpx.HTTPError:
        pass


def served_base_name(models: dict, base_model: str) -> Optional[str]:
    """Pure: the name a `/v1/models` answer serves `base_model` under; None when it serves another model."""
    wanted = os.path.realpath(base_model) if os.path.exists(base_model) else base_model
    for card in models.get("data", []):
        root = str(card.get("root") or "")
        if card.get("parent") is None and (os.path.realpath(root) if os.path.exists(root) else root) == wanted:
            return card.get("id")
    return None


def find_serving_engine(config: ServeConfig, base_model: str) -> tuple[Optional[EngineEndpoint], str]:
    """(the serving engine, "") when it answers and serves `base_model`; else (None, why it cannot be used)."""
    import httpx

    url = config.engine_url.rstrip("/") or f"http://{ENGINE_HOST}:{config.engine_port}"
    try:
        response = httpx.get(f"{url}/v1/models", headers=engine_auth_headers(config.engine_api_key), timeout=10)
    except httpx.HTTPError:
        return None, f"no serving engine answers at {url}"
    if response.status_code != 200:
        return None, f"the serving engine at {url} answered HTTP {response.status_code}"
    name = served_base_name(response.json(), base_model)
    if name is None:
        return None, f"the serving engine at {url} serves another base model"
    return EngineEndpoint(url, name, config.engine_api_key), ""


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
                          use_serving_engine: bool = True, cache: Optional[AnswerCache] = None,
                          progress: Callable[[str], None] | None = None) -> GenerationRun:
    """Answers of the base model (under "base") and of every adapter (under its name) to `prompts`.

    With a cache, answers a model already gave to a prompt are reused and only the others are generated;
    when none are left to generate, no engine is used at all. Only a base model in a local directory is
    cached: a hub id names no fixed weights.
    """
    from eval.answer_cache import adapter_identity
    from retrain.candidate import base_fingerprint

    note = progress or (lambda message: None)
    started = time.monotonic()
    identities = {BASE_NAME: base_fingerprint(base_model), **{n: adapter_identity(p) for n, p in adapters.items()}}
    cache = cache if Path(base_model).is_dir() else None
    known = {name: cache.lookup(identity, prompts) if cache else {} for name, identity in identities.items()}
    wanted = {name: [i for i in range(len(prompts)) if i not in known[name]] for name in identities}
    reused = {name: len(answers) for name, answers in known.items() if answers}
    if reused:
        note("reusing earlier answers: " + ", ".join(f"{name} {count}/{len(prompts)}" for name, count in reused.items()))
    to_load = {name: path for name, path in adapters.items() if wanted[name]}
    new, refused, engine = {}, {}, "no engine (every answer reused)"
    if any(wanted.values()):
        new, refused, engine = _generate_on_an_engine(config, base_model, to_load, prompts, wanted, max_tokens,
                                                      log_file, offline, use_serving_engine, progress)
    answers = {}
    for name in identities:
        if name in refused:
            continue
        generated = dict(known[name])
        generated.update(zip(wanted[name], new.get(name, [])))
        answers[name] = [generated[i] for i in range(len(prompts))]
        if cache and wanted[name]:
            cache.store(identities[name], [prompts[i] for i in wanted[name]], new[name])
    return GenerationRun(answers, refused, time.monotonic() - started, engine=engine, reused=reused)


def _generate_on_an_engine(config: ServeConfig, base_model: str, adapters: Mapping[str, Path],
                           prompts: Sequence[Sequence[dict]], wanted: Mapping[str, list[int]], max_tokens: int,
                           log_file: Path, offline: bool, use_serving_engine: bool,
                           progress: Callable[[str], None] | None) -> tuple[dict, dict, str]:
    """(answers per model to the prompts `wanted` names, refused adapters, which engine) from the serving engine
    when it serves `base_model`, else from a short-lived one."""
    from serve.engine import EngineProcess, build_engine_launch, free_port, installed_vllm_build, resolve_device

    note = progress or (lambda message: None)
    serving, why_not = (find_serving_engine(config, base_model) if use_serving_engine
                        else (None, "eval.generation_engine is 'own'"))
    if serving is not None:
        note(f"generating through the serving engine at {serving.url} (no second engine)")
        answers, refused = _generate(serving, adapters, prompts, wanted, max_tokens, progress)
        return answers, refused, f"serving engine {serving.url}"
    note(f"starting an evaluation engine: {why_not}")
    started = time.monotonic()
    engine_config = replace(config, engine_port=free_port(), engine_api_key="")
    device = resolve_device(config.device, installed_vllm_build())
    launch = build_engine_launch(engine_config, base_model, device, served_name=BASE_NAME, offline=offline)
    with EngineProcess(launch, log_file) as engine:
        engine.wait_ready(config.engine_startup_timeout_s)
        note(f"engine ready in {time.monotonic() - started:.0f} s")
        answers, refused = _generate(EngineEndpoint(launch.url, BASE_NAME), adapters, prompts, wanted, max_tokens,
                                     progress)
    return answers, refused, "its own engine"


def _generate(engine: EngineEndpoint, adapters: Mapping[str, Path], prompts: Sequence[Sequence[dict]],
              wanted: Mapping[str, list[int]], max_tokens: int,
              progress: Callable[[str], None] | None) -> tuple[dict, dict]:
    from tqdm import tqdm

    served = {BASE_NAME: engine.base_name} if wanted[BASE_NAME] else {}
    refused = {}
    try:
        for name, path in adapters.items():
            run_name = f"eval-{os.getpid()}-{name}"
            reason = load_adapter(engine.url, run_name, path, engine.api_key)
            if reason:
                refused[name] = reason.replace(run_name, name)
            else:
                served[name] = run_name
        answers = {}
        with tqdm(total=sum(len(wanted[name]) for name in served), desc="generating", unit="answer",
                  disable=progress is None) as bar:
            for name, model in served.items():
                answers[name] = answer_all(engine.url, model, [prompts[i] for i in wanted[name]], max_tokens,
                                           engine.api_key, on_answer=lambda: bar.update(1))
    finally:
        for name, model in served.items():
            if name != BASE_NAME:
                unload_adapter(engine.url, model, engine.api_key)
    return answers, refused
