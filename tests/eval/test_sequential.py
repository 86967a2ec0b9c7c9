"""The canary monitor's sequential test: right verdicts on simulated rating streams, and an error rate
that stays below alpha although the monitor looks after every batch (a peeked z-test does not)."""

import numpy as np
import pytest
from scipy.stats import norm

from eval.sequential import RatingCounts, compare_rates, monitor_decision

ALPHA = 0.05
BATCHES = 100
CANARY_PER_BATCH = 10      # canary_share 0.2: four production ratings per canary rating
PRODUCTION_PER_BATCH = 40


def simulate_streams(p_canary, p_production, streams, seed):
    """Cumulative (good, total) counts after each batch, shape (streams, BATCHES)."""
    rng = np.random.default_rng(seed)
    good_c = rng.binomial(CANARY_PER_BATCH, p_canary, size=(streams, BATCHES)).cumsum(axis=1)
    good_p = rng.binomial(PRODUCTION_PER_BATCH, p_production, size=(streams, BATCHES)).cumsum(axis=1)
    n_c = np.broadcast_to(CANARY_PER_BATCH * np.arange(1, BATCHES + 1), good_c.shape)
    n_p = np.broadcast_to(PRODUCTION_PER_BATCH * np.arange(1, BATCHES + 1), good_p.shape)
    return good_c, n_c, good_p, n_p


def msprt_false_rollback_rate(streams=2000, seed=0):
    result = compare_rates(*simulate_streams(0.7, 0.7, streams, seed), alpha=ALPHA)
    return float((result.ci_high < 0).any(axis=1).mean())


def naive_false_rollback_rate(streams=2000, seed=0):
    """A fixed-horizon 95% z-interval re-computed after every batch: what a daily dashboard does."""
    good_c, n_c, good_p, n_p = simulate_streams(0.7, 0.7, streams, seed)
    p_c, p_p = good_c / n_c, good_p / n_p
    se = np.sqrt(p_c * (1 - p_c) / n_c + p_p * (1 - p_p) / n_p)
    upper = p_c - p_p + norm.ppf(1 - ALPHA / 2) * se
    return float((upper < 0).any(axis=1).mean())


def first_verdict(counts_over_time, min_ratings=100, margin=0.05):
    for canary, production in counts_over_time:
        verdict = monitor_decision(canary, production, ALPHA, min_ratings, margin)
        if verdict.verdict != "wait":
            return verdict
    return verdict


@pytest.mark.parametrize("p_canary, p_production, expected", [
    (0.55, 0.75, "rollback"),
    (0.80, 0.70, "promote"),
    (0.40, 0.80, "rollback"),
    (0.90, 0.90, "promote"),  # equal and high: not worse by more than the margin, eventually
])
def test_monitor_reaches_the_right_verdict_on_a_stream(p_canary, p_production, expected):
    for seed in range(5):
        good_c, n_c, good_p, n_p = (x[0] for x in simulate_streams(p_canary, p_production, 1, seed))
        looks = [(RatingCounts(int(good_c[i]), int(n_c[i])), RatingCounts(int(good_p[i]), int(n_p[i])))
                 for i in range(BATCHES)]
        assert first_verdict(looks).verdict == expected


def test_msprt_false_rollback_rate_stays_below_alpha_when_checked_after_every_batch():
    rate = msprt_false_rollback_rate()
    assert rate <= ALPHA, rate


def test_naive_z_test_peeked_after_every_batch_exceeds_alpha_on_the_same_streams():
    naive = naive_false_rollback_rate()
    # One-sided error of a two-sided 95% interval is 2.5% at a single look; peeking inflates it well past 5%.
    assert naive > ALPHA, naive
    assert naive > 2 * msprt_false_rollback_rate()


@pytest.mark.parametrize("canary, production, min_ratings, margin, expected", [
    ((0, 0), (0, 0), 100, 0.05, "wait"),             # no data
    ((5, 10), (700, 1000), 100, 0.05, "wait"),       # too little canary data to say anything
    ((60, 100), (750, 1000), 100, 0.05, "wait"),     # looks worse but not yet significant
    ((550, 1000), (7500, 10000), 100, 0.05, "rollback"),
    ((800, 1000), (7000, 10000), 100, 0.05, "promote"),
    ((800, 1000), (7000, 10000), 2000, 0.05, "wait"),  # better, but below min_ratings
    ((700, 1000), (7000, 10000), 100, 0.0, "wait"),    # equal with margin 0: never promoted
    ((700, 1000), (7000, 10000), 100, 0.1, "promote"),
])
def test_monitor_decision_table(canary, production, min_ratings, margin, expected):
    verdict = monitor_decision(canary, production, ALPHA, min_ratings, margin)
    assert verdict.verdict == expected, verdict.reason
    assert verdict.statistics["ci_low"] <= verdict.statistics["difference"] <= verdict.statistics["ci_high"]


def test_compare_rates_interval_narrows_with_data_and_contains_the_truth():
    small = compare_rates(70, 100, 70, 100, ALPHA)
    large = compare_rates(7000, 10000, 7000, 10000, ALPHA)
    assert small.ci_low < large.ci_low <= 0 <= large.ci_high < small.ci_high
    assert small.always_valid_p == pytest.approx(1.0)
    assert compare_rates(900, 1000, 100, 1000, ALPHA).always_valid_p < 1e-6
    assert compare_rates(0, 0, 3, 4, ALPHA).ci_low == -1.0


def test_compare_rates_is_wider_than_the_fixed_horizon_interval():
    """The price of peeking freely: an always-valid interval is wider than the one-look z-interval."""
    result = compare_rates(700, 1000, 680, 1000, ALPHA)
    z_half_width = norm.ppf(0.975) * np.sqrt(0.7 * 0.3 / 1000 + 0.68 * 0.32 / 1000)
    assert result.ci_high - result.ci_low > 2 * z_half_width


def test_false_alarm_rates_report(capsys):
    """Prints the measured rates (pytest -s shows them); asserts nothing beyond the tests above."""
    print(f"false rollback rate over {BATCHES} looks: mSPRT {msprt_false_rollback_rate():.4f}, "
          f"naive z-test {naive_false_rollback_rate():.4f}")
