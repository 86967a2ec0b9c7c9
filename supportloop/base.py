"""Glue between the configuration and the corpus and base model: which ones are used, and building the built-in model."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from supportloop.config import SupportloopConfig
from supportloop.paths import HomePaths

from retrain.base_model import (MANIFEST_NAME, BaseModel, build_base_model, builtin_model_dir, builtin_model_key,
                                resolve_base_model)


def current_corpus(config: SupportloopConfig):
    """The bundled corpus as configured (policy file, seed, size), written under the home directory."""
    from corpus.materialize import materialize_corpus

    paths = HomePaths.from_config(config)
    paths.ensure_writable()
    return materialize_corpus(config.corpus.policy_file, config.corpus.seed, config.corpus.conversations,
                              paths.corpus_file)


def current_replay_pool(config: SupportloopConfig, corpus_conversations):
    """The base model's own training conversations that may be replayed (retrain/replay.py), judged stale against
    the current corpus; empty when the base model has none beside it (an external model, or a built-in one built
    before replay existed)."""
    from corpus.facts import corpus_claims
    from retrain.base_model import BaseModelError
    from retrain.replay import ReplayPool, read_training_conversations, replay_pool

    if config.retrain.replay_ratio <= 0:
        return ReplayPool(source="off (retrain.replay_ratio = 0)")
    try:
        base = current_base_model(config).name_or_path
    except BaseModelError as exc:  # a dataset can be built before the base model; training will need it
        return ReplayPool(source=f"none: {exc}")
    conversations = read_training_conversations(base)
    if conversations is None:
        return ReplayPool(source=f"none: {base} keeps no training conversations")
    return replay_pool(conversations, corpus_claims(corpus_conversations), f"training conversations of {base}")


def _builtin_dir(config: SupportloopConfig, paths: HomePaths):
    built = current_corpus(config)
    key = builtin_model_key(config.builtin_model, built.sha256, config.serve.system_prompt)
    return builtin_model_dir(paths, key), built


def current_base_model(config: SupportloopConfig) -> BaseModel:
    """The configured base model, checked; the built-in one must have been built."""
    paths = HomePaths.from_config(config)
    if config.base_model != "builtin":
        return resolve_base_model(config, None)
    paths.ensure_writable()
    directory, _ = _builtin_dir(config, paths)
    return resolve_base_model(config, directory)


def ensure_base_model(config: SupportloopConfig, force: bool = False,
                      announce: Callable[[str], None] = print) -> tuple[BaseModel, dict | None]:
    """The base model, building the built-in one first when it is missing (or `force`). Returns its manifest if built now."""
    import shutil

    if config.base_model != "builtin":
        announce(f"base_model is {config.base_model}: nothing to build")
        return resolve_base_model(config, None), None
    paths = HomePaths.from_config(config)
    paths.ensure_writable()
    directory, corpus = _builtin_dir(config, paths)
    if directory.exists() and force:
        shutil.rmtree(directory)
    if (directory / MANIFEST_NAME).is_file():
        announce(f"base model already built for this corpus and config: {directory}")
        return resolve_base_model(config, directory), None
    announce(f"building the base model from {len(corpus.conversations)} corpus conversations into {directory}")
    manifest = build_base_model(corpus.conversations, config.builtin_model, config.serve.system_prompt,
                                directory, corpus.sha256)
    return resolve_base_model(config, directory), manifest


def read_manifest(base: BaseModel) -> dict:
    from pathlib import Path

    return json.loads((Path(base.name_or_path) / MANIFEST_NAME).read_text())


def answer_with_engine(config: SupportloopConfig, base: BaseModel,
                       conversations: Sequence[list[dict]]) -> list[tuple[list[dict], str]]:
    """Start a vLLM engine on the base model, answer each conversation, stop the engine."""
    from serve.oneshot import answer_conversations

    paths = HomePaths.from_config(config)
    return answer_conversations(config.serve, base.name_or_path, conversations,
                                log_file=paths.logs / "engine.log", offline=base.builtin)
