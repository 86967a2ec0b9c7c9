"""The CLI: help with examples everywhere, clean errors, and the config round trip."""

import argparse
import subprocess
import sys
import tomllib

import pytest

from supportloop.cli import build_parser, main
from supportloop.config import SupportloopConfig, build_section, load_config


def all_parsers(parser, name="supportloop"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from all_parsers(sub, f"{name} {sub_name}")


def test_every_command_has_help_with_a_runnable_example():
    names = []
    for name, parser in all_parsers(build_parser()):
        names.append(name)
        assert parser.description or parser.prog == "supportloop", name
        assert parser.epilog and parser.epilog.startswith("example: ") and "supportloop " in parser.epilog, \
            f"{name} has no example"
    assert {"supportloop base build", "supportloop config show", "supportloop quickstart"} <= set(names)


def run_cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "supportloop.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_help_is_fast_and_imports_no_heavy_library(tmp_path):
    code = ("import sys; from supportloop.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'transformers', 'vllm', 'gradio') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_errors_are_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[serve]\nprot = 1\n")
    result = run_cli("--config", str(bad), "config", "show", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unknown key 'serve.prot'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unwritable_home_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("--home", str(blocker / "home"), "corpus", "build", cwd=tmp_path)
    assert result.returncode == 1
    assert "is not writable" in result.stderr and "SUPPORTLOOP_HOME" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_policy_file_is_reported_by_key(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[store]\nstore_name = 'X'\n")
    config = tmp_path / "supportloop.toml"
    config.write_text(f"[corpus]\npolicy_file = '{policy}'\n")
    result = run_cli("--config", str(config), "--home", str(tmp_path / "home"), "corpus", "build", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and str(policy) in result.stderr
    assert not (tmp_path / "home" / "corpus" / "corpus.jsonl").exists()


def test_config_show_round_trips(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUPPORTLOOP__SERVE__PORT", "9001")
    assert main(["--home", str(tmp_path / "h"), "config", "show"]) == 0
    shown = tomllib.loads(capsys.readouterr().out)
    assert shown["serve"]["port"] == 9001
    assert shown["home"] == str(tmp_path / "h")
    assert build_section(SupportloopConfig, shown, "", "shown") == load_config(
        None, env={"SUPPORTLOOP_HOME": str(tmp_path / "h"), "SUPPORTLOOP__SERVE__PORT": "9001"})


def test_readme_generated_sections_are_current():
    """The README's config table and file tree come from the code; a stale README fails here."""
    from pathlib import Path

    script = Path(__file__).parents[2] / "scripts" / "sync_readme.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_group_command_without_action_prints_help(capsys):
    assert main(["base"]) == 1
    assert "base commands" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["base", "build", "--help"], ["config", "show", "--help"]])
def test_help_exits_zero(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "example: " in capsys.readouterr().out


@pytest.mark.parametrize("intents, message", [("refunds", "unknown intent(s) refunds"), (",", "(none given)")])
def test_demo_refuses_unknown_intents_before_it_starts_anything(tmp_path, intents, message):
    done = subprocess.run([sys.executable, "-m", "supportloop.cli", "--home", str(tmp_path), "demo",
                           "--demo-home", str(tmp_path / "demo"), "--intents", intents],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and message in done.stderr, done.stderr
    assert "returns_refunds" in done.stderr  # the error lists the known intents
    assert not (tmp_path / "demo").exists()
