"""The demo's report: `<demo home>/demo-report.md` with its plots (satisfaction per version over the rounds,
policy-question accuracy before and after), the gate's decisions, the monitor's looks and the time per step."""

from __future__ import annotations

from pathlib import Path


def write_report(run) -> Path:
    """Write the report of a (possibly unfinished) `simulator.demo.DemoRun`; returns its path."""
    plots = run.home / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    asked = ", ".join(run.settings.intents) if run.settings.intents else "every intent"
    lines = ["# supportloop learning demo", "",
             f"Simulated traffic: {run.settings.conversations} conversations a round; customers ask about {asked}.", ""]
    if run.checks:
        lines += ["## What the demo showed", "", *[f"- {'✓' if held else '✗'} {claim}" for claim, held in run.checks],
                  ""]
    if run.rounds:
        _plot_satisfaction(run.rounds, plots / "satisfaction.png")
        lines += ["## Live satisfaction per version", "", "![satisfaction](plots/satisfaction.png)", "",
                  "| round | minute | " + " | ".join(_versions(run.rounds)) + " |",
                  "|---|---:|" + "---:|" * len(_versions(run.rounds))]
        for entry in run.rounds:
            cells = [_share(entry["ratings"].get(v)) for v in _versions(run.rounds)]
            lines.append(f"| {entry['label']} | {entry['minute']:.1f} | " + " | ".join(cells) + " |")
        lines.append("")
    if run.accuracy:
        _plot_accuracy(run.accuracy, plots / "accuracy.png")
        lines += ["## Policy-question accuracy", "",
                  "Held-out return and shipping questions (golden split of the corpus generated from the new "
                  "policy) whose answer states the new facts (60 days, Same Day shipping).", "",
                  "![accuracy](plots/accuracy.png)", "", "| when | production | states new policy | says '30 days' |",
                  "|---|---|---:|---:|"]
        for label, a in run.accuracy.items():
            lines.append(f"| {label} | {a['model']} | {a['correct']}/{a['total']} "
                         f"({a['correct'] / max(1, a['total']):.0%}) | {a['old_policy']} |")
        lines += [""] + [f"- {label}: Q: {a['question']}<br>A: {a['answer']}" for label, a in run.accuracy.items()]
        lines.append("")
    if run.gates:
        lines += ["## Gate decisions", "", "| candidate | nightly exit | verdict | reasons |", "|---|---:|---|---|"]
        lines += [f"| {g['version']} | {g['exit']} | {g['verdict']} | {'<br>'.join(g['reasons'])} |" for g in run.gates]
        lines.append("")
    if run.monitor:
        lines += ["## Monitor", "", "| after round | action | version | reason |", "|---|---|---|---|"]
        lines += [f"| {m['round']} | {m['action']}{' (done)' if m['acted'] else ''} | {m['version'] or '-'} | "
                  f"{m['reason']} |" for m in run.monitor]
        lines.append("")
    lines += ["## Wall time per step", "", "| step | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.0f} |" for name, seconds in run.stages]
    lines += [f"| **total** | {sum(s for _, s in run.stages):.0f} |", ""]
    path = run.home / "demo-report.md"
    path.write_text("\n".join(lines))
    return path


def _versions(rounds) -> list[str]:
    return sorted({v for r in rounds for v, (_, total) in r["ratings"].items() if total},
                  key=lambda v: (v != "base", v))


def _share(counts) -> str:
    if not counts or not counts[1]:
        return "-"
    return f"{counts[0] / counts[1]:.0%} of {counts[1]}"


def _plot_satisfaction(rounds, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4))
    for version in _versions(rounds):
        points = [(r["minute"], r["ratings"][version][0] / r["ratings"][version][1]) for r in rounds
                  if r["ratings"].get(version) and r["ratings"][version][1]]
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=version)
    for r in rounds:
        axes.annotate(r["label"], (r["minute"], 0.02), rotation=90, fontsize=7, color="grey")
    axes.set(xlabel="minutes since the demo started", ylabel="satisfied ratings (share)", ylim=(0, 1),
             title="Live satisfaction per version, per traffic round")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_accuracy(accuracy, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 3.5))
    labels = [f"{label}\n({a['model']})" for label, a in accuracy.items()]
    values = [a["correct"] / max(1, a["total"]) for a in accuracy.values()]
    axes.bar(labels, values, color=["#999999", "#2a7ab0"][:len(values)] + ["#2a7ab0"] * max(0, len(values) - 2))
    for index, value in enumerate(values):
        axes.text(index, value + 0.02, f"{value:.0%}", ha="center")
    axes.set(ylim=(0, 1), ylabel="answers stating the new policy", title="Policy-question accuracy")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
