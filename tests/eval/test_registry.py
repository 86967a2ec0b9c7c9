"""The registry: version ids, immutable version directories, atomic logged alias changes, and a writer killed
mid-write that leaves the aliases consistent."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eval.registry import (Aliases, Canary, RegistryError, list_versions, next_version, plan_promotion, plan_rollback,
                           promote, read_aliases, read_history, read_manifest, register_version, rollback)


def fake_adapter(directory: Path, marker: str = "x") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "adapter_config.json").write_text(json.dumps({"r": 8, "marker": marker}))
    (directory / "adapter_model.safetensors").write_bytes(marker.encode())
    return directory


@pytest.mark.parametrize("existing, expected", [
    ([], "v0001"), (["v0001"], "v0002"), (["v0001", "v0007", "v0003"], "v0008"), (["v9999"], "v10000"),
])
def test_next_version(existing, expected):
    assert next_version(existing) == expected


@pytest.mark.parametrize("current, version, share, expected", [
    (Aliases(), "v0001", None, Aliases(production="v0001")),
    (Aliases(production="v0001"), "v0002", None, Aliases(production="v0002", previous="v0001")),
    (Aliases(production="v0001"), "v0002", 0.2, Aliases(production="v0001", canary=Canary("v0002", 0.2))),
    # promoting the canary to production ends the canary
    (Aliases(production="v0001", canary=Canary("v0002", 0.2)), "v0002", None,
     Aliases(production="v0002", previous="v0001")),
])
def test_plan_promotion(current, version, share, expected):
    assert plan_promotion(current, version, share) == expected


@pytest.mark.parametrize("current, version, share, match", [
    (Aliases(production="v0001"), "v0001", None, "already in production"),
    (Aliases(production="v0001"), "v0002", 1.0, "between 0 and 1"),
    (Aliases(production="v0001"), "v0002", 0.0, "between 0 and 1"),
    (Aliases(production="v0001"), "v0001", 0.5, "cannot also be the canary"),
])
def test_plan_promotion_refuses(current, version, share, match):
    with pytest.raises(RegistryError, match=match):
        plan_promotion(current, version, share)


@pytest.mark.parametrize("current, expected", [
    (Aliases(production="v0001", canary=Canary("v0002", 0.2)), Aliases(production="v0001")),
    (Aliases(production="v0002", previous="v0001"), Aliases(production="v0001")),
    (Aliases(production="v0001"), Aliases()),  # back to the base model
])
def test_plan_rollback(current, expected):
    assert plan_rollback(current) == expected


def test_rollback_with_nothing_promoted_is_refused():
    with pytest.raises(RegistryError, match="nothing to roll back"):
        plan_rollback(Aliases())


def test_register_promote_rollback_round_trip(tmp_path):
    root = tmp_path / "registry"
    assert read_aliases(root) == Aliases() and list_versions(root) == []
    v1 = register_version(root, fake_adapter(tmp_path / "a1", "one"), {"base_model": "tiny"})
    v2 = register_version(root, fake_adapter(tmp_path / "a2", "two"), {"base_model": "tiny"})
    assert (v1, v2) == ("v0001", "v0002") and list_versions(root) == [v1, v2]
    assert read_manifest(root, v2)["version"] == v2
    assert (root / "versions" / v1 / "adapter_model.safetensors").read_bytes() == b"one"
    promote(root, v1, actor="alice", reason="first")
    promote(root, v2, canary_share=0.25, actor="gate", reason="candidate")
    assert read_aliases(root) == Aliases(production=v1, canary=Canary(v2, 0.25))
    rollback(root, actor="bob", reason="canary unhappy")
    assert read_aliases(root) == Aliases(production=v1)
    history = read_history(root)
    assert [(h["actor"], h["action"]) for h in history] == [("alice", "promote"), ("gate", "canary"), ("bob", "rollback")]
    assert history[1]["from"]["production"] == v1 and history[1]["to"]["canary"] == {"version": v2, "share": 0.25}
    assert json.loads((root / "aliases.json").read_text())["production"] == v1


@pytest.mark.parametrize("action, match", [
    (lambda root: promote(root, "v0042", actor="a", reason="r"), "does not exist"),
    (lambda root: promote(root, "v0001", actor="", reason="r"), "actor and a reason"),
    (lambda root: register_version(root, root / "nowhere", {}), "not a PEFT adapter"),
])
def test_bad_requests_are_refused(tmp_path, action, match):
    root = tmp_path / "registry"
    register_version(root, fake_adapter(tmp_path / "a"), {})
    with pytest.raises(RegistryError, match=match):
        action(root)


def test_ids_are_never_reused_even_after_a_crashed_registration(tmp_path):
    root = tmp_path / "registry"
    register_version(root, fake_adapter(tmp_path / "a"), {})
    (root / "versions" / ".v0002.staging-crashed").mkdir()  # a writer died before its rename
    assert register_version(root, fake_adapter(tmp_path / "b"), {}) == "v0003"


def test_a_writer_killed_mid_write_leaves_consistent_aliases(tmp_path):
    root = tmp_path / "registry"
    for name in ("a", "b"):
        register_version(root, fake_adapter(tmp_path / name), {})
    promote(root, "v0001", actor="setup", reason="start")
    script = Path(__file__).with_name("registry_writer.py")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        writer = subprocess.Popen([sys.executable, str(script), str(root)], stdout=subprocess.PIPE, env=env)
        assert writer.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        aliases = read_aliases(root)  # parses: never a half-written file
        last = read_history(root)[-1]
        assert aliases.to_json() in (last["to"], last["from"])
        assert aliases.production in ("v0001", "v0002")


def test_rollback_to_a_named_version_or_the_base(tmp_path):
    from eval.registry import BASE

    root = tmp_path / "registry"
    for marker in "abc":
        register_version(root, fake_adapter(tmp_path / marker, marker), {})
    promote(root, "v0001", actor="a", reason="r")
    promote(root, "v0002", actor="a", reason="r")
    promote(root, "v0003", canary_share=0.1, actor="a", reason="r")
    assert rollback(root, to="v0001", actor="bob", reason="v0002 and v0003 both bad") == Aliases(
        production="v0001", previous="v0002")
    assert rollback(root, to=BASE, actor="bob", reason="back to the base model") == Aliases(previous="v0001")
    with pytest.raises(RegistryError, match="does not exist"):
        rollback(root, to="v0042", actor="bob", reason="typo")
    assert read_history(root)[-1]["reason"] == "back to the base model"


def test_evaluations_are_stored_beside_versions_and_rejections_are_logged(tmp_path):
    from eval.registry import read_evaluation, record_evaluation

    root = tmp_path / "registry"
    register_version(root, fake_adapter(tmp_path / "a"), {})
    assert read_evaluation(root, "v0001") is None
    record_evaluation(root, "v0001", {"verdict": "reject", "reasons": ["ROUGE-L worse by 0.04"]}, actor="nightly")
    assert read_evaluation(root, "v0001")["reasons"] == ["ROUGE-L worse by 0.04"]
    (entry,) = read_history(root)
    assert (entry["action"], entry["version"], entry["reason"]) == ("reject", "v0001", "ROUGE-L worse by 0.04")
    assert read_aliases(root) == Aliases()
    with pytest.raises(RegistryError, match="does not exist"):
        record_evaluation(root, "v0009", {"verdict": "promote"}, actor="nightly")


def test_registry_commands(tmp_path, monkeypatch, capsys):
    from supportloop.cli import main

    monkeypatch.setenv("SUPPORTLOOP_HOME", str(tmp_path))
    root = tmp_path / "registry"
    register_version(root, fake_adapter(tmp_path / "a", "a"), {"training": {"best_validation_loss": 0.41}})
    register_version(root, fake_adapter(tmp_path / "b", "b"), {})
    assert main(["registry", "promote", "v0001", "--reason", "first"]) == 0
    assert main(["registry", "promote", "v0002", "--canary", "0.2"]) == 0
    assert main(["registry", "list"]) == 0
    out = capsys.readouterr().out
    assert "production: v0001" in out and "canary: v0002 (20%)" in out and "0.4100" in out
    assert main(["registry", "rollback", "--reason", "canary unhappy"]) == 0
    assert main(["registry", "history"]) == 0
    out = capsys.readouterr().out
    assert "rollback" in out and "canary unhappy" in out and "cli" in out
    assert main(["registry", "show", "v0001"]) == 0
    assert '"best_validation_loss": 0.41' in capsys.readouterr().out
    assert main(["registry", "promote", "v0007"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["registry", "rollback"]) == 0  # production back to the previous (the base model)
    assert main(["registry", "rollback"]) == 1  # and nothing left to roll back
    assert "nothing to roll back" in capsys.readouterr().err
