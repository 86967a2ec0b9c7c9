"""`supportloop simulate` against a real app (real vLLM engine, chat, console, REST API, feedback store).

The simulator runs as its own process, as a user would run it; what it reports must be what the feedback
store recorded: customer thumbs, agent ratings and corrections, answers per version.
"""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from corpus.policy import DEFAULT_POLICY_PATH
from feedback.reader import open_reader
from feedback.records import ReviewFilter

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


def simulate(app, config, tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    report_file = tmp_path / f"report-{time.monotonic_ns()}.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run([sys.executable, "-m", "supportloop.cli", "--home", config.home, "simulate", "--url", app.url,
                           "--report-json", str(report_file), *args],
                          capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, json.loads(report_file.read_text())


def stored_feedback(config) -> dict:
    """Everything the store holds, counted the way the report counts it."""
    counts = Counter()
    with open_reader(Path(config.home) / "feedback.duckdb", ingest_first=True) as store:
        agents = {a.id: a.name for a in store.agents()}
        for item in store.review_queue(ReviewFilter(), limit=10_000):
            for turn in store.conversation_turns(item.conversation_id):
                if turn.turn.role != "assistant":
                    continue
                counts["answers"] += 1
                counts[f"version {turn.turn.version}"] += 1
                for rating in turn.ratings:
                    if rating.rater_kind == "customer":
                        counts["thumbs_up" if rating.thumbs else "thumbs_down"] += 1
                    else:
                        counts[f"stars by {agents[rating.rater_id]}"] += 1
                        counts[f"{rating.stars} stars"] += 1
                counts["corrections"] += len(turn.corrections)
                counts.update(f"correction: {c.text}" for c in turn.corrections)
    return counts


def test_the_report_matches_what_the_feedback_store_recorded(full_app, tmp_path):
    app, config = full_app
    done, report = simulate(app, config, tmp_path, "--conversations", "12", "--concurrency", "4",
                            "--thumbs-noise", "0.2", "--seed", "3")
    print(done.stdout)
    assert "agent ratings stored" in done.stdout and "answers received" in done.stdout
    assert report["conversations"] == 12 and report["failures"] == {} and report["unmatched_conversations"] == 0
    assert set(report["by_kind"]) >= {"ambiguous", "back_reference", "impossible", "multi_turn", "single_turn",
                                      "unconventional", "wrong_claim"}
    assert report["answers"] == report["turns_sent"] > 12  # multi-turn conversations replayed turn by turn

    stored = stored_feedback(config)
    assert stored["answers"] == report["answers"]
    assert (stored["thumbs_up"], stored["thumbs_down"]) == (report["thumbs_up"], report["thumbs_down"])
    assert stored["stars by simulator"] == report["agent_ratings"] == report["answers"]
    assert {s: stored[f"{s} stars"] for s in range(1, 6) if stored[f"{s} stars"]} == \
        {int(s): n for s, n in report["stars"].items()}
    assert stored["corrections"] == report["corrections"] > 0
    assert [v["version"] for v in report["per_version"]] == ["base"] and stored["version base"] == report["answers"]


def test_agents_correct_answers_against_a_changed_policy(full_app, tmp_path):
    app, config = full_app
    policy = tmp_path / "policy-60-days.toml"
    policy.write_text(DEFAULT_POLICY_PATH.read_text().replace("return_window_days = 30", "return_window_days = 60"))
    before = stored_feedback(config)
    # traffic about what the change touches (as the learning demo sends): 16 conversations carry the new window
    done, report = simulate(app, config, tmp_path, "--conversations", "16", "--concurrency", "8", "--seed", "5",
                            "--intents", "returns_refunds,shipping_delivery", "--policy", str(policy))
    print(done.stdout)
    after = stored_feedback(config)
    new = [key.removeprefix("correction: ") for key in (after - before) if key.startswith("correction: ")]
    assert after["corrections"] - before["corrections"] == report["corrections"]
    assert any("60 days" in text for text in new), "no correction teaches the new return window"
    assert not any("30 days of delivery" in text for text in new)
