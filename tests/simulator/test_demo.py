"""The learning demo's own pieces: its policy files, its policy questions and its report.

The demo's scenario end to end, at a smaller size, is tests/test_end_to_end.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus.policy import load_policy
from simulator.demo import (CHANGED_MARKERS, NEW_OPTION, MARKER, DemoRun, DemoSettings, demo_environment,
                            poisoned_night, policy_questions, prepare_home, write_policies)
from simulator.demo_report import write_report
from supportloop.config import SupportloopConfig, load_config
from supportloop.errors import SupportloopError


def _run(tmp_path: Path) -> DemoRun:
    return DemoRun(settings=DemoSettings(demo_home=tmp_path / "demo"), env={})


def test_policy_files_change_only_what_the_story_says(tmp_path):
    run = _run(tmp_path)
    new, poisoned = write_policies(run)
    bundled, changed, bad = load_policy(None), load_policy(new), load_policy(poisoned)
    assert (bundled.return_window_days, changed.return_window_days) == (30, 60)
    assert changed.shipping_options[-1].name == NEW_OPTION["name"]
    assert changed.shipping_options[:-1] == bundled.shipping_options
    assert changed.warranty_months == bundled.warranty_months
    assert bad.return_window_days == 7 and bad.warranty_months != bundled.warranty_months


def test_policy_questions_ask_about_the_changed_facts(tmp_path):
    new, _ = write_policies(_run(tmp_path))
    questions = policy_questions(new, SupportloopConfig(), limit=40)
    assert len(questions) == 40
    for question, reference, markers in questions:
        assert question and markers and set(markers) <= set(CHANGED_MARKERS)
        assert all(marker in reference for marker in markers)


def test_demo_refuses_a_home_it_did_not_make(tmp_path):
    run = _run(tmp_path)
    run.home.mkdir()
    (run.home / "feedback.duckdb").write_text("someone's production data")
    with pytest.raises(SupportloopError, match="not made by the demo"):
        prepare_home(run, SupportloopConfig(home=str(tmp_path / "user")))
    assert (run.home / "feedback.duckdb").exists() and not (run.home / MARKER).exists()


def test_demo_environment_raises_limits_and_keeps_the_users_variables(tmp_path):
    env = demo_environment(DemoSettings(demo_home=tmp_path), {"SUPPORTLOOP__SERVE__TEMPERATURE": "0.2"})
    assert env["SUPPORTLOOP_HOME"] == str(tmp_path)
    assert env["SUPPORTLOOP__EVAL__CANARY_SHARE"] == "0.5"
    assert env["SUPPORTLOOP__SERVE__TEMPERATURE"] == "0.2"
    assert env["SUPPORTLOOP__SERVE__PORT"] != env["SUPPORTLOOP__SERVE__ENGINE_PORT"]


def test_the_poisoned_night_reads_only_the_feedback_since_the_poisoning_began():
    started = datetime.now(timezone.utc) - timedelta(minutes=5)
    env = poisoned_night(started, steps=100)
    window_s = float(env["SUPPORTLOOP__RETRAIN__FEEDBACK_WINDOW_DAYS"]) * 86400
    assert 300 < window_s < 305  # the 5 minutes of poisoning (and a second), nothing from before
    assert env["SUPPORTLOOP__RETRAIN__REPLAY_RATIO"] == "0" and env["SUPPORTLOOP__RETRAIN__MAX_STEPS"] == "100"
    config = load_config(None, env=env)
    assert config.retrain.feedback_window_days == pytest.approx(window_s / 86400)


def test_report_has_plots_tables_and_times(tmp_path):
    run = _run(tmp_path)
    run.home.mkdir()
    run.stages = [("start serving", 61.0), ("nightly", 300.0)]
    run.rounds = [{"label": "teach 1", "minute": 2.0, "ratings": {"base": [10, 100]}},
                  {"label": "canary 1", "minute": 9.0, "ratings": {"base": [12, 60], "v0001": [40, 60]}}]
    run.accuracy = {"before": {"model": "base", "correct": 0, "total": 40, "old_policy": 12, "question": "q",
                               "answer": "a"},
                    "after": {"model": "v0001", "correct": 30, "total": 40, "old_policy": 1, "question": "q",
                              "answer": "b"}}
    run.gates = [{"version": "v0001", "exit": 0, "verdict": "promote", "reasons": ["better"]}]
    run.monitor = [{"round": "canary 1", "action": "promote", "version": "v0001", "reason": "r",
                    "statistics": {}, "acted": True}]
    text = write_report(run).read_text()
    assert (run.home / "plots" / "satisfaction.png").stat().st_size > 0
    assert (run.home / "plots" / "accuracy.png").stat().st_size > 0
    assert "| canary 1 | 9.0 | 20% of 60 | 67% of 60 |" in text
    assert "30/40 (75%)" in text and "| v0001 | 0 | promote | better |" in text
    assert "| **total** | 361 |" in text
    assert "100 conversations a round; customers ask about every intent." in text
