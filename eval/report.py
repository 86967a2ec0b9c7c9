"""The evaluation report: what a reviewer reads before trusting (or overruling) the gate.

    write_evaluation_report(evaluation, out_dir, training_manifest)   out_dir/report.md + PNG plots
    write_evaluation_json(evaluation, out_dir)                        out_dir/evaluation.json, one row per example

report.md, in reading order: the decision (verdict, every reason, the guard table), the metric table of
candidate vs production vs base with the gate's paired interval, the primary metric per version with
intervals (primary.png), per intent (intents.png) and per persona, the training curves (training.png) and
the eight answers where the candidate did worst, beside the reference and production's answer. A candidate
whose adapter was refused gets a report that says so and nothing else. Rendering only: the numbers come
from eval/report_model.py and eval/gate.py.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from eval.evaluation import BASE, Evaluation
from eval.gate import GuardCheck
from eval.report_model import breakdown, metric_value, summarize

# (field of ExampleScore, label, how it is aggregated, decimals): booleans as rates, except PII leaks, which count.
TABLE_METRICS = (("rougeL", "ROUGE-L", "mean", 4), ("chrf", "chrF", "mean", 2), ("bleu", "BLEU", "mean", 2),
                 ("policy_accuracy", "policy accuracy", "mean", 4), ("hard_case_ok", "hard-case ok rate", "mean", 4),
                 ("claims_supported", "supported claims rate", "mean", 4), ("pii_leak", "PII leaks (answers)", "count", 0),
                 ("perplexity", "reference perplexity", "mean", 3), ("length_words", "length (words)", "mean", 1),
                 ("latency_ms", "latency (ms)", "mean", 1))
WORST_ANSWERS = 8
CELL_CHARS = 240


def write_evaluation_report(evaluation: Evaluation, out_dir: Path, training_manifest: Optional[dict],
                            *, confidence: float = 0.95) -> Path:
    """Write report.md and its plots into `out_dir`; return the report's path.

    `confidence` is the level of the per-version intervals in primary.png (the paired interval of the
    candidate-production difference is the gate's own, at eval.confidence).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.md"
    if evaluation.decision is None:
        path.write_text("\n".join(_refused_section(evaluation)) + "\n")
        return path
    versions = _versions(evaluation)
    sections = [
        [f"# Evaluation of {evaluation.candidate} against {_label(evaluation, evaluation.production)}", "",
         f"{len(evaluation.examples)} examples ({_source_counts(evaluation)}); "
         f"time {_seconds(evaluation.seconds)}" + _provenance(evaluation) + ".", ""],
        _decision_section(evaluation),
        _metrics_section(evaluation, versions),
        _primary_section(evaluation, versions, out_dir, confidence),
        _groups_section(evaluation, versions, out_dir),
        _training_section(training_manifest, out_dir),
        _worst_section(evaluation),
    ]
    path.write_text("\n".join(line for section in sections for line in section) + "\n")
    return path


def write_evaluation_json(evaluation: Evaluation, out_dir: Path) -> Path:
    """evaluation.json: the summary (as stored in the registry) and every example with each version's answer
    and scores, for later analysis (e.g. `pandas.json_normalize(data["examples"])`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = {version: version_scores.by_example_id() for version, version_scores in evaluation.scores.items()}
    rows = []
    for index, example in enumerate(evaluation.examples):
        fields = {key: value for key, value in asdict(example).items() if key != "known_claims"}  # same for all
        rows.append({**fields, "messages": [dict(m) for m in example.messages],
                     "answers": {v: answers[index] for v, answers in evaluation.answers.items()
                                 if index < len(answers)},
                     "scores": {v: asdict(by_id[example.example_id]) for v, by_id in scores.items()
                                if example.example_id in by_id}})
    path = out_dir / "evaluation.json"
    path.write_text(json.dumps(_json_safe({"summary": evaluation.to_json(), "examples": rows}), indent=1,
                               allow_nan=False) + "\n")
    return path


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


# --- sections -----------------------------------------------------------------------------------------------

def _refused_section(evaluation: Evaluation) -> list[str]:
    lines = [f"# Evaluation of {evaluation.candidate}: refused", "",
             "The adapter could not be used, so nothing was generated or scored and production "
             f"({evaluation.production}) is unchanged.", ""]
    return lines + [f"- {version}: {reason}" for version, reason in evaluation.refused.items()]


def _decision_section(evaluation: Evaluation) -> list[str]:
    decision = evaluation.decision
    lines = [f"## Decision: {decision.verdict}", ""] + [f"- {reason}" for reason in decision.reasons]
    lines += ["", "| guard | candidate | production | allowed drop | difference interval | passed |",
              "|---|---:|---:|---:|---|---|"]
    lines += [_guard_row(guard) for guard in decision.guards]
    return lines + [""]


def _guard_row(guard: GuardCheck) -> str:
    if guard.name == "pii leaks":  # counts, and the tolerance is how many more are allowed
        values = f"{guard.candidate:.0f} | {guard.production:.0f} | {guard.tolerance:.0f} more | -"
    else:
        interval = "-" if math.isnan(guard.ci_low) else f"[{guard.ci_low:+.4f}, {guard.ci_high:+.4f}]"
        values = f"{_number(guard.candidate)} | {_number(guard.production)} | {guard.tolerance:.4f} | {interval}"
    return f"| {_cell(guard.name)} | {values} | {'yes' if guard.passed else '**no**'} |"


def _metrics_section(evaluation: Evaluation, versions: list[str]) -> list[str]:
    primary = evaluation.decision.primary
    header = " | ".join(_label(evaluation, v) for v in versions)
    lines = ["## Metrics (all examples)", "", f"| metric | {header} | candidate − production |",
             "|---|" + "---:|" * (len(versions) + 1)]
    for field, label, how, digits in TABLE_METRICS:
        values = {v: _aggregate(evaluation, v, field, how) for v in versions}
        difference = values[evaluation.candidate] - values[evaluation.production]
        lines.append(f"| {label} | " + " | ".join(_number(values[v], digits=digits) for v in versions) +
                     f" | {_number(difference, signed=True, digits=digits)} |")
    on = "held-out test examples" if _has_test(evaluation) else "examples"
    lines += ["", f"Gate comparison: {primary.metric} of candidate minus production on {primary.n} paired {on}: "
              f"{_number(primary.difference, signed=True)}, paired bootstrap CI "
              f"[{_number(primary.ci_low, signed=True)}, {_number(primary.ci_high, signed=True)}] "
              f"(candidate {_number(primary.candidate_mean)}, production {_number(primary.production_mean)}).", ""]
    return lines


def _aggregate(evaluation: Evaluation, version: str, field: str, how: str) -> float:
    scores = evaluation.scores[version].scores
    if how == "count":
        return float(sum(bool(getattr(score, field)) for score in scores))
    return summarize(scores)[field]


def _primary_section(evaluation: Evaluation, versions: list[str], out_dir: Path, confidence: float) -> list[str]:
    primary = evaluation.decision.primary
    metric = primary.metric
    examples = _primary_examples(evaluation)
    bars = {}
    for version in versions:
        by_id = evaluation.scores[version].by_example_id()
        values = [metric_value(by_id[e.example_id], metric) for e in examples if e.example_id in by_id]
        bars[_label(evaluation, version)] = _bootstrap_mean([v for v in values if v is not None], confidence)
    _plot_primary(bars, primary, out_dir / "primary.png")
    return [f"## {metric} per version", "",
            f"Left: mean {metric} on the gate's examples with {confidence:.0%} bootstrap intervals per version. "
            "Right: the paired difference the gate decides on (pairs cancel per-example difficulty, so it is "
            "narrower than the per-version intervals suggest).", "", "![primary metric](primary.png)", ""]


def _groups_section(evaluation: Evaluation, versions: list[str], out_dir: Path) -> list[str]:
    metric = evaluation.decision.primary.metric
    labels = [_label(evaluation, v) for v in versions]
    lines = []
    tables = {}
    for key in ("intent", "persona"):
        groups = {v: breakdown(evaluation.examples, evaluation.scores[v].scores, key) for v in versions}
        counts = _group_counts(evaluation, key)
        tables[key] = {group: [groups[v][group][metric] for v in versions] for group in groups[versions[0]]}
        lines += [f"## {metric} per {key}", ""]
        if key == "intent":
            lines += ["![per intent](intents.png)", ""]
        lines += [f"| {key} | examples | " + " | ".join(labels) + " |", "|---|---:|" + "---:|" * len(versions)]
        lines += [f"| {_cell(_group_name(group, key))} | {counts.get(group, 0)} | " +
                  " | ".join(_number(value) for value in values) + " |" for group, values in tables[key].items()]
        lines.append("")
    _plot_groups(tables["intent"], labels, metric, out_dir / "intents.png")
    return lines


def _training_section(manifest: Optional[dict], out_dir: Path) -> list[str]:
    training = (manifest or {}).get("training") or {}
    curves = {"train": training.get("train_loss_curve") or [],
              "validation": training.get("validation_loss_curve") or []}
    if not any(curves.values()):
        return ["## Training", "", "No training curves were given.", ""]
    _plot_training(curves, out_dir / "training.png")
    facts = [f"{name} loss {curve[-1][1]:.4f} at step {curve[-1][0]}" for name, curve in curves.items() if curve]
    if curves["validation"]:
        best = min(curves["validation"], key=lambda point: point[1])
        facts.append(f"best validation loss {best[1]:.4f} at step {best[0]}")
    return ["## Training", "", "Last " + "; ".join(facts) + ".", "", "![training curves](training.png)", ""]


def _worst_section(evaluation: Evaluation) -> list[str]:
    candidate, production = evaluation.candidate, evaluation.production
    cand_by_id = evaluation.scores[candidate].by_example_id()
    prod_by_id = evaluation.scores[production].by_example_id()
    index_of = {example.example_id: i for i, example in enumerate(evaluation.examples)}
    worst = sorted((e for e in evaluation.examples if e.example_id in cand_by_id),
                   key=lambda e: (cand_by_id[e.example_id].rougeL, e.example_id))[:WORST_ANSWERS]
    lines = [f"## The {len(worst)} answers with the candidate's lowest ROUGE-L", "",
             f"| example | customer | reference | candidate | production ({production}) |",
             "|---|---|---|---|---|"]
    for example in worst:
        index = index_of[example.example_id]
        prod_score = prod_by_id.get(example.example_id)
        where = " / ".join(filter(None, (example.example_id, example.intent, example.hard_case)))
        lines.append(f"| {_cell(where)} | {_cell(_last_user(example.messages))} | {_cell(example.reference)} | "
                     f"{_cell(_answer(evaluation, candidate, index))} ({cand_by_id[example.example_id].rougeL:.3f}) | "
                     f"{_cell(_answer(evaluation, production, index))}"
                     f"{f' ({prod_score.rougeL:.3f})' if prod_score else ''} |")
    return lines + [""]


# --- plots (matplotlib's object API on the Agg canvas: no pyplot global state, no display needed) -----------

def _figure(width: float, height: float, columns: int = 1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(1, columns, squeeze=False)[0]


def _plot_primary(bars: dict[str, tuple[float, float, float]], primary, path: Path) -> None:
    figure, (left, right) = _figure(9, 3.8, columns=2)
    names = list(bars)
    means = [bars[n][0] for n in names]
    errors = np.array([[max(0.0, bars[n][0] - bars[n][1]) for n in names],
                       [max(0.0, bars[n][2] - bars[n][0]) for n in names]])
    left.bar([name.replace(" (", "\n(") for name in names], np.nan_to_num(means), yerr=np.nan_to_num(errors),
             capsize=6, color=_colors(len(names)))
    left.set_ylabel(primary.metric)
    left.set_title(f"{primary.metric} per version")
    below, above = max(0.0, primary.difference - primary.ci_low), max(0.0, primary.ci_high - primary.difference)
    right.errorbar([0], [primary.difference], yerr=[[below], [above]], capsize=8, fmt="o", color="black")
    right.axhline(0.0, color="grey", linestyle="--", linewidth=1)
    right.set_xticks([0], ["candidate − production"])
    right.set_title(f"paired difference (n={primary.n})")
    figure.savefig(path, dpi=100)


def _plot_groups(table: dict[str, list[float]], labels: list[str], metric: str, path: Path) -> None:
    groups = list(table)
    figure, (axes,) = _figure(max(6.0, 1.1 * len(groups) + 2), 4)
    width = 0.8 / max(1, len(labels))
    positions = np.arange(len(groups))
    for column, (label, color) in enumerate(zip(labels, _colors(len(labels)))):
        axes.bar(positions + column * width, np.nan_to_num([table[g][column] for g in groups]), width,
                 label=label, color=color)
    axes.set_xticks(positions + width * (len(labels) - 1) / 2, [_group_name(g, "intent") for g in groups],
                    rotation=30, ha="right")
    axes.set_ylabel(metric)
    axes.set_title(f"{metric} per intent")
    axes.set_ylim(0, 1.3 * max([v for values in table.values() for v in np.nan_to_num(values)] + [1e-9]))
    axes.legend(ncol=len(labels), loc="upper center")  # above the bars, in the head room
    figure.savefig(path, dpi=100)


def _plot_training(curves: dict[str, list], path: Path) -> None:
    figure, (axes,) = _figure(7, 3.8)
    for name, curve in curves.items():
        if curve:
            steps, losses = zip(*curve)
            axes.plot(steps, losses, marker="o" if name == "validation" else None, label=f"{name} loss")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title("training")
    axes.legend()
    figure.savefig(path, dpi=100)


def _colors(count: int) -> list[str]:
    return ["#1f77b4", "#ff7f0e", "#7f7f7f", "#2ca02c"][:count]


# --- small helpers ------------------------------------------------------------------------------------------

def _versions(evaluation: Evaluation) -> list[str]:
    """Candidate, production, base: each once (production may be the base model)."""
    ordered = [evaluation.candidate, evaluation.production, BASE]
    return [v for i, v in enumerate(ordered) if v in evaluation.scores and v not in ordered[:i]]


def _label(evaluation: Evaluation, version: str) -> str:
    """Column label: v0004 (candidate), v0003 (production), base (production) or base."""
    role = ("candidate" if version == evaluation.candidate else
            "production" if version == evaluation.production else "")
    return f"{version} ({role})" if role else version


def _has_test(evaluation: Evaluation) -> bool:
    return any(example.source == "test" for example in evaluation.examples)


def _primary_examples(evaluation: Evaluation) -> list:
    """The gate's primary comparison set: held-out test examples, or all examples when there are none."""
    return [e for e in evaluation.examples if e.source == "test"] or list(evaluation.examples)


def _bootstrap_mean(values: Sequence[float], confidence: float, samples: int = 2000) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap of the mean, seeded so a report is reproducible."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    means = data[np.random.default_rng(0).integers(0, data.size, size=(samples, data.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(data.mean()), float(low), float(high)


def _group_counts(evaluation: Evaluation, key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in evaluation.examples:
        counts[getattr(example, key)] = counts.get(getattr(example, key), 0) + 1
    return counts


def _group_name(group: str, key: str) -> str:
    # Held-out feedback examples have no persona, and untagged conversations no intent.
    return group or ("(held-out feedback)" if key == "persona" else "(untagged)")


def _source_counts(evaluation: Evaluation) -> str:
    counts = _group_counts(evaluation, "source")
    return ", ".join(f"{count} {source}" for source, count in sorted(counts.items()))


def _provenance(evaluation: Evaluation) -> str:
    """Where the answers came from: the engine, and how many an earlier evaluation had already given."""
    text = f"; answers by {evaluation.engine}" if evaluation.engine else ""
    if evaluation.reused:
        text += "; reused from earlier evaluations: " + ", ".join(
            f"{_label(evaluation, name)} {count}" for name, count in evaluation.reused.items())
    return text


def _seconds(seconds: dict) -> str:
    return ", ".join(f"{stage} {value:.1f} s" for stage, value in seconds.items()) or "not measured"


def _answer(evaluation: Evaluation, version: str, index: int) -> str:
    answers = evaluation.answers.get(version) or []
    return answers[index] if index < len(answers) else "(no answer)"


def _last_user(messages) -> str:
    users = [m.get("content", "") for m in messages if m.get("role") == "user"]
    return users[-1] if users else ""


def _number(value: float, signed: bool = False, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:{'+' if signed else ''}.{digits}f}"


def _cell(text: str, limit: int = CELL_CHARS) -> str:
    """Text safe inside a Markdown table cell: no column breaks, line breaks as <br>, no raw HTML, at most
    `limit` characters (model output can contain anything)."""
    text = "\n".join(" ".join(line.split()) for line in str(text).strip().splitlines() if line.strip())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")
