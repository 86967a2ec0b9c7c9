"""`supportloop evaluate VERSION` and `supportloop nightly`: judge candidates and release them.

The nightly job, as a script (each step is a library call; a rerun after a crash resumes or finds the work done):

    lock runs/nightly.lock                      # a second job at once exits with EXIT_BUSY
    dataset   = snapshot → rules → clean → split (retrain/dataset.py; reused when feedback is unchanged)
    candidate = train LoRA → register vNNNN     (retrain/candidate.py; never registered twice)
    decision  = evaluate vs production and base → gate (eval/evaluation.py, eval/gate.py; stored with the version)
    release   = canary at eval.canary_share, or reject
    monitor   = live ratings: promote a good canary, roll back a bad version (eval/monitor.py)
    report    = runs/nightly/<time>/report.md

Exit codes: 0 candidate released (canary or production), 3 nothing to train, 4 candidate rejected,
75 another nightly job holds the lock, 1 failure.
"""

from __future__ import annotations

import argparse
import fcntl
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from supportloop.config import SupportloopConfig
from supportloop.errors import SupportloopError
from supportloop.paths import HomePaths

EXIT_RELEASED = 0
EXIT_NOTHING_TO_TRAIN = 3
EXIT_REJECTED = 4
EXIT_BUSY = 75  # EX_TEMPFAIL: try again later


class NightlyBusy(SupportloopError):
    """Another nightly job is running."""


def register(subparsers, add_command) -> None:
    evaluate = add_command(subparsers, "evaluate", run_evaluate,
                           "evaluate a registered version against production and the base model, and gate it",
                           "supportloop evaluate v0004")
    evaluate.add_argument("version")
    add_command(subparsers, "nightly", run_nightly,
                "snapshot → dataset → train → evaluate → gate → canary or reject, then the monitor (for cron)",
                "supportloop nightly")


@contextmanager
def nightly_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NightlyBusy(f"another nightly job is running (it holds {path}); this one exits without "
                              "doing anything") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def evaluation_inputs(config: SupportloopConfig, dataset_dir: Path | None) -> list:
    """The held-out test split of the candidate's dataset plus the corpus's golden set.

    Both carry the quantities the corpus (rendered from the current policy and catalog) states, so answers
    claiming anything else are counted.
    """
    from corpus.facts import corpus_claims
    from corpus.policy import load_policy
    from eval.evaluation import golden_examples, held_out_examples
    from supportloop.base import current_corpus

    conversations = current_corpus(config).conversations
    known = corpus_claims(conversations)
    examples = held_out_examples(dataset_dir, config.eval.max_test_examples, known) if dataset_dir else []
    policy = load_policy(config.corpus.policy_file or None)
    return examples + golden_examples(conversations, policy, config.eval.golden_examples, known)


def evaluate_and_record(config: SupportloopConfig, version: str, announce=print):
    """Evaluate `version`, write its report under runs/eval/, store the decision with the version."""
    from eval.answer_cache import AnswerCache, generation_settings
    from eval.evaluation import evaluate_candidate
    from eval.registry import read_aliases, read_manifest, record_evaluation
    from eval.report import write_evaluation_json, write_evaluation_report
    from supportloop.base import current_base_model

    paths = HomePaths.from_config(config)
    manifest = read_manifest(paths.registry, version)
    # Path("") is "." (a directory): a manifest without dataset_dir must mean "no held-out split", not a KeyError
    dataset_dir = Path(manifest.get("dataset_dir") or "")
    dataset_dir = dataset_dir if manifest.get("dataset_dir") and dataset_dir.is_dir() else None
    examples = evaluation_inputs(config, dataset_dir)
    aliases = read_aliases(paths.registry)
    base = current_base_model(config)
    cache = None
    if config.eval.reuse_answers:
        settings = generation_settings(config.eval.max_new_tokens, f"{config.serve.device}/{config.serve.dtype}",
                                       config.serve.max_model_len)
        cache = AnswerCache(paths.runs / "eval" / "answers", settings)
    evaluation = evaluate_candidate(config, base.name_or_path, paths.registry, version, aliases.production, examples,
                                    paths.logs / "eval-engine.log", offline=base.builtin, answer_cache=cache,
                                    progress=announce)
    out_dir = paths.runs / "eval" / f"{version}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    report = write_evaluation_report(evaluation, out_dir, manifest, confidence=config.eval.confidence)
    write_evaluation_json(evaluation, out_dir)
    summary = evaluation.to_json()
    record_evaluation(paths.registry, version, {**summary, "report": str(report)}, actor="nightly")
    announce(f"{version}: {summary['verdict']} — report {report}")
    for reason in summary["reasons"]:
        announce(f"  {reason}")
    return evaluation, report


