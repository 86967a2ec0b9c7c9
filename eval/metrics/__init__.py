"""Our own `evaluate` metric modules, loaded from this package by path so they work offline.

Hub metrics (`evaluate.load("rouge")`) download their scripts and fail without internet; these folders
each hold one module (`NAME/NAME.py`, an `evaluate.Metric` subclass) on top of rouge_score and sacrebleu.
Every module returns a per-example `scores` list next to its aggregate, because the gate compares
versions example by example.
"""

from __future__ import annotations

from pathlib import Path

METRICS_DIR = Path(__file__).resolve().parent
METRIC_NAMES = ("rouge_l", "chrf", "bleu")


class UnknownMetricError(ValueError):
    """A metric name that has no module folder here."""


def metric_path(name: str) -> Path:
    """The folder of metric `name`, the argument `evaluate.load` needs."""
    if name not in METRIC_NAMES:
        raise UnknownMetricError(f"unknown metric {name!r} (known: {', '.join(METRIC_NAMES)})")
    return METRICS_DIR / name


def load_metric(name: str):
    """Load one of our metrics with `evaluate.load` from its local folder (no network, results in memory)."""
    import evaluate  # heavy (pulls datasets): imported only when a metric is needed

    return evaluate.load(str(metric_path(name)), keep_in_memory=True)
