"""The whole loop, end to end, at a small size: the learning demo's scenario as a test.

A small base model is built (as `supportloop base build` does), served through vLLM and the Gradio app;
simulated customers and agents (through the app's chat, console and REST API) teach it a policy change;
`supportloop nightly` trains, evaluates, gates and canaries; the monitor promotes on live ratings; then a
candidate trained on poisoned feedback must be rejected by the gate, and the same version, forced into a
canary, must be rolled back by the monitor. Every rating the app acknowledged must be in the store.

Marked `e2e` (and `slow`); it runs in CI, first: about 10 minutes on 2 cores (650 s in CI, whose whole run took
18.0 minutes with it). `-m "not e2e"` skips it locally.
"""

import os

import pytest

from eval.registry import read_evaluation
from simulator.demo import POLICY_INTENTS, DemoSettings, demo_environment, play_demo
from supportloop.config import load_config

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(1800)]

# The default architecture at two thirds of the width, built in under two minutes: it states about 0.65 of the
# golden set's policy facts, as the default model did before its training schedule was improved.
SMALL_BASE_MODEL = {
    "SUPPORTLOOP__BUILTIN_MODEL__VOCAB_SIZE": "2048", "SUPPORTLOOP__BUILTIN_MODEL__HIDDEN_SIZE": "128",
    "SUPPORTLOOP__BUILTIN_MODEL__NUM_HEADS": "4", "SUPPORTLOOP__BUILTIN_MODEL__NUM_KV_HEADS": "2",
    "SUPPORTLOOP__BUILTIN_MODEL__INTERMEDIATE_SIZE": "384", "SUPPORTLOOP__BUILTIN_MODEL__TRAIN_STEPS": "600",
}
CLEAR_MARGIN = 0.25  # policy-question accuracy must rise by at least this share of the questions


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    user_home = tmp_path_factory.mktemp("user-home")
    variables = {**SMALL_BASE_MODEL, "SUPPORTLOOP_HOME": str(user_home)}
    config = load_config(None, env=variables)
    # A smaller demo: 50 conversations a round, all of them about returns and shipping (what the policy change
    # touches). With 120 conversations of all intents this model learned too few of the new facts (+0.027
    # [-0.033, +0.092] on 120 golden conversations: the gate rightly rejected it); with teach rounds about
    # returns and shipping it learned them (+0.084 [+0.031, +0.140] on 200), but canary rounds of all intents
    # rated it as base (25.0 % vs 24.2 % after three rounds), too close for the monitor to promote.
    settings = DemoSettings(demo_home=tmp_path_factory.mktemp("demo-home"), conversations=50, teach_rounds=2,
                            train_steps=120, policy_questions=24, max_monitor_rounds=3,
                            intents=POLICY_INTENTS)
    env = demo_environment(settings, {**os.environ, **variables})
    return play_demo(settings, config, env)


def test_the_bot_learns_the_policy_change(demo_run):
    before, after = demo_run.accuracy["before"], demo_run.accuracy["after"]
    assert before["model"] == "base" and after["model"] != "base", demo_run.checks
    assert after["correct"] - before["correct"] >= CLEAR_MARGIN * after["total"], (before, after)


def test_the_released_candidate_regressed_nowhere_beyond_the_gate(demo_run):
    released = demo_run.gates[0]
    assert released["exit"] == 0 and released["verdict"] == "promote", released
    guards = read_evaluation(demo_run.home / "registry", released["version"])["decision"]["guards"]
    assert len(guards) > 5 and all(guard["passed"] for guard in guards), guards


def test_the_poisoned_candidate_is_rejected_and_rolled_back_when_forced(demo_run):
    poisoned = demo_run.gates[1]
    assert poisoned["exit"] == 4 and poisoned["verdict"] == "reject", poisoned
    actions = [(entry["action"], entry["version"]) for entry in demo_run.monitor if entry["acted"]]
    assert ("rollback", poisoned["version"]) in actions, demo_run.monitor


def test_no_acknowledged_rating_or_correction_is_lost(demo_run):
    kept = [(claim, held) for claim, held in demo_run.checks if "acknowledged" in claim]
    assert len(kept) == 2 and all(held for _, held in kept), kept


def test_every_step_of_the_story_held_and_the_report_is_written(demo_run):
    assert demo_run.succeeded, [claim for claim, held in demo_run.checks if not held]
    report = (demo_run.home / "demo-report.md").read_text()
    assert "policy" in report and list((demo_run.home / "plots").glob("*.png"))
