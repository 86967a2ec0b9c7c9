"""Train a candidate adapter on a dataset directory and register it as a new version.

Lifecycle: setup (check rank, tokenize) → train (resumes from the newest checkpoint of the same run) →
save (the adapter is published whole) → register (a new immutable registry version with its manifest) →
cleanup (checkpoints deleted; TensorBoard logs kept under runs/train/<key>/tensorboard).

A run's key is the hash of what decides its result (dataset, hyperparameters, base model), so a rerun after a
crash resumes the same run, and a rerun after success finds the registered version instead of registering the
same candidate twice.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from supportloop.config import SupportloopConfig
from supportloop.errors import ConfigError

from retrain.dataset import NothingToTrain, read_description, read_split
from retrain.sft_examples import SftExample, tokenize_examples

MANIFEST_KIND = "supportloop-adapter"


@dataclass(frozen=True)
class Candidate:
    version: str
    reused: bool
    manifest: dict


def base_fingerprint(base_dir: str) -> str:
    """Identifies the base weights: the built-in model's own key, else a hash of the config and file sizes."""
    directory = Path(base_dir)
    manifest = directory / "supportloop_manifest.json"
    if manifest.is_file():  # written once when the built-in model is built: it names corpus, config and seed
        return f"{directory.name}-{hashlib.sha256(manifest.read_bytes()).hexdigest()[:8]}"
    digest = hashlib.sha256((directory / "config.json").read_bytes() if (directory / "config.json").is_file()
                            else str(base_dir).encode())
    for path in sorted(directory.glob("*.safetensors")):
        digest.update(f"{path.name}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def code_revision(project_dir: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(project_dir), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"supportloop {version('supportloop')}"


def training_key(dataset_sha: str, hyperparameters: dict, fingerprint: str, system_prompt: str) -> str:
    payload = json.dumps([dataset_sha, hyperparameters, fingerprint, system_prompt], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def find_registered(registry_root: Path, key: str) -> Optional[tuple[str, dict]]:
    from eval.registry import list_versions, read_manifest

    for version in list_versions(registry_root):
        manifest = read_manifest(registry_root, version)
        if manifest.get("training_key") == key:
            return version, manifest
    return None


def train_candidate(config: SupportloopConfig, dataset_dir: Path, base_dir: str, runs_dir: Path,
                    registry_root: Path, *, show_progress: bool = True, announce=print) -> Candidate:
    """Train on `dataset_dir` and register the adapter; an identical earlier run's version is returned instead."""
    from transformers import AutoTokenizer

    from eval.registry import register_version
    from retrain.train_adapter import train_adapter

    retrain = config.retrain
    if retrain.lora_rank > config.serve.max_lora_rank:
        raise ConfigError(f"retrain.lora_rank={retrain.lora_rank} exceeds serve.max_lora_rank="
                          f"{config.serve.max_lora_rank}: vLLM would refuse the adapter")
    description = read_description(dataset_dir)
    hyperparameters = asdict(retrain)
    fingerprint = base_fingerprint(base_dir)
    key = training_key(description["dataset_sha256"], hyperparameters, fingerprint, config.serve.system_prompt)
    found = find_registered(registry_root, key)
    if found:
        announce(f"this dataset and configuration were already trained: {found[0]}")
        return Candidate(found[0], True, found[1])
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    tokenized = {}
    reports = {}
    for split in ("train", "validation"):
        examples = [SftExample(messages=e.messages, weight=e.weight, example_id=e.example_id)
                    for e in read_split(dataset_dir, split)]
        tokenized[split], report = tokenize_examples(tokenizer, examples, config.serve.system_prompt,
                                                     retrain.max_length)
        reports[split] = {"kept": report.kept, "dropped_too_long": report.dropped_too_long,
                          "dropped_malformed": report.dropped_malformed}
    if len(tokenized["train"]) < retrain.min_examples:
        raise NothingToTrain(f"nothing to train: {len(tokenized['train'])} training examples fit "
                             f"retrain.max_length={retrain.max_length}, fewer than retrain.min_examples={retrain.min_examples}")
    work_dir = runs_dir / "train" / key
    adapter_dir = work_dir / "adapter"
    shutil.rmtree(adapter_dir, ignore_errors=True)  # a finished-but-unregistered adapter from a killed run
    announce(f"training a LoRA adapter (rank {retrain.lora_rank}) on {len(tokenized['train'])} examples, "
             f"validating on {len(tokenized['validation'])}; logs in {work_dir}")
    result = train_adapter(base_dir, tokenizer, tokenized["train"], tokenized["validation"], retrain, work_dir,
                           adapter_dir, show_progress=show_progress)
    manifest = {
        "kind": MANIFEST_KIND, "training_key": key, "base_model": base_dir, "base_model_fingerprint": fingerprint,
        "snapshot_id": description["snapshot_id"], "snapshot_counts": description["snapshot_counts"],
        "dataset_sha256": description["dataset_sha256"], "dataset_dir": str(dataset_dir),
        "dataset_files_sha256": description["file_sha256"], "dataset_splits": description["report"]["splits"],
        "tokenization": reports, "hyperparameters": hyperparameters, "system_prompt": config.serve.system_prompt,
        "training": {"steps": result.steps, "seconds": round(result.seconds, 1),
                     "tokens_per_second": round(result.tokens_per_second, 1),
                     "best_validation_loss": result.best_validation_loss, "stopped_early": result.stopped_early,
                     "resumed_from_step": result.resumed_from_step,
                     "train_loss_curve": result.train_loss_curve,
                     "validation_loss_curve": result.validation_loss_curve},
        "code_revision": code_revision(Path(__file__).resolve().parent.parent),
        "trained_at": datetime.now(timezone.utc).isoformat(),
    }
    version = register_version(registry_root, adapter_dir, manifest)
    shutil.rmtree(work_dir / "checkpoints", ignore_errors=True)
    shutil.rmtree(adapter_dir, ignore_errors=True)
    announce(f"registered candidate {version}: best validation loss {result.best_validation_loss}, "
             f"{result.steps} steps in {result.seconds:.0f} s")
    return Candidate(version, False, manifest)
