"""Statistics of the live canary monitor: is the canary's satisfaction rate worse than production's?

Why sequential: the monitor looks at the ratings every few minutes and acts as soon as it is sure. A
fixed-horizon test (z-test at 95%) re-run at every look is wrong far more often than 5% of the time,
because each look is another chance for noise to cross the line (tests/eval/test_sequential.py measures
it). The mixture sequential probability ratio test (mSPRT) of Johari, Pekelis & Walsh, "Always Valid
Inference: Continuous Monitoring of A/B Tests" (2017/2022), gives p-values and confidence sequences that
hold at every look at once, however often and whenever the monitor stops.

The statistic, for theta = p_a - p_b with the estimate D = good_a/n_a - good_b/n_b, its variance
V = pa(1-pa)/n_a + pb(1-pb)/n_b estimated from the data, and a normal mixture N(0, tau^2) over the
effect:

    Lambda(theta0) = sqrt(V / (V + tau^2)) * exp( tau^2 (D - theta0)^2 / (2 V (V + tau^2)) )

(with n ratings per arm and V = 2 sigma^2 / n this is the paper's two-sample formula). Lambda(theta0) is
a martingale under theta = theta0, so by Ville's inequality P(ever Lambda >= 1/alpha) <= alpha. Hence:
  always-valid p-value for theta = 0:   p = min(1, 1 / Lambda(0))
  confidence sequence (1 - alpha):      { theta : Lambda(theta) < 1/alpha }, which is D -+ r with
      r = sqrt( 2 V (V + tau^2) / tau^2 * ( log(1/alpha) + 0.5 log((V + tau^2) / V) ) ).
Estimating V from the data makes the guarantee asymptotic (as in the paper's Bernoulli case); the
proportions inside V are Laplace-smoothed ((good + 1) / (n + 2)) so that early all-good or all-bad
streaks do not produce a zero variance and a spurious certainty. Running-minimum p-values and
intersections of past intervals are also valid; the monitor acts on the current ones, which is valid
because any decision it takes is an "ever crossed" event.

tau is the scale of effects the test is tuned to detect fastest; 0.1 (ten points of satisfaction) suits
a canary whose rate differs from production's by a few to a few tens of points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

DEFAULT_TAU = 0.1


class RatingCounts(NamedTuple):
    """Satisfied ratings (thumbs up, or 4-5 stars) out of all ratings of one version."""

    good: int
    total: int


@dataclass(frozen=True)
class SequentialResult:
    """p_a - p_b with an always-valid confidence sequence and p-value (arrays when the inputs are arrays)."""

    difference: Any
    ci_low: Any
    ci_high: Any
    always_valid_p: Any


@dataclass(frozen=True)
class MonitorVerdict:
    verdict: str  # "promote", "rollback" or "wait"
    reason: str
    statistics: dict[str, float]


def compare_rates(good_a, n_a, good_b, n_b, alpha: float, tau: float = DEFAULT_TAU) -> SequentialResult:
    """The mSPRT confidence sequence and p-value for p_a - p_b (see the module doc for the formula).

    Accepts numbers or numpy arrays of the same shape (the tests check thousands of looks at once). With
    no ratings on one side nothing is known: the interval is [-1, 1] and p is 1.
    """
    good_a, n_a, good_b, n_b = (np.asarray(x, dtype=float) for x in (good_a, n_a, good_b, n_b))
    has_data = (n_a > 0) & (n_b > 0)
    safe_a, safe_b = np.where(n_a > 0, n_a, 1.0), np.where(n_b > 0, n_b, 1.0)
    difference = np.where(has_data, good_a / safe_a - good_b / safe_b, 0.0)
    smooth_a, smooth_b = (good_a + 1) / (safe_a + 2), (good_b + 1) / (safe_b + 2)
    variance = smooth_a * (1 - smooth_a) / safe_a + smooth_b * (1 - smooth_b) / safe_b
    tau2 = tau * tau
    log_shrink = 0.5 * np.log((variance + tau2) / variance)
    log_lambda_zero = -log_shrink + tau2 * difference ** 2 / (2 * variance * (variance + tau2))
    p_value = np.where(has_data, np.minimum(1.0, np.exp(-log_lambda_zero)), 1.0)
    radius = np.sqrt(2 * variance * (variance + tau2) / tau2 * (np.log(1 / alpha) + log_shrink))
    low = np.where(has_data, np.maximum(-1.0, difference - radius), -1.0)
    high = np.where(has_data, np.minimum(1.0, difference + radius), 1.0)
    return SequentialResult(difference[()], low[()], high[()], p_value[()])


def monitor_decision(canary_counts: RatingCounts | tuple[int, int], production_counts: RatingCounts | tuple[int, int],
                     alpha: float, min_ratings: int, margin: float, tau: float = DEFAULT_TAU) -> MonitorVerdict:
    """What the monitor should do now with the canary, from cumulative satisfied/total ratings of each side.

    rollback: the confidence sequence of p_canary - p_production lies below 0 (significantly worse).
    promote:  the canary has at least `min_ratings` ratings and the lower bound is above -margin
              (significantly not worse by more than `margin`).
    wait:     otherwise.
    Rollback is checked first and needs no minimum: a clearly bad canary should leave as soon as it can.
    """
    canary, production = RatingCounts(*canary_counts), RatingCounts(*production_counts)
    result = compare_rates(canary.good, canary.total, production.good, production.total, alpha, tau)
    statistics = {
        "canary_rate": canary.good / canary.total if canary.total else float("nan"),
        "production_rate": production.good / production.total if production.total else float("nan"),
        "canary_ratings": float(canary.total), "production_ratings": float(production.total),
        "difference": float(result.difference), "ci_low": float(result.ci_low), "ci_high": float(result.ci_high),
        "always_valid_p": float(result.always_valid_p), "alpha": alpha, "margin": margin,
    }
    interval = (f"satisfaction {statistics['canary_rate']:.3f} ({canary.total} ratings) vs production "
                f"{statistics['production_rate']:.3f} ({production.total}); difference {result.difference:+.3f}, "
                f"{1 - alpha:.0%} always-valid CI [{result.ci_low:+.3f}, {result.ci_high:+.3f}]")
    if result.ci_high < 0:
        return MonitorVerdict("rollback", f"canary significantly worse: {interval}", statistics)
    if canary.total >= min_ratings and result.ci_low > -margin:
        return MonitorVerdict("promote", f"canary not worse by more than {margin:.3f}: {interval}", statistics)
    if canary.total < min_ratings:
        return MonitorVerdict("wait", f"{canary.total} of {min_ratings} canary ratings needed: {interval}", statistics)
    return MonitorVerdict("wait", f"not yet conclusive: {interval}", statistics)
