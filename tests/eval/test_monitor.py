"""The live monitor against a real registry and a real feedback store filled through FeedbackLog."""

import dataclasses
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eval.monitor import monitor_once
from eval.registry import promote, read_aliases, read_history, record_evaluation, register_version
from feedback.log import FeedbackLog
from supportloop.config import EvalConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = EvalConfig(monitor_alpha=0.05, monitor_min_ratings=50, monitor_margin=0.05)


@dataclasses.dataclass
class Home:
    root: Path
    log: FeedbackLog

    @property
    def registry(self) -> Path:
        return self.root / "registry"

    @property
    def db(self) -> Path:
        return self.root / "feedback.duckdb"

    def rate(self, version: str, good: int, total: int, at: datetime | None = None, turn_version=None) -> None:
        """`total` rated answers of `version`, the first `good` of them with a thumbs up."""
        conversation = self.log.start_conversation("customer-1", version, f"support-{version}").id
        for index in range(total):
            turn = self.log.log_turn(conversation, index, "assistant", "Your order ships today.",
                                     version=version if turn_version is None else turn_version)
            self.log.log_rating(turn.id, "customer", "customer-1", thumbs=index < good, created_at=at)

    def monitor(self, config=CONFIG):
        self.log.flush()
        return monitor_once(self.registry, self.db, config, reader_timeout_s=10)


def fake_adapter(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "adapter_config.json").write_text('{"r": 8}')
    (directory / "adapter_model.safetensors").write_bytes(b"placeholder")
    return directory


@pytest.fixture
def home(tmp_path):
    for number in (1, 2, 3):
        register_version(tmp_path / "registry", fake_adapter(tmp_path / f"adapter-{number}"), {"base_model": "tiny"})
    with FeedbackLog(tmp_path, ingest_interval_s=None, sync=False) as log:
        yield Home(tmp_path, log)


def last_entry(home: Home) -> dict:
    return read_history(home.registry)[-1]


def assert_logged_with_statistics(entry: dict, action: str) -> None:
    assert entry["actor"] == "monitor" and entry["action"] == action
    for piece in ("difference", "always-valid CI [", "ratings", "satisfaction"):
        assert piece in entry["reason"]


