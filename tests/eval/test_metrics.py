"""Our local `evaluate` metric modules: they load offline by path and score like their libraries."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.metrics import METRIC_NAMES, UnknownMetricError, load_metric, metric_path

REPO = Path(__file__).resolve().parents[2]
PREDICTIONS = ["You can return items within 30 days of delivery.", "Express shipping costs $12.99.", "hello"]
REFERENCES = ["You can return items within 30 days of delivery.", "Standard shipping costs $4.99.", "goodbye"]


@pytest.mark.parametrize("name, aggregate_key", [("rouge_l", "rougeL"), ("chrf", "chrf"), ("bleu", "bleu")])
def test_metric_returns_per_example_scores_in_0_1(name, aggregate_key):
    result = load_metric(name).compute(predictions=PREDICTIONS, references=REFERENCES)
    scores = result["scores"]
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] == pytest.approx(1.0)          # identical answer
    assert scores[0] > scores[1] > scores[2]        # partial overlap beats none
    assert 0.0 <= result[aggregate_key] <= 1.0


def test_one_import_per_line_in_metric_modules():
    for name in METRIC_NAMES:
        for line in (metric_path(name) / f"{name}.py").read_text().splitlines():
            if line.startswith(("import ", "from ")):
                assert "," not in line, f"{name}.py: {line!r} (evaluate's import scanner misreads it)"


def test_unknown_metric_is_a_clear_error():
    with pytest.raises(UnknownMetricError, match="known: rouge_l"):
        load_metric("rouge")


def test_metrics_load_with_the_hub_offline():
    """A fresh interpreter with both offline switches set before evaluate is imported."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_EVALUATE_OFFLINE="1")
    code = ("from eval.metrics import load_metric\n"
            "for name in ('rouge_l', 'chrf', 'bleu'):\n"
            "    result = load_metric(name).compute(predictions=['a b c'], references=['a b c'])\n"
            "    print(name, [round(s, 6) for s in result['scores']])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("[1.0]") == 3, done.stdout
