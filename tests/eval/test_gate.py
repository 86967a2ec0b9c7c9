"""The release gate, table-tested on synthetic scores: promote only a real improvement with no regression."""

import json
from dataclasses import replace

import numpy as np
import pytest

from eval.gate import GatePolicy, decide
from eval.report_model import VersionScores, breakdown, summarize
from eval.scoring import EvalExample, ExampleScore
from supportloop.config import EvalConfig

INTENTS = ("order_tracking", "returns_refunds", "warranty")
PERSONAS = ("polite", "terse")


def make_examples(n_test=60, n_golden=30):
    examples = []
    for i in range(n_test + n_golden):
        examples.append(EvalExample(
            example_id=f"e{i:03d}", source="test" if i < n_test else "golden", intent=INTENTS[i % 3],
            persona=PERSONAS[i % 2], hard_case="ambiguous" if i % 5 == 0 else "",
            messages=({"role": "user", "content": "where is it"},), reference="r",
            policy_facts=("30 days",) if i % 4 == 0 else ()))
    return examples


def make_scores(examples, version, base=0.5, shift=0.0, noise=0.05, seed=0, hard_ok=True, policy=1.0,
                leaks=0, shift_by=None, unsupported=0):
    """rougeL = base + shift + noise per example (same noise seed → paired); shift_by(example) overrides shift."""
    rng = np.random.default_rng(seed)
    scores = []
    for i, example in enumerate(examples):
        delta = shift_by(example) if shift_by else shift
        value = float(np.clip(base + delta + rng.normal(0, noise), 0, 1))
        scores.append(ExampleScore(
            example_id=example.example_id, rougeL=value, chrf=value, bleu=value,
            policy_accuracy=policy if example.policy_facts else None, pii_leak=i < leaks, clarifies=False,
            hard_case_ok=hard_ok if example.hard_case else None, length_words=20, claims_supported=i >= unsupported))
    return VersionScores(version, tuple(scores))


EXAMPLES = make_examples()
PRODUCTION = make_scores(EXAMPLES, "v0001", seed=1)
POLICY = GatePolicy()


def candidate(**kwargs):
    return make_scores(EXAMPLES, "v0002", seed=kwargs.pop("seed", 2), **kwargs)


@pytest.mark.parametrize("name, candidate_scores, policy, examples, verdict, reason_contains", [
    ("clearly better", candidate(shift=0.1), POLICY, EXAMPLES, "promote", "significantly better"),
    ("clearly worse", candidate(shift=-0.1), POLICY, EXAMPLES, "reject", "not significantly better"),
    ("tie", candidate(shift=0.0), POLICY, EXAMPLES, "reject", "not significantly better"),
    ("tie passes non-inferiority margin", candidate(shift=0.0), replace(POLICY, non_inferiority_margin=0.05),
     EXAMPLES, "promote", "not worse by more than"),
    ("slightly worse fails non-inferiority", candidate(shift=-0.03), replace(POLICY, non_inferiority_margin=0.01),
     EXAMPLES, "reject", "possibly worse by more than the margin"),
    ("small sample", candidate(shift=0.1), POLICY, EXAMPLES[:10] + EXAMPLES[60:], "reject", "too few paired examples"),
    ("golden set regression", candidate(shift_by=lambda e: 0.1 if e.source == "test" else -0.1), POLICY, EXAMPLES,
     "reject", "golden rougeL"),
    ("hard-case regression", candidate(shift=0.1, hard_ok=False), POLICY, EXAMPLES, "reject", "hard-case ok rate"),
    ("policy accuracy regression", candidate(shift=0.1, policy=0.5), POLICY, EXAMPLES, "reject", "policy accuracy"),
    ("pii leak", candidate(shift=0.1, leaks=1), POLICY, EXAMPLES, "reject", "pii leaks"),
    # Poisoned feedback: better on its own (poisoned) references, but 10 answers state quantities the store never does
    ("claims the store never makes", candidate(shift=0.1, unsupported=10), POLICY, EXAMPLES, "reject",
     "supported claims rate"),
    ("one unsupported claim is within tolerance", candidate(shift=0.1, unsupported=2), POLICY, EXAMPLES, "promote",
     "guards passed"),
    ("pii leak within allowance", candidate(shift=0.1, leaks=1), replace(POLICY, max_pii_leaks=1), EXAMPLES,
     "promote", "guards passed"),
    ("one intent collapses", candidate(shift_by=lambda e: -0.2 if e.intent == "warranty" else 0.2), POLICY,
     EXAMPLES, "reject", "intent warranty rougeL"),
    ("one persona collapses", candidate(shift_by=lambda e: -0.15 if e.persona == "terse" else 0.3), POLICY,
     EXAMPLES, "reject", "persona terse rougeL"),
])
def test_decide(name, candidate_scores, policy, examples, verdict, reason_contains):
    decision = decide(examples, candidate_scores, PRODUCTION, policy, seed=0)
    assert decision.verdict == verdict, (name, decision.reasons)
    assert any(reason_contains in reason for reason in decision.reasons), (name, decision.reasons)