def test_a_worse_canary_is_rolled_back(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    promote(home.registry, "v0002", canary_share=0.2, actor="test", reason="passed the gate")
    home.rate("v0001", 80, 100)
    home.rate("v0002", 20, 100)

    outcome = home.monitor()

    assert (outcome.action, outcome.version, outcome.acted) == ("rollback", "v0002", True)
    assert outcome.statistics["ci_high"] < 0 and outcome.statistics["canary_ratings"] == 100
    aliases = read_aliases(home.registry)
    assert aliases.canary is None and aliases.production == "v0001"
    entry = last_entry(home)
    assert_logged_with_statistics(entry, "rollback")
    assert "0.200 of 100 ratings" in entry["reason"] and "0.800 of 100" in entry["reason"]


def test_a_better_canary_is_promoted_and_ratings_before_it_became_canary_do_not_count(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    home.rate("v0002", 0, 200, at=datetime.now(timezone.utc) - timedelta(hours=1))  # an earlier canary stint
    promote(home.registry, "v0002", canary_share=0.2, actor="test", reason="passed the gate")
    home.rate("v0001", 60, 120)
    home.rate("v0002", 115, 120)

    outcome = home.monitor()

    assert (outcome.action, outcome.version, outcome.acted) == ("promote", "v0002", True)
    assert outcome.statistics["canary_ratings"] == 120
    aliases = read_aliases(home.registry)
    assert (aliases.production, aliases.canary, aliases.previous) == ("v0002", None, "v0001")
    assert_logged_with_statistics(last_entry(home), "promote")


def test_a_canary_the_gate_rejected_is_not_promoted_however_it_rates_but_is_still_rolled_back(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    record_evaluation(home.registry, "v0002", {"verdict": "reject", "reasons": ["hard cases dropped"]}, actor="test")
    promote(home.registry, "v0002", canary_share=0.2, actor="test", reason="forced by hand")
    home.rate("v0001", 60, 120)
    home.rate("v0002", 115, 120)

    outcome = home.monitor()

    assert (outcome.action, outcome.version, outcome.acted) == ("wait", "v0002", False)
    assert "release gate rejected it" in outcome.reason
    assert read_aliases(home.registry).canary.version == "v0002"
    home.rate("v0002", 0, 300)  # now far worse than production: the monitor does act, by rolling it back
    assert (home.monitor().action, read_aliases(home.registry).canary) == ("rollback", None)


def test_a_canary_is_compared_with_the_base_model_when_nothing_is_in_production(home):
    promote(home.registry, "v0001", canary_share=0.5, actor="test", reason="passed the gate")
    home.rate("base", 10, 100)
    home.rate("v0001", 90, 100)

    outcome = home.monitor()

    assert outcome.action == "promote" and outcome.statistics["production_ratings"] == 100
    assert read_aliases(home.registry).production == "v0001"


def test_turns_logged_without_a_version_count_for_their_conversations_version(home):
    promote(home.registry, "v0001", canary_share=0.5, actor="test", reason="passed the gate")
    home.rate("base", 3, 7)
    home.rate("v0001", 4, 9, turn_version="")  # e.g. logged through the REST API by another tool

    outcome = home.monitor()

    assert outcome.statistics["canary_ratings"] == 9 and outcome.statistics["production_ratings"] == 7


def test_an_equal_canary_with_few_ratings_waits(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    promote(home.registry, "v0002", canary_share=0.2, actor="test", reason="passed the gate")
    home.rate("v0001", 5, 10)
    home.rate("v0002", 5, 10)
    entries = len(read_history(home.registry))

    outcome = home.monitor()

    assert (outcome.action, outcome.version, outcome.acted) == ("wait", "v0002", False)
    assert "waiting for ratings (10 of 50)" in outcome.reason
    assert read_aliases(home.registry).canary.version == "v0002"
    assert len(read_history(home.registry)) == entries


def test_with_the_monitor_disabled_it_only_says_what_it_would_do(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    promote(home.registry, "v0002", canary_share=0.2, actor="test", reason="passed the gate")
    home.rate("v0001", 80, 100)
    home.rate("v0002", 20, 100)
    before = (read_aliases(home.registry), len(read_history(home.registry)))

    outcome = home.monitor(dataclasses.replace(CONFIG, monitor_enabled=False))

    assert (outcome.action, outcome.acted) == ("rollback", False)
    assert outcome.reason.startswith("would rollback (eval.monitor_enabled is false)")
    assert (read_aliases(home.registry), len(read_history(home.registry))) == before


def test_a_bad_production_goes_back_to_the_previous_version_once(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    home.rate("v0001", 85, 100, at=datetime.now(timezone.utc) - timedelta(hours=1))
    promote(home.registry, "v0002", actor="test", reason="passed the gate")
    home.rate("v0001", 0, 50)  # late ratings of v0001 conversations after the switch: not its "before"
    home.rate("v0002", 20, 100)

    outcome = home.monitor()

    assert (outcome.action, outcome.version, outcome.acted) == ("rollback", "v0002", True)
    assert outcome.statistics["production_ratings"] == 100 and outcome.statistics["production_rate"] == 0.85
    aliases = read_aliases(home.registry)
    assert (aliases.production, aliases.previous) == ("v0001", "v0002")
    assert_logged_with_statistics(last_entry(home), "rollback")
    # The restored version came back by a rollback: the monitor does not flip it forward again.
    again = home.monitor()
    assert again.action == "idle" and not again.acted


def test_a_good_production_is_left_alone(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    home.rate("v0001", 70, 100, at=datetime.now(timezone.utc) - timedelta(hours=1))
    promote(home.registry, "v0002", actor="test", reason="passed the gate")
    home.rate("v0002", 75, 100)

    outcome = home.monitor()

    assert (outcome.action, outcome.version, outcome.acted) == ("wait", "v0002", False)
    assert read_aliases(home.registry).production == "v0002"


def test_nothing_to_watch_is_idle(home):
    assert home.monitor().action == "idle"
    promote(home.registry, "v0001", actor="test", reason="first")  # over the base model: no previous
    assert home.monitor().action == "idle"


def run_cli(home: Home, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SUPPORTLOOP_HOME": str(home.root), "PYTHONPATH": str(REPO_ROOT), **env}
    return subprocess.run([sys.executable, "-m", "supportloop.cli", "monitor", *args], capture_output=True,
                          text=True, env=environment, cwd=home.root, timeout=120)


def test_cli_monitor_reports_and_acts(home):
    promote(home.registry, "v0001", actor="test", reason="first")
    promote(home.registry, "v0002", canary_share=0.2, actor="test", reason="passed the gate")
    home.rate("v0001", 80, 100)
    home.rate("v0002", 20, 100)
    home.log.flush()

    dry = run_cli(home, SUPPORTLOOP__EVAL__MONITOR_ENABLED="false")
    assert dry.returncode == 0, dry.stderr
    assert "rollback v0002 (not done): would rollback" in dry.stdout
    assert read_aliases(home.registry).canary is not None

    done = run_cli(home)
    assert done.returncode == 0, done.stderr
    assert "rollback v0002 (done): canary v0002 is significantly worse" in done.stdout
    assert read_aliases(home.registry).canary is None and last_entry(home)["actor"] == "monitor"


def test_cli_monitor_watch_looks_until_interrupted(home):
    environment = {**os.environ, "SUPPORTLOOP_HOME": str(home.root), "PYTHONPATH": str(REPO_ROOT),
                   "SUPPORTLOOP__EVAL__MONITOR_INTERVAL_S": "1"}
    process = subprocess.Popen([sys.executable, "-m", "supportloop.cli", "monitor", "--watch"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment, cwd=home.root)
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "looking every 1 s" in lines[0]
    assert all(" idle: " in line for line in lines[1:])
    assert process.returncode == 0, err
    assert "monitor: stopped" in out
