"""Answers a model already gave to the same prompts, kept so that the next evaluation does not generate them again.

Every night the evaluation answers the same golden prompts, and mostly the same held-out split (its examples
stay put as feedback grows), with the base model, production and the candidate. The night after a release,
base and production are the very models of the night before, and decoding is greedy: their answers are
already known. Regenerating them took two thirds of a poisoned-night evaluation's generation in the demo.

One append-only JSON-lines file per model and generation setup, named by `model_identity` (the base model's
fingerprint, or the sha256 of the adapter's files: a version is immutable, and a registry rebuilt from
scratch gets new hashes) and the settings that change answers (`max_tokens`, dtype, context length, vLLM's
version). Inside, each answer is keyed by the sha256 of its prompt (system prompt included).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from eval.generation import Generated

ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin")


def adapter_identity(adapter_dir: Path) -> str:
    """The sha256 (16 hex digits) of an adapter's config and weights."""
    digest = hashlib.sha256()
    for name in ADAPTER_FILES:
        path = Path(adapter_dir) / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prompt_key(prompt: Sequence[Mapping[str, str]]) -> str:
    """Pure: the key of one prompt (the whole message list, roles and contents)."""
    canonical = json.dumps([[m["role"], m["content"]] for m in prompt], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def setup_key(model_identity: str, settings: Mapping[str, object]) -> str:
    """Pure: the file name stem for one model under one generation setup."""
    payload = json.dumps({"model": model_identity, **settings}, sort_keys=True)
    return f"{model_identity[:40]}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class AnswerCache:
    """The cache directory (`runs/eval/answers/` in the home) and the settings every key includes."""
    directory: Path
    settings: Mapping[str, object]

    def _file(self, model_identity: str) -> Path:
        return self.directory / f"{setup_key(model_identity, self.settings)}.jsonl"

    def lookup(self, model_identity: str, prompts: Sequence[Sequence[Mapping[str, str]]]) -> dict[int, Generated]:
        """prompt index -> the answer this model gave it before; a torn last line (a crash mid-write) is skipped."""
        path = self._file(model_identity)
        if not path.is_file():
            return {}
        known: dict[str, Generated] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                known[entry["prompt"]] = Generated(entry["text"], float(entry["latency_ms"]), entry["finish_reason"])
            except (ValueError, KeyError, TypeError):
                continue
        keys = [prompt_key(prompt) for prompt in prompts]
        return {index: known[key] for index, key in enumerate(keys) if key in known}

    def store(self, model_identity: str, prompts: Sequence[Sequence[Mapping[str, str]]],
              answers: Sequence[Generated]) -> None:
        """Append answers; one locked write, so two evaluations at once never interleave their lines."""
        if not prompts:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps({"prompt": prompt_key(prompt), "text": answer.text,
                                    "latency_ms": round(answer.latency_ms, 1), "finish_reason": answer.finish_reason},
                                   ensure_ascii=False) + "\n"
                        for prompt, answer in zip(prompts, answers))
        with open(self._file(model_identity), "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(lines)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def generation_settings(max_tokens: int, dtype: str, max_model_len: int) -> dict[str, object]:
    """What besides the model and the prompt decides a greedy answer."""
    from serve.engine import installed_vllm

    found = installed_vllm()
    return {"max_tokens": max_tokens, "dtype": dtype, "max_model_len": max_model_len, "temperature": 0.0,
            "vllm": {found[0]: found[2]} if found else {}}