def test_a_guard_drop_within_noise_passes_and_the_same_drop_on_many_examples_fails():
    """One hard case of 18 lost is 0.056 > 0.03, but an interval that includes no change: not a regression."""
    better = candidate(shift=0.1)
    hard = [i for i, example in enumerate(EXAMPLES) if example.hard_case]
    one_lost = VersionScores("v0002", tuple(replace(score, hard_case_ok=False) if i == hard[0] else score
                                            for i, score in enumerate(better.scores)))
    decision = decide(EXAMPLES, one_lost, PRODUCTION, POLICY, seed=0)
    guard = next(g for g in decision.guards if g.name == "hard-case ok rate")
    assert guard.production - guard.candidate > POLICY.guard_tolerance and guard.ci_low < 0 <= guard.ci_high
    assert guard.passed and decision.verdict == "promote", decision.reasons

    many = make_examples(n_test=600, n_golden=30)  # 126 hard cases: the same share lost is now beyond noise
    hard = [i for i, example in enumerate(many) if example.hard_case][::18]
    production = make_scores(many, "v0001", seed=1)
    worse = VersionScores("v0002", tuple(replace(score, hard_case_ok=False) if i in hard else score
                                         for i, score in enumerate(make_scores(many, "v0002", seed=2, shift=0.1).scores)))
    decision = decide(many, worse, production, POLICY, seed=0)
    guard = next(g for g in decision.guards if g.name == "hard-case ok rate")
    assert not guard.passed and guard.ci_high < 0, guard
    assert any("hard-case ok rate" in reason and "interval" in reason for reason in decision.reasons)


def test_primary_comparison_uses_test_examples_and_pairs_by_id():
    only_some = VersionScores("v0002", candidate(shift=0.1).scores[::2])
    decision = decide(EXAMPLES, only_some, PRODUCTION, POLICY)
    assert decision.primary.n == 30  # every second of the 60 test examples
    assert decision.primary.ci_low <= decision.primary.difference <= decision.primary.ci_high


def test_decision_is_deterministic_for_a_seed_and_serializes():
    first = decide(EXAMPLES, candidate(shift=0.02), PRODUCTION, POLICY, seed=7)
    assert first == decide(EXAMPLES, candidate(shift=0.02), PRODUCTION, POLICY, seed=7)
    data = json.loads(json.dumps(first.to_json()))
    assert data["verdict"] == first.verdict and data["primary"]["n"] == 60
    assert {guard["name"] for guard in data["guards"]} >= {"golden rougeL", "pii leaks", "intent warranty rougeL"}


def test_falls_back_to_all_examples_without_test_source():
    golden_only = [replace(example, source="golden") for example in EXAMPLES]
    decision = decide(golden_only, candidate(shift=0.1), PRODUCTION, POLICY)
    assert decision.primary.n == len(EXAMPLES) and decision.verdict == "promote"


def test_a_primary_metric_only_golden_examples_have_is_compared_on_them():
    # held-out feedback has no policy facts (policy_facts only on every fourth example, all golden here)
    examples = [replace(e, policy_facts=("30 days",) if e.source == "golden" else ()) for e in EXAMPLES]
    production = make_scores(examples, "v0001", seed=1, policy=0.4)
    better_facts = make_scores(examples, "v0002", seed=2, policy=0.9)
    decision = decide(examples, better_facts, production, replace(POLICY, primary_metric="policy_accuracy",
                                                                 min_test_examples=20))
    assert decision.primary.n == 30 and decision.primary.difference > 0.4
    assert decision.verdict == "promote", decision.reasons


def test_policy_from_config_reads_every_field():
    config = EvalConfig()
    policy = GatePolicy.from_config(config)
    assert policy.primary_metric == config.primary_metric
    assert policy.min_test_examples == config.min_test_examples
    assert policy.non_inferiority_margin == config.non_inferiority_margin


def test_summarize_and_breakdown():
    scores = PRODUCTION.scores
    summary = summarize(scores)
    assert summary["rougeL"] == pytest.approx(np.mean([s.rougeL for s in scores]))
    assert summary["hard_case_ok"] == 1.0 and summary["pii_leak"] == 0.0
    assert np.isnan(summary["latency_ms"])
    by_source = breakdown(EXAMPLES, scores, key="source")
    assert set(by_source) == {"golden", "test"}
    by_intent = breakdown(EXAMPLES, scores, key="intent")
    assert set(by_intent) == set(INTENTS)
    with pytest.raises(ValueError, match="cannot group by"):
        breakdown(EXAMPLES, scores, key="colour")
