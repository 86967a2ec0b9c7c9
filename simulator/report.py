"""What a simulation sent and what came back: `SimulationReport`, built from the run's results, and its table.

Pure: run.py hands in the customers' results and the agent's outcome.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import fmean

UNKNOWN_VERSION = "(unknown)"  # answers the agent could not find in the console


@dataclass(frozen=True)
class VersionScore:
    version: str
    answers: int
    mean_score: float
    mean_rouge_l: float
    facts_stated: float | None  # share of policy-fact markers the answers stated (None: no facts asked)
    thumbs_up: int
    thumbs_down: int


@dataclass
class SimulationReport:
    conversations: int  # planned
    conversations_completed: int  # every message answered
    turns_sent: int  # customer messages sent
    answers: int
    failures: dict[str, int]
    failure_examples: dict[str, str]
    rate_limited_waits: int
    thumbs_up: int
    thumbs_down: int
    agent_ratings: int
    corrections: int
    stars: dict[int, int]
    unmatched_conversations: int  # answered conversations the agent did not find in the console
    per_version: list[VersionScore] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)  # planned conversations per kind (hard case, multi-turn)
    customers_s: float = 0.0
    wall_s: float = 0.0

    @property
    def answers_per_s(self) -> float:
        return self.answers / self.customers_s if self.customers_s > 0 else 0.0


def build_report(results, outcome, *, customers_s: float, wall_s: float) -> SimulationReport:
    failures = Counter(kind for r in results for kind, _ in r.failures)
    failures.update(kind for kind, _ in outcome.failures)
    examples: dict[str, str] = {}
    for kind, message in [f for r in results for f in r.failures] + outcome.failures:
        examples.setdefault(kind, message)
    if outcome.unmatched:
        failures["not_found_by_agent"] += outcome.unmatched
    turns = [(r, t) for r in results for t in r.turns]
    reviews = outcome.reviews
    stars = Counter(rv.stars for rv in reviews.values() if rv.stars is not None)
    return SimulationReport(
        conversations=len(results),
        conversations_completed=sum(1 for r in results if len(r.turns) == len(r.planned.exchanges)),
        turns_sent=sum(r.sent for r in results),
        answers=len(turns),
        failures=dict(sorted(failures.items())),
        failure_examples=examples,
        rate_limited_waits=sum(r.rate_limited_waits for r in results),
        thumbs_up=sum(1 for _, t in turns if t.thumbs is True),
        thumbs_down=sum(1 for _, t in turns if t.thumbs is False),
        agent_ratings=sum(stars.values()),
        corrections=sum(1 for rv in reviews.values() if rv.corrected),
        stars=dict(sorted(stars.items())),
        unmatched_conversations=outcome.unmatched,
        per_version=_per_version(turns, reviews),
        by_kind=dict(sorted(Counter(r.planned.kind for r in results).items())),
        customers_s=round(customers_s, 2),
        wall_s=round(wall_s, 2),
    )


def _per_version(turns, reviews) -> list[VersionScore]:
    groups: dict[str, list] = {}
    for result, turn in turns:
        review = reviews.get((result.planned.key, turn.exchange_index))
        groups.setdefault(review.version if review and review.version else UNKNOWN_VERSION, []).append(turn)
    scores = []
    for version, items in sorted(groups.items()):
        facts = [t.judgement.facts_stated for t in items if t.judgement.facts_stated is not None]
        scores.append(VersionScore(version, len(items), round(fmean(t.judgement.score for t in items), 4),
                                   round(fmean(t.judgement.rouge_l for t in items), 4),
                                   round(fmean(facts), 4) if facts else None,
                                   sum(1 for t in items if t.thumbs is True), sum(1 for t in items if t.thumbs is False)))
    return scores


def format_report(report: SimulationReport, url: str, policy_label: str) -> str:
    lines = [f"simulation against {url} (reference answers from {policy_label})", ""]
    rows = [
        ("conversations", f"{report.conversations} planned, {report.conversations_completed} completed"),
        ("kinds", ", ".join(f"{k} {v}" for k, v in report.by_kind.items())),
        ("customer messages sent", report.turns_sent),
        ("answers received", report.answers),
        ("customer thumbs", f"{report.thumbs_up} up, {report.thumbs_down} down"),
        ("agent ratings stored", f"{report.agent_ratings} ({_stars(report.stars)})"),
        ("agent corrections stored", report.corrections),
        ("failures", ", ".join(f"{k} {v}" for k, v in report.failures.items()) or "none"),
        ("rate-limit waits", report.rate_limited_waits),
        ("time", f"{report.wall_s:.1f} s in all, customers {report.customers_s:.1f} s "
                 f"({report.answers_per_s:.2f} answers/s)"),
    ]
    width = max(len(name) for name, _ in rows)
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    lines += ["", f"{'version':<12} {'answers':>8} {'score':>7} {'ROUGE-L':>8} {'facts':>7} {'👍':>5} {'👎':>5}"]
    for v in report.per_version:
        facts = f"{v.facts_stated:.1%}" if v.facts_stated is not None else "-"
        lines.append(f"{v.version:<12} {v.answers:>8} {v.mean_score:>7.3f} {v.mean_rouge_l:>8.3f} {facts:>7} "
                     f"{v.thumbs_up:>5} {v.thumbs_down:>5}")
    if not report.per_version:
        lines.append("(no answers)")
    for kind, message in report.failure_examples.items():
        lines.append(f"  e.g. {kind}: {message}")
    return "\n".join(lines)


def _stars(stars: dict[int, int]) -> str:
    return " ".join(f"{s}★ {n}" for s, n in stars.items()) or "none"
