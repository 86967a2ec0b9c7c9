"""check_candidate's rules, and `supportloop evaluate` rejecting an unusable candidate before any generation."""

import json

import pytest

from eval.evaluation import check_candidate
from eval.registry import read_aliases, read_evaluation, read_history, register_version
from supportloop.cli import main
from supportloop.commands_release import EXIT_REJECTED

BASE = "tiny-base-0123abcd"


@pytest.mark.parametrize("manifest, adapter_config, expected", [
    ({"base_model_fingerprint": BASE}, {"r": 8}, []),
    ({"base_model_fingerprint": BASE}, {"r": 16}, []),                       # rank equal to the maximum
    ({}, {"r": 8}, []),                                                     # no fingerprint recorded: not refused
    ({"base_model_fingerprint": "other-base"}, {"r": 8}, ["trained for another base model (other-base"]),
    ({"base_model_fingerprint": BASE}, {"r": 32}, ["LoRA rank 32 is above the server's max_lora_rank 16"]),
    ({"base_model_fingerprint": BASE}, {}, ["LoRA rank None is above"]),      # missing r
    ({"base_model_fingerprint": BASE}, {"r": "8"}, ["LoRA rank 8 is above"]),  # not an int
    ({"base_model_fingerprint": "other-base"}, {"r": 64}, ["trained for another base model", "LoRA rank 64"]),
])
def test_check_candidate(manifest, adapter_config, expected):
    reasons = check_candidate(manifest, adapter_config, BASE, max_lora_rank=16)
    assert len(reasons) == len(expected)
    for reason, start in zip(reasons, expected):
        assert reason.startswith(start)


def test_evaluate_rejects_a_candidate_for_another_base_without_generating(tiny_model_dir, tmp_path, monkeypatch,
                                                                          capsys):
    monkeypatch.setenv("SUPPORTLOOP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SUPPORTLOOP__BASE_MODEL", str(tiny_model_dir))
    monkeypatch.setenv("SUPPORTLOOP__CORPUS__CONVERSATIONS", "400")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"r": 8}))
    (adapter / "adapter_model.safetensors").write_bytes(b"not really weights")
    registry = tmp_path / "home" / "registry"
    version = register_version(registry, adapter, {"base_model_fingerprint": "some-other-base-00000000"})
    aliases_before = read_aliases(registry)

    assert main(["evaluate", version]) == EXIT_REJECTED

    evaluation = read_evaluation(registry, version)
    assert evaluation["verdict"] == "reject" and evaluation["decision"] is None
    assert len(evaluation["reasons"]) == 1
    assert evaluation["reasons"][0].startswith("trained for another base model (some-other-base-00000000")
    assert "refused" in (tmp_path / "home" / "runs" / "eval").glob(f"{version}-*/report.md").__next__().read_text()
    assert read_aliases(registry) == aliases_before
    assert read_history(registry)[-1]["action"] == "reject"
    assert "trained for another base model" in capsys.readouterr().out
    assert not (tmp_path / "home" / "logs" / "eval-engine.log").exists()  # refused before any engine started
