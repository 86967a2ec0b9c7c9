"""The README's main command, end to end at a small size: build a base model, serve it with vLLM, answer golden questions."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

TINY_CONFIG = """
[corpus]
conversations = 400
[builtin_model]
vocab_size = 600
hidden_size = 64
num_layers = 2
num_heads = 2
num_kv_heads = 1
intermediate_size = 128
max_position_embeddings = 512
train_steps = 30
batch_size = 8
seq_len = 128
[serve]
max_model_len = 512
max_tokens = 24
engine_port = {port}
"""


def test_quickstart_builds_once_and_answers_through_vllm(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "supportloop.toml"
    config.write_text(TINY_CONFIG.format(port=port))
    command = [sys.executable, "-m", "supportloop.cli", "--config", str(config), "--home", str(tmp_path / "home")]

    first = subprocess.run([*command, "quickstart", "--questions", "2"], capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "building the base model" in first.stdout
    assert first.stdout.count("model:     ") == 2 and first.stdout.count("reference: ") == 2
    models = list((tmp_path / "home" / "models").iterdir())
    assert len(models) == 1 and models[0].name.startswith("builtin-")
    manifest = json.loads((models[0] / "supportloop_manifest.json").read_text())
    assert manifest["config"]["hidden_size"] == 64

    info = subprocess.run([*command, "base", "info"], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0 and str(models[0]) in info.stdout

    again = subprocess.run([*command, "base", "build"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "already built" in again.stdout
    assert list((tmp_path / "home" / "models").iterdir()) == models


def test_corpus_build_writes_the_corpus_into_the_home(tmp_path):
    command = [sys.executable, "-m", "supportloop.cli", "--home", str(tmp_path / "home")]
    result = subprocess.run([*command, "corpus", "build"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "home" / "corpus" / "corpus.jsonl").read_text().splitlines()
    assert len(lines) == 3200
    assert {"id", "intent", "persona", "split", "messages"} <= set(json.loads(lines[0]))
