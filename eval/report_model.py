"""The data of an evaluation report: scores per version, their means, and means per group.

Data only, no rendering: the report writer and the dashboard turn these into Markdown and plots. Means
skip examples where a metric does not apply (None), so "policy_accuracy" is the mean over examples that
have policy facts and "hard_case_ok" the share of hard cases handled well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from eval.scoring import EvalExample, ExampleScore

# Per-example fields that are averaged; booleans average to rates.
SUMMARY_METRICS = ("rougeL", "chrf", "bleu", "policy_accuracy", "hard_case_ok", "pii_leak", "clarifies",
                   "claims_supported", "length_words", "latency_ms", "perplexity")
GROUP_KEYS = ("intent", "persona", "source", "hard_case")


@dataclass(frozen=True)
class VersionScores:
    """Every example score of one model version ("v0003", "base", ...) on one evaluation set."""

    version: str
    scores: tuple[ExampleScore, ...]

    def by_example_id(self) -> dict[str, ExampleScore]:
        return {score.example_id: score for score in self.scores}


def metric_value(score: ExampleScore, metric: str) -> float | None:
    """One metric of one example as a float (booleans as 0/1), None where it does not apply."""
    value = getattr(score, metric)
    return None if value is None else float(value)


def mean_of(values: Sequence[float | None]) -> float:
    """Mean of the values that apply; NaN when none does (shown as "n/a", never mistaken for 0)."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else math.nan


def summarize(scores: Sequence[ExampleScore]) -> dict[str, float]:
    """Mean of every summary metric over these scores (NaN for a metric no example has)."""
    return {metric: mean_of([metric_value(score, metric) for score in scores]) for metric in SUMMARY_METRICS}


def breakdown(examples: Sequence[EvalExample], scores: Sequence[ExampleScore],
              key: str = "intent") -> dict[str, dict[str, float]]:
    """`summarize` per group of examples ("intent", "persona", "source" or "hard_case"), groups sorted.

    Scores are matched to examples by example_id; scores of unknown examples are ignored.
    """
    if key not in GROUP_KEYS:
        raise ValueError(f"cannot group by {key!r} (known: {', '.join(GROUP_KEYS)})")
    group_of = {example.example_id: getattr(example, key) for example in examples}
    groups: dict[str, list[ExampleScore]] = {}
    for score in scores:
        if score.example_id in group_of:
            groups.setdefault(group_of[score.example_id], []).append(score)
    return {group: summarize(members) for group, members in sorted(groups.items())}