def run_evaluate(args: argparse.Namespace, config: SupportloopConfig) -> int:
    evaluation, _ = evaluate_and_record(config, args.version)
    return EXIT_RELEASED if evaluation.to_json()["verdict"] == "promote" else EXIT_REJECTED


def run_nightly(args: argparse.Namespace, config: SupportloopConfig) -> int:
    paths = HomePaths.from_config(config)
    paths.ensure_writable()
    try:
        with nightly_lock(paths.runs / "nightly.lock"):
            return _nightly(config, paths)
    except NightlyBusy as exc:
        print(f"supportloop: {exc}")
        return EXIT_BUSY


def _nightly(config: SupportloopConfig, paths: HomePaths) -> int:
    from eval.monitor import monitor_once
    from eval.registry import promote, read_aliases, read_evaluation
    from retrain.candidate import train_candidate
    from retrain.dataset import NothingToTrain, feedback_train_examples, require_enough
    from supportloop.base import current_base_model
    from supportloop.commands_retrain import prepare_dataset

    stages: dict[str, float] = {}
    lines: list[str] = []

    def say(message: str) -> None:
        print(message, flush=True)
        lines.append(message)

    def stage(name: str, started: float) -> None:
        stages[name] = round(time.monotonic() - started, 1)
        say(f"[{name}] done in {stages[name]:.1f} s")

    outcome, version = EXIT_REJECTED, None
    started = time.monotonic()
    dataset_dir, description = prepare_dataset(config, say)
    stage("dataset", started)
    try:
        started = time.monotonic()
        require_enough(feedback_train_examples(description), config.retrain.min_examples)
        candidate = train_candidate(config, dataset_dir, current_base_model(config).name_or_path, paths.runs,
                                    paths.registry, show_progress=False, announce=say)
        version = candidate.version
        stage("train", started)
        started = time.monotonic()
        evaluation = read_evaluation(paths.registry, version)
        if evaluation is None:
            evaluate_and_record(config, version, say)
            evaluation = read_evaluation(paths.registry, version)
        else:
            say(f"{version} was already evaluated: {evaluation['verdict']}")
        stage("evaluate", started)
        if evaluation["verdict"] == "promote":
            aliases = read_aliases(paths.registry)
            serving = {aliases.production, aliases.canary.version if aliases.canary else None}
            if version in serving:
                say(f"{version} is already serving")
            elif config.eval.canary_share > 0:
                promote(paths.registry, version, canary_share=config.eval.canary_share, actor="nightly",
                        reason=f"passed the gate: {'; '.join(evaluation['reasons'])}")
                say(f"{version} is now the canary for {config.eval.canary_share:.0%} of new conversations")
            else:
                promote(paths.registry, version, actor="nightly", reason="passed the gate (no canary configured)")
                say(f"{version} is now production")
            outcome = EXIT_RELEASED
    except NothingToTrain as exc:
        say(str(exc))
        outcome = EXIT_NOTHING_TO_TRAIN
    started = time.monotonic()
    monitored = monitor_once(paths.registry, paths.feedback_db, config.eval, config.feedback.reader_timeout_s)
    say(f"monitor: {monitored.action} {monitored.version or ''} {monitored.reason}".rstrip())
    stage("monitor", started)
    _write_nightly_report(paths, outcome, version, stages, lines)
    return outcome


def _write_nightly_report(paths: HomePaths, outcome: int, version, stages: dict, lines: list[str]) -> Path:
    names = {EXIT_RELEASED: "released", EXIT_NOTHING_TO_TRAIN: "nothing to train", EXIT_REJECTED: "rejected"}
    directory = paths.runs / "nightly" / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    directory.mkdir(parents=True, exist_ok=True)
    text = [f"# Nightly run: {names.get(outcome, outcome)}", "", f"Candidate: {version or '-'}", "",
            "| stage | seconds |", "|---|---:|", *[f"| {name} | {seconds:.1f} |" for name, seconds in stages.items()],
            "", "## Log", "", "```", *lines, "```", ""]
    path = directory / "report.md"
    path.write_text("\n".join(text))
    print(f"nightly report: {path}")
    return path
