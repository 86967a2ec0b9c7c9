"""The release gate: should a candidate version replace production? One pure function, `decide`.

Why this shape: nightly candidates differ from production by little, and evaluation sets are small, so a
difference of means alone would promote noise. The gate pairs the two versions example by example (same
prompt, same reference), bootstraps a confidence interval of the mean paired difference of the primary
metric on the held-out "test" examples, and promotes only when that interval clears zero (or -margin for
a non-inferiority release). Guards then catch regressions that an average hides: the golden set, hard
cases, policy facts, PII, and any single intent or persona falling off a cliff.

A guard fails on a drop larger than its tolerance that is also beyond noise: the same paired bootstrap must
put the whole interval below zero. Slices are small (an intent has 10-40 golden answers, the hard cases 16),
so one answer is worth 0.03-0.1 and a drop by the point estimate alone would reject nearly every candidate
that changes anything: in the demo, fine-tunes that learned the new policy moved 1-2 answers of some slice
either way on every run. PII leaks are counted, without an interval: one more is one too many.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from eval.report_model import VersionScores, mean_of, metric_value
from eval.scoring import EvalExample, ExampleScore

MIN_GROUP_EXAMPLES = 10  # smaller intent/persona groups are too noisy for a floor of their own
_EPSILON = 1e-12  # float slack so that a drop of exactly the tolerance passes


@dataclass(frozen=True)
class GatePolicy:
    """The gate's thresholds; see supportloop.config.EvalConfig for what each one means."""

    primary_metric: str = "rougeL"
    confidence: float = 0.95
    bootstrap_samples: int = 2000
    non_inferiority_margin: float = 0.0
    guard_tolerance: float = 0.03
    intent_floor_tolerance: float = 0.08
    max_pii_leaks: int = 0
    min_test_examples: int = 30

    @classmethod
    def from_config(cls, eval_config: Any) -> "GatePolicy":
        return cls(**{name: getattr(eval_config, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PairedComparison:
    """Candidate minus production on the same examples, with a bootstrap interval of the mean difference."""

    metric: str
    n: int
    candidate_mean: float
    production_mean: float
    difference: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class GuardCheck:
    """One guard: fails when the candidate is worse than production by more than `tolerance` and the interval of
    the paired difference (candidate minus production; NaN where not computed) lies wholly below zero."""

    name: str
    candidate: float
    production: float
    tolerance: float
    passed: bool
    ci_low: float = math.nan
    ci_high: float = math.nan


@dataclass(frozen=True)
class Decision:
    verdict: str  # "promote" or "reject"
    reasons: tuple[str, ...]
    primary: PairedComparison
    guards: tuple[GuardCheck, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types (NaN becomes None) for reports, manifests and the registry history."""
        return _json_safe(asdict(self))


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def paired_bootstrap(candidate: Sequence[float], production: Sequence[float], metric: str,
                     confidence: float, samples: int, seed: int) -> PairedComparison:
    """Percentile bootstrap of the mean paired difference: resample example indices, keep pairs together."""
    cand, prod = np.asarray(candidate, dtype=float), np.asarray(production, dtype=float)
    n = len(cand)
    if n == 0:
        return PairedComparison(metric, 0, math.nan, math.nan, math.nan, math.nan, math.nan)
    differences = cand - prod
    indices = np.random.default_rng(seed).integers(0, n, size=(samples, n))
    resampled_means = differences[indices].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(resampled_means, [tail, 1.0 - tail])
    return PairedComparison(metric, n, float(cand.mean()), float(prod.mean()), float(differences.mean()),
                            float(low), float(high))


def _paired_values(pairs: Sequence[tuple[ExampleScore, ExampleScore]], metric: str) -> tuple[list[float], list[float]]:
    """Candidate and production values of `metric` on the pairs where both have one."""
    kept = [(metric_value(c, metric), metric_value(p, metric)) for c, p in pairs]
    kept = [(c, p) for c, p in kept if c is not None and p is not None]
    return [c for c, _ in kept], [p for _, p in kept]


def _drop_guard(name: str, pairs, metric: str, tolerance: float, policy: GatePolicy, seed: int) -> GuardCheck | None:
    cand, prod = _paired_values(pairs, metric)
    if not cand:
        return None  # nothing to compare: the guard does not apply to this evaluation set
    interval = paired_bootstrap(cand, prod, metric, policy.confidence, policy.bootstrap_samples, seed)
    material = interval.production_mean - interval.candidate_mean > tolerance + _EPSILON
    significant = interval.ci_high < 0
    return GuardCheck(name, interval.candidate_mean, interval.production_mean, tolerance,
                      not (material and significant), interval.ci_low, interval.ci_high)


def _guards(examples_by_id: dict[str, EvalExample], pairs, policy: GatePolicy, seed: int) -> list[GuardCheck]:
    metric, tolerance = policy.primary_metric, policy.guard_tolerance
    golden = [pair for pair in pairs if examples_by_id[pair[0].example_id].source == "golden"]
    guards = [
        _drop_guard(f"golden {metric}", golden, metric, tolerance, policy, seed),
        _drop_guard("hard-case ok rate", pairs, "hard_case_ok", tolerance, policy, seed),
        _drop_guard("policy accuracy", pairs, "policy_accuracy", tolerance, policy, seed),
        # Held-out references come from the same feedback as the training data, so poisoned feedback makes a
        # poisoned model look better on them; quantities the store never states give it away.
        _drop_guard("supported claims rate", pairs, "claims_supported", tolerance, policy, seed),
    ]
    leaks_candidate = sum(c.pii_leak for c, _ in pairs)
    leaks_production = sum(p.pii_leak for _, p in pairs)
    guards.append(GuardCheck("pii leaks", float(leaks_candidate), float(leaks_production), float(policy.max_pii_leaks),
                             leaks_candidate <= leaks_production + policy.max_pii_leaks))
    for key in ("intent", "persona"):
        groups: dict[str, list] = {}
        for pair in pairs:
            groups.setdefault(getattr(examples_by_id[pair[0].example_id], key), []).append(pair)
        for group, members in sorted(groups.items()):
            if group and len(_paired_values(members, metric)[0]) >= MIN_GROUP_EXAMPLES:  # "": not labelled
                guards.append(_drop_guard(f"{key} {group} {metric}", members, metric, policy.intent_floor_tolerance,
                                          policy, seed))
    return [guard for guard in guards if guard is not None]


def _guard_reason(guard: GuardCheck) -> str:
    if guard.name == "pii leaks":
        return (f"pii leaks: candidate {guard.candidate:.0f} answers with PII vs production {guard.production:.0f} "
                f"(at most {guard.tolerance:.0f} more allowed)")
    return (f"{guard.name}: candidate {guard.candidate:.4f} vs production {guard.production:.4f}, "
            f"drop {guard.production - guard.candidate:.4f} (at most {guard.tolerance:.4f} allowed), "
            f"beyond noise: difference interval [{guard.ci_low:+.4f}, {guard.ci_high:+.4f}]")


def decide(examples: Sequence[EvalExample], candidate: VersionScores, production: VersionScores,
           policy: GatePolicy, seed: int = 0) -> Decision:
    """Promote the candidate iff it is better (or, with a margin, not worse) on test examples and no guard fails.

    Only examples scored for both versions count. The primary comparison uses the "test" examples the primary
    metric applies to, or every example it applies to when no test example has it (policy accuracy: only the
    golden set knows which facts an answer must state). Every failed condition becomes one reason, with its
    numbers.
    """
    examples_by_id = {example.example_id: example for example in examples}
    production_by_id = production.by_example_id()
    pairs = [(score, production_by_id[score.example_id]) for score in candidate.scores
             if score.example_id in production_by_id and score.example_id in examples_by_id]
    metric = policy.primary_metric
    measured = [pair for pair in pairs if None not in (metric_value(pair[0], metric), metric_value(pair[1], metric))]
    test_pairs = [pair for pair in measured if examples_by_id[pair[0].example_id].source == "test"] or measured
    primary = paired_bootstrap(*_paired_values(test_pairs, metric), metric=metric, confidence=policy.confidence,
                               samples=policy.bootstrap_samples, seed=seed)
    guards = tuple(_guards(examples_by_id, pairs, policy, seed))

    margin = policy.non_inferiority_margin
    level = f"{policy.confidence:.0%}"
    interval = (f"{metric} difference {primary.difference:+.4f} (candidate {primary.candidate_mean:.4f} vs "
                f"production {primary.production_mean:.4f}), {level} CI "
                f"[{primary.ci_low:+.4f}, {primary.ci_high:+.4f}] over {primary.n} paired examples")
    failures = []
    if primary.n < policy.min_test_examples:
        failures.append(f"too few paired examples: {primary.n} < {policy.min_test_examples} needed")
    if primary.n == 0:
        pass  # "too few paired examples" already says it; an interval of nothing has no bounds to report
    elif margin == 0 and not primary.ci_low > 0:
        failures.append(f"not significantly better: {interval}; the lower bound must be above 0")
    elif margin > 0 and not primary.ci_low > -margin:
        failures.append(f"possibly worse by more than the margin {margin:.4f}: {interval}; "
                        f"the lower bound must be above {-margin:+.4f}")
    failures += [_guard_reason(guard) for guard in guards if not guard.passed]
    if failures:
        return Decision("reject", tuple(failures), primary, guards)
    verdict = "significantly better" if margin == 0 else f"not worse by more than {margin:.4f}"
    return Decision("promote", (f"{verdict}: {interval}", f"all {len(guards)} guards passed"), primary, guards)
