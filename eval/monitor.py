"""The live monitor: promote a canary that customers like, roll back a version they do not.

IO around the pure `eval.sequential.monitor_decision` (the statistics and why they are sequential live there):

    aliases  = registry aliases
    canary?  canary ratings vs production ratings, both since the canary started (the same weeks, the same
             customers): promote the canary when it is not worse by more than the margin, drop it when it
             is significantly worse, else wait; a canary the release gate rejected (put there by hand) is
             never promoted by the monitor: ratings as good as production's do not undo what the gate
             measured offline, so that promotion stays a person's decision
    else     production ratings since its promotion vs the previous version's ratings before it: roll back
             to previous when production is significantly worse, else wait
    act      only when eval.monitor_enabled; every action is logged in the registry history with
             actor "monitor" and the numbers it was based on

Run it from cron or `supportloop monitor --watch`, as often as you like: the always-valid intervals make
looking often safe. The production check compares two periods rather than two arms of one experiment, so a
seasonal drop in satisfaction can look like a regression; it only ever acts on a significant one, and it
never undoes a rollback (production that came back by a rollback is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from eval.registry import BASE, Aliases, promote, read_aliases, read_evaluation, read_history, rollback
from eval.sequential import MonitorVerdict, RatingCounts, monitor_decision

NO_RATINGS = RatingCounts(0, 0)


@dataclass(frozen=True)
class MonitorOutcome:
    """What one look decided. `acted` is False when the monitor only reports (or had nothing to do).

    `statistics` are `monitor_decision`'s; its "canary" side is the watched version (the canary, or a
    production version watched against the previous one), its "production" side the reference.
    """

    action: str  # "promote", "rollback", "wait" or "idle"
    version: Optional[str]
    reason: str
    statistics: dict[str, float] = field(default_factory=dict)
    acted: bool = False


def monitor_once(registry_root: Path, db_file: Path, eval_config: Any, reader_timeout_s: float,
                 actor: str = "monitor") -> MonitorOutcome:
    """Look at the live ratings once and promote, roll back, wait, or do nothing (see the module doc)."""
    aliases = read_aliases(registry_root)
    history = read_history(registry_root)
    if aliases.canary is not None:
        return _watch_canary(registry_root, db_file, eval_config, reader_timeout_s, actor, aliases, history)
    if aliases.production is not None and aliases.previous is not None:
        return _watch_production(registry_root, db_file, eval_config, reader_timeout_s, actor, aliases, history)
    return MonitorOutcome("idle", None, "no canary, and no previous version to return to: nothing to watch")


def _watch_canary(root: Path, db_file: Path, eval_config: Any, timeout_s: float, actor: str, aliases: Aliases,
                  history: list[dict]) -> MonitorOutcome:
    canary, production = aliases.canary.version, aliases.production or BASE
    since = _canary_started(history, canary)
    ratings = _read_ratings(db_file, timeout_s, [(since, None)])[0]
    verdict = _decide(ratings.get(canary, NO_RATINGS), ratings.get(production, NO_RATINGS), eval_config)
    window = f"ratings since {since.isoformat()}" if since else "all ratings (no canary entry in the history)"
    numbers = _describe(verdict.statistics, canary, production)
    if verdict.verdict == "promote" and _gate_rejected(root, canary):
        return MonitorOutcome("wait", canary, f"canary {canary} rates as well as production {production}, but the "
                                              f"release gate rejected it, so only a person promotes it "
                                              f"(supportloop promote): {numbers}; {window}", verdict.statistics)
    if verdict.verdict == "promote":
        reason = (f"canary {canary} is not worse than production {production} by more than "
                  f"{eval_config.monitor_margin:.3f}: {numbers}; {window}")
        return _act(root, aliases, "promote", canary, reason, verdict.statistics, eval_config,
                    lambda: promote(root, canary, actor=actor, reason=reason))
    if verdict.verdict == "rollback":
        reason = f"canary {canary} is significantly worse than production {production}: {numbers}; {window}"
        return _act(root, aliases, "rollback", canary, reason, verdict.statistics, eval_config,
                    lambda: rollback(root, actor=actor, reason=reason))
    state = _waiting(verdict, eval_config.monitor_min_ratings)
    return MonitorOutcome("wait", canary, f"canary {canary}: {state}: {numbers}; {window}", verdict.statistics)


def _watch_production(root: Path, db_file: Path, eval_config: Any, timeout_s: float, actor: str, aliases: Aliases,
                      history: list[dict]) -> MonitorOutcome:
    production, previous = aliases.production, aliases.previous
    change = _production_change(history, production)
    if change is None or change.get("action") != "promote":
        how = "is not in the history" if change is None else f"came by a {change.get('action')} at {change['at']}"
        return MonitorOutcome("idle", production, f"production {production} {how}; the monitor only watches "
                                                  "a version promoted over the previous one")
    switched = datetime.fromisoformat(change["at"])
    after, before = _read_ratings(db_file, timeout_s, [(switched, None), (None, switched)])
    # The production arm takes the canary's place in the test; only its rollback branch is used here.
    verdict = _decide(after.get(production, NO_RATINGS), before.get(previous, NO_RATINGS), eval_config)
    numbers = _describe(verdict.statistics, production, previous)
    window = f"{production}'s ratings since its promotion at {change['at']}, {previous}'s before it"
    if verdict.verdict == "rollback":
        reason = f"production {production} is significantly worse than previous {previous}: {numbers}; {window}"
        return _act(root, aliases, "rollback", production, reason, verdict.statistics, eval_config,
                    lambda: rollback(root, actor=actor, reason=reason, to=previous))
    state = "no significant drop against the previous version"
    return MonitorOutcome("wait", production, f"production {production}: {state}: {numbers}; {window}",
                          verdict.statistics)


def _decide(watched: tuple[int, int], reference: tuple[int, int], eval_config: Any) -> MonitorVerdict:
    return monitor_decision(watched, reference, alpha=eval_config.monitor_alpha,
                            min_ratings=eval_config.monitor_min_ratings, margin=eval_config.monitor_margin)


def _act(root: Path, seen: Aliases, action: str, version: str, reason: str, statistics: dict[str, float],
         eval_config: Any, change) -> MonitorOutcome:
    """Change the aliases, unless the monitor only reports or the aliases moved while ratings were read."""
    if not eval_config.monitor_enabled:
        return MonitorOutcome(action, version, f"would {action} (eval.monitor_enabled is false): {reason}",
                              statistics, acted=False)
    # The registry has no compare-and-swap; re-reading narrows the window in which a promotion by hand
    # or by the nightly job could be undone by a decision taken on the aliases before it.
    if read_aliases(root) != seen:
        return MonitorOutcome("wait", version, "the aliases changed while ratings were read; deciding again at the "
                                               "next look", statistics)
    change()
    return MonitorOutcome(action, version, reason, statistics, acted=True)


def _gate_rejected(root: Path, version: str) -> bool:
    evaluation = read_evaluation(root, version)
    return evaluation is not None and evaluation.get("verdict") == "reject"


def _canary_started(history: list[dict], canary: str) -> Optional[datetime]:
    """When `canary` last became the canary (None if the history does not say)."""
    for entry in reversed(history):
        target = (entry.get("to") or {}).get("canary") or {}
        if entry.get("action") == "canary" and target.get("version") == canary:
            return datetime.fromisoformat(entry["at"])
    return None


def _production_change(history: list[dict], production: str) -> Optional[dict]:
    """The newest history entry that made `production` production (a promotion, or a rollback to it)."""
    for entry in reversed(history):
        before, after = entry.get("from") or {}, entry.get("to") or {}
        if after.get("production") == production and before.get("production") != production:
            return entry
    return None


def _read_ratings(db_file: Path, timeout_s: float,
                  windows: list[tuple[Optional[datetime], Optional[datetime]]]) -> list[dict[str, RatingCounts]]:
    """(satisfied, rated) per version for each [since, until) window, in one short read of the store."""
    from feedback.reader import open_reader

    with open_reader(db_file, timeout_s=timeout_s, ingest_first=True) as store:
        return [{version: RatingCounts(*counts) for version, counts in store.version_ratings(since, until).items()}
                for since, until in windows]


def _waiting(verdict: MonitorVerdict, min_ratings: int) -> str:
    if verdict.statistics["canary_ratings"] < min_ratings:
        return f"waiting for ratings ({verdict.statistics['canary_ratings']:.0f} of {min_ratings})"
    return "not yet conclusive"


def _describe(statistics: dict[str, float], watched: str, reference: str) -> str:
    """The numbers behind a decision, with versions named (they go into the registry history)."""
    return (f"satisfaction {watched} {statistics['canary_rate']:.3f} of {statistics['canary_ratings']:.0f} ratings "
            f"vs {reference} {statistics['production_rate']:.3f} of {statistics['production_ratings']:.0f}; "
            f"difference {statistics['difference']:+.3f}, {1 - statistics['alpha']:.0%} always-valid CI "
            f"[{statistics['ci_low']:+.3f}, {statistics['ci_high']:+.3f}], p={statistics['always_valid_p']:.3g}")
