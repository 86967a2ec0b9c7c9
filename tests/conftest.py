"""Shared fixtures: a tiny corpus and a tiny base model built once per test session, offline, in seconds.

The tiny model goes through exactly the code path of `supportloop base build` (tokenizer training,
packing, Llama training loop, staged publish); only the sizes differ.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from supportloop.config import BuiltinModelConfig  # noqa: E402

def pytest_collection_modifyitems(config, items):
    """The e2e test first: the session's engine and app, once started for the other tests, live to the end of
    the session and take CPU from it (in CI after them it took 17 minutes instead of 11)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)  # stable: the rest keep their order


TINY_SYSTEM_PROMPT = "You are ShopNest support."
# 200 steps (a few seconds): with fewer, the tiny model's hidden states hardly depend on context, and a
# LoRA on top of it cannot learn anything beyond a unigram shift (seen with 40 steps).
TINY_MODEL = BuiltinModelConfig(vocab_size=600, hidden_size=64, num_layers=2, num_heads=2, num_kv_heads=1,
                                intermediate_size=128, max_position_embeddings=512, train_steps=200,
                                batch_size=8, seq_len=128, learning_rate=5e-3, warmup_steps=5, seed=0)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """A small corpus generated from the bundled policy, materialized like the real one."""
    from corpus.materialize import materialize_corpus

    return materialize_corpus("", seed=0, conversations=400,
                              out_file=tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_corpus, tmp_path_factory) -> Path:
    """A ~0.1M-parameter Llama chat model with its own tokenizer, built by the real base-model builder."""
    from retrain.base_model import build_base_model

    directory = tmp_path_factory.mktemp("models") / "tiny-base"
    build_base_model(tiny_corpus.conversations, TINY_MODEL, TINY_SYSTEM_PROMPT, directory,
                     tiny_corpus.sha256, show_progress=False)
    return directory


@pytest.fixture(scope="session")
def vllm_engine(tiny_model_dir, tmp_path_factory):
    """(EngineProcess, ServeConfig) of a vLLM server on the tiny model, LoRA hot-loading on: ONE engine for the
    whole session (about 30 s to start), shared by the serve and simulator tests."""
    from serve.engine import EngineProcess, build_engine_launch, free_port, installed_vllm_build, resolve_device
    from supportloop.config import ServeConfig

    config = ServeConfig(engine_port=free_port(), max_model_len=512, max_tokens=24, max_lora_rank=8)
    launch = build_engine_launch(config, str(tiny_model_dir), resolve_device("auto", installed_vllm_build()))
    process = EngineProcess(launch, tmp_path_factory.mktemp("engine-logs") / "engine.log")
    process.start()
    try:
        process.wait_ready(240)
        yield process, config
    finally:
        process.stop()
