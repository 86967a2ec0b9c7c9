"""A candidate from feedback to registry: real dataset, real LoRA steps on the tiny model, a real registry."""

import json
from dataclasses import replace

import pytest

from eval.registry import list_versions, read_manifest, version_dir
from feedback.log import FeedbackLog
from feedback.pii import scrub_with_counts
from retrain.candidate import train_candidate
from retrain.dataset import NothingToTrain, build_dataset, read_snapshot, write_dataset
from supportloop.config import RetrainConfig, ServeConfig, SupportloopConfig
from supportloop.errors import ConfigError
from tests.conftest import TINY_SYSTEM_PROMPT
from tests.retrain.feedback_history import record_feedback

RETRAIN = RetrainConfig(lora_rank=8, lora_alpha=16, learning_rate=5e-3, batch_size=8, max_steps=6, eval_steps=3,
                        warmup_steps=0, early_stopping_patience=0, max_length=256, min_examples=5,
                        max_examples_per_customer=1000, max_intent_share=1.0)
CONFIG = SupportloopConfig(retrain=RETRAIN, serve=ServeConfig(system_prompt=TINY_SYSTEM_PROMPT))


@pytest.fixture(scope="module")
def dataset_dir(tiny_corpus, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    with FeedbackLog(home, ingest_interval_s=None) as log:
        record_feedback(log, [c for c in tiny_corpus.conversations if c.split == "simulator"])
    snapshot = read_snapshot(home / "feedback.duckdb", 10)
    dataset = build_dataset(snapshot.turns, [], RETRAIN, scrub_with_counts)
    return write_dataset(dataset, snapshot, home / "runs" / "datasets", RETRAIN)


@pytest.fixture(scope="module")
def registered(dataset_dir, tiny_model_dir, tmp_path_factory):
    home = tmp_path_factory.mktemp("train-home")
    candidate = train_candidate(CONFIG, dataset_dir, str(tiny_model_dir), home / "runs", home / "registry",
                                show_progress=False, announce=lambda message: None)
    return candidate, home


def test_candidate_is_a_complete_registry_version(registered, dataset_dir):
    candidate, home = registered
    assert candidate.version == "v0001" and not candidate.reused
    directory = version_dir(home / "registry", "v0001")
    assert sorted(p.name for p in directory.iterdir()) == [
        "adapter_config.json", "adapter_model.safetensors", "manifest.json"]
    manifest = read_manifest(home / "registry", "v0001")
    description = json.loads((dataset_dir / "dataset.json").read_text())
    assert manifest["snapshot_id"] == description["snapshot_id"]
    assert manifest["dataset_sha256"] == description["dataset_sha256"]
    assert manifest["hyperparameters"]["lora_rank"] == 8
    assert manifest["training"]["steps"] == 6 and manifest["training"]["validation_loss_curve"]
    assert manifest["base_model_fingerprint"] and manifest["code_revision"] and manifest["trained_at"]
    assert not (home / "runs" / "train" / manifest["training_key"] / "checkpoints").exists()
    assert (home / "runs" / "train" / manifest["training_key"] / "tensorboard").is_dir()


def test_adapter_loads_in_peft(registered, tiny_model_dir):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    _, home = registered
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir),
                                      version_dir(home / "registry", "v0001"))
    assert any("lora_A" in name for name, _ in model.named_parameters())


def test_rerun_finds_the_registered_version_instead_of_registering_twice(registered, dataset_dir, tiny_model_dir):
    candidate, home = registered
    again = train_candidate(CONFIG, dataset_dir, str(tiny_model_dir), home / "runs", home / "registry",
                            show_progress=False, announce=lambda message: None)
    assert (again.version, again.reused) == ("v0001", True)
    assert list_versions(home / "registry") == ["v0001"]


def test_rank_above_the_servers_limit_is_refused(dataset_dir, tiny_model_dir, tmp_path):
    config = replace(CONFIG, retrain=replace(RETRAIN, lora_rank=32))
    with pytest.raises(ConfigError, match="max_lora_rank"):
        train_candidate(config, dataset_dir, str(tiny_model_dir), tmp_path / "runs", tmp_path / "registry",
                        show_progress=False, announce=lambda message: None)
    assert list_versions(tmp_path / "registry") == []


def test_too_few_examples_registers_nothing(dataset_dir, tiny_model_dir, tmp_path):
    config = replace(CONFIG, retrain=replace(RETRAIN, min_examples=10_000))
    with pytest.raises(NothingToTrain):
        train_candidate(config, dataset_dir, str(tiny_model_dir), tmp_path / "runs", tmp_path / "registry",
                        show_progress=False, announce=lambda message: None)
    assert list_versions(tmp_path / "registry") == []
