"""The `supportloop retrain ...` commands: build the dataset (and report), or build it and train a candidate.

Both work while the app is serving (the feedback store is read through `open_reader`). Exit codes:
0 done, 3 nothing to train (too little usable feedback: not a failure, nothing registered), 1 error.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

from supportloop.config import SupportloopConfig
from supportloop.paths import HomePaths

EXIT_OK = 0
EXIT_NOTHING_TO_TRAIN = 3


def register(subparsers, add_command) -> None:
    retrain = add_command(subparsers, "retrain", None, "build the training dataset from feedback and train a candidate",
                          "supportloop retrain train")
    retrain_sub = retrain.add_subparsers(title="retrain commands", metavar="ACTION")
    add_command(retrain_sub, "dataset", run_retrain_dataset,
                "snapshot the feedback, apply the dataset rules, clean, split, and write the dataset and its report",
                "supportloop retrain dataset")
    train = add_command(retrain_sub, "train", run_retrain_train,
                        "build the dataset, train a LoRA adapter on it and register it as a candidate version",
                        "supportloop retrain train --quiet")
    train.add_argument("--quiet", action="store_true", help="no progress bar (logs and cron)")


def golden_questions(conversations) -> list[str]:
    """Every customer message of the corpus's golden evaluation set: never trained on."""
    return [message["content"] for conversation in conversations
            if conversation.split == "golden" for message in conversation.messages if message["role"] == "user"]


def prepare_dataset(config: SupportloopConfig, announce=print) -> tuple[Path, dict]:
    """Snapshot → dataset directory (reused when the content is unchanged); returns it and its description."""
    from feedback.pii import scrub_with_counts
    from retrain.dataset import build_dataset, read_description, read_snapshot, write_dataset
    from supportloop.base import current_corpus, current_replay_pool

    paths = HomePaths.from_config(config)
    paths.ensure_writable()
    window = config.retrain.feedback_window_days
    since = datetime.now(timezone.utc) - timedelta(days=window) if window > 0 else None
    snapshot = read_snapshot(paths.feedback_db, config.feedback.reader_timeout_s, since)
    announce(f"snapshot {snapshot.snapshot_id}: " + ", ".join(f"{n} {t}" for t, n in snapshot.counts.items())
             + (f"; training on conversations started since {since:%Y-%m-%d %H:%M:%S} UTC" if since else ""))
    scrub = scrub_with_counts if config.retrain.scrub_pii else (lambda text: (text, {}))
    corpus = current_corpus(config).conversations  # generated once: golden questions and replay staleness
    dataset = build_dataset(snapshot.turns, golden_questions(corpus), config.retrain, scrub,
                            progress=lambda message: announce(f"  {message}"),
                            replay=current_replay_pool(config, corpus))
    directory = write_dataset(dataset, snapshot, paths.runs / "datasets", config.retrain)
    return directory, read_description(directory)


def run_retrain_dataset(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from retrain.dataset import NothingToTrain, feedback_train_examples, require_enough

    directory, description = prepare_dataset(config)
    splits = description["report"]["splits"]
    print(f"dataset {directory}: " + ", ".join(f"{name} {count}" for name, count in splits.items()))
    print(f"report: {directory / 'report.md'}")
    try:
        require_enough(feedback_train_examples(description), config.retrain.min_examples)
    except NothingToTrain as exc:
        print(str(exc))
        return EXIT_NOTHING_TO_TRAIN
    return EXIT_OK


def run_retrain_train(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from retrain.candidate import train_candidate
    from retrain.dataset import NothingToTrain, feedback_train_examples, require_enough
    from supportloop.base import current_base_model

    paths = HomePaths.from_config(config)
    try:
        directory, description = prepare_dataset(config)
        require_enough(feedback_train_examples(description), config.retrain.min_examples)
        candidate = train_candidate(config, directory, current_base_model(config).name_or_path, paths.runs,
                                    paths.registry, show_progress=not args.quiet)
    except NothingToTrain as exc:
        print(str(exc))
        return EXIT_NOTHING_TO_TRAIN
    print(f"candidate {candidate.version}" + (" (already registered)" if candidate.reused else ""))
    return EXIT_OK
