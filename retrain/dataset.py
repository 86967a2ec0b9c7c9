"""The dataset build: snapshot the feedback store, apply the rules, clean, split, balance, write.

    snapshot = read_snapshot(db_file)                     # read-only, while the app keeps writing
    dataset = build_dataset(snapshot.turns, golden, ...)  # pure: rules → cleaning → split → balance
    directory = write_dataset(dataset, snapshot, runs)    # content-addressed, written whole or not at all

A dataset directory holds `train.jsonl`, `validation.jsonl` and `test.jsonl` (one `{"messages": [...]}`
example per line, the OpenAI fine-tuning format plus id, intent, source and weight), `preference_pairs.jsonl`
(chosen/rejected, TRL's conversational DPO format) and `kto.jsonl` (prompt/completion/label, TRL's KTO
format), both with each record's split, and `dataset.json` + `report.md` saying what every step did.
Its name is the hash of its content, so a rerun on unchanged feedback finds the same dataset.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import shutil
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional, Sequence

from supportloop.config import RetrainConfig
from supportloop.errors import SupportloopError
from supportloop.paths import publish_directory, staging_directory

from retrain.cleaning import clean_examples, comparison_key, normalize_text
from retrain.dataset_rules import Example, FeedbackTurn, RuleSettings, apply_rules
from retrain.replay import ReplayPool, choose_replay
from retrain.splitting import SPLITS, balance_intents, split_examples, split_of, verify_no_golden

DATASET_FILE = "dataset.json"
PREFERENCE_FILE = "preference_pairs.jsonl"
KTO_FILE = "kto.jsonl"


class NothingToTrain(SupportloopError):
    """Too little usable feedback to train on: not a failure, and nothing is registered."""


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    taken_at: str
    counts: dict
    turns: tuple[FeedbackTurn, ...]
    since: Optional[str] = None  # only conversations started since then (retrain.feedback_window_days)


@dataclass(frozen=True)
class Dataset:
    splits: dict          # split name -> list[Example]
    pairs: tuple          # PreferencePair, scrubbed
    labels: tuple         # BinaryLabel, scrubbed
    report: dict

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in SPLITS:
            for example in self.splits[name]:
                digest.update(json.dumps([name, example.to_json()], sort_keys=True).encode())
        return digest.hexdigest()


def read_snapshot(db_file: Path, reader_timeout_s: float, since: Optional[datetime] = None) -> Snapshot:
    """Everything acknowledged so far (journals applied first; of conversations started since `since`, when
    given), read in one read-only session."""
    from feedback.reader import open_reader

    with open_reader(db_file, timeout_s=reader_timeout_s, ingest_first=True) as store:
        table = store.training_turns(since)
        counts = store.snapshot_counts()
        offsets = store.journal_offsets()
    taken_at = datetime.now(timezone.utc)
    identity = hashlib.sha256(json.dumps([counts, sorted(offsets.items())]).encode()).hexdigest()[:10]
    return Snapshot(snapshot_id=f"snap-{taken_at:%Y%m%dT%H%M%SZ}-{identity}", taken_at=taken_at.isoformat(),
                    counts=counts, turns=tuple(feedback_turns(table)),
                    since=since.isoformat() if since else None)


def feedback_turns(table) -> list[FeedbackTurn]:
    """Arrow rows of `FeedbackStore.training_turns` as FeedbackTurn objects (column-wise: fast for millions)."""
    with _collector_paused():
        return _feedback_turns(table)


@contextlib.contextmanager
def _collector_paused():
    """Millions of small, long-lived objects make the cyclic GC rescan them again and again; they form no
    cycles, so pausing it while they are built is safe (measured: a large share of the build time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _feedback_turns(table) -> list[FeedbackTurn]:
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    columns["intents"] = [tuple(intents) if intents else () for intents in columns["intents"]]
    columns["excluded"] = [bool(flag) for flag in columns["excluded"]]
    columns["text"] = [text or "" for text in columns["text"]]
    # positional construction, column by column: a dict per row costs more than the rest of the read
    return list(map(FeedbackTurn, *(columns[name] for name in FeedbackTurn.__slots__)))


def build_dataset(turns: Sequence[FeedbackTurn], golden_questions: Sequence[str], config: RetrainConfig,
                  scrub: Callable, progress: Optional[Callable[[str], None]] = None,
                  replay: ReplayPool = ReplayPool()) -> Dataset:
    """Rules → cleaning → split → balance → replay (training split only) → the golden check; pure apart from
    `progress`."""
    with _collector_paused():
        return _build_dataset(turns, golden_questions, config, scrub, progress, replay)


def _build_dataset(turns, golden_questions, config: RetrainConfig, scrub: Callable, progress,
                   replay: ReplayPool) -> Dataset:
    note = progress or (lambda message: None)
    started = time.monotonic()
    scrub = functools.cache(scrub)  # prompts repeat across examples, pairs and labels: scrub each text once
    outcome = apply_rules(turns, RuleSettings.from_config(config))
    note(f"rules: {len(outcome.examples)} examples, {len(outcome.pairs)} preference pairs, "
         f"{len(outcome.labels)} good/bad labels from {len(turns)} turns")
    cleaned, cleaning = clean_examples(outcome.examples, scrub, golden_questions, config.near_duplicate_threshold,
                                       progress=lambda step: note(f"cleaning: {step}"))
    splits = split_examples(cleaned, config.validation_share, config.test_share)
    splits["train"], balance = balance_intents(splits["train"], config.max_intent_share)
    feedback_train = len(splits["train"])
    replayed = choose_replay(replay.examples, round(feedback_train * config.replay_ratio), config.replay_weight,
                             frozenset(comparison_key(q) for q in golden_questions), comparison_key)
    splits["train"] = splits["train"] + replayed
    verify_no_golden(splits["train"] + splits["validation"], golden_questions)
    note(f"replay: {len(replayed)} of {len(replay.examples)} base-training examples added to {feedback_train} "
         f"from feedback ({replay.source or 'no pool'})")
    note(f"split: " + ", ".join(f"{name} {len(splits[name])}" for name in SPLITS))
    # A label's prompt and answer are mostly the texts of an example or another label: clean each text once.
    clean = functools.cache(lambda text: _clean(text, scrub))
    pairs = tuple(replace(pair, prompt=_clean_messages(pair.prompt, clean), chosen=clean(pair.chosen),
                          rejected=clean(pair.rejected)) for pair in outcome.pairs)
    labels = tuple(replace(label, prompt=_clean_messages(label.prompt, clean),
                           completion=clean(label.completion)) for label in outcome.labels)
    report = {"turns": len(turns), "rules": outcome.counts,
              "sources": _count(cleaned, lambda e: e.source), "cleaning": cleaning.to_json(),
              "balance": balance.to_json(),
              "feedback_train": feedback_train, "replay": {**replay.to_json(), "added": len(replayed)},
              "splits": {name: len(splits[name]) for name in SPLITS},
              "split_by_intent": {name: _count(splits[name], lambda e: e.intent) for name in SPLITS},
              "preference_pairs": len(pairs), "kto_labels": len(labels),
              "kto_good": sum(label.label for label in labels), "seconds": round(time.monotonic() - started, 2)}
    return Dataset(splits=splits, pairs=pairs, labels=labels, report=report)


def _clean(text: str, scrub: Callable) -> str:
    return scrub(normalize_text(text))[0]


def _clean_messages(messages, clean: Callable[[str], str]) -> tuple[dict, ...]:
    return tuple({**message, "content": clean(message["content"])} for message in messages)


def _count(examples, key) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        counts[key(example)] = counts.get(key(example), 0) + 1
    return dict(sorted(counts.items()))


def feedback_train_examples(description: dict) -> int:
    """Training examples that came from feedback (replayed ones do not count towards retrain.min_examples)."""
    report = description["report"]
    return report.get("feedback_train", report["splits"]["train"])


def require_enough(usable: int, minimum: int) -> None:
    """Raise NothingToTrain when `usable` training examples are fewer than `minimum` (retrain.min_examples)."""
    if usable < minimum:
        raise NothingToTrain(f"nothing to train: {usable} usable training examples, fewer than retrain.min_examples="
                             f"{minimum} (corrections, agent ratings ≥ 4 stars and customer thumbs-up count)")


def write_dataset(dataset: Dataset, snapshot: Snapshot, datasets_dir: Path, config: RetrainConfig) -> Path:
    """Write the dataset under `datasets_dir/<hash>`; an existing directory of the same hash is reused."""
    directory = datasets_dir / dataset.sha256[:16]
    if (directory / DATASET_FILE).is_file():
        return directory
    datasets_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_directory(directory)
    try:
        hashes = {}
        for name in SPLITS:
            hashes[f"{name}.jsonl"] = _write_jsonl(staging / f"{name}.jsonl",
                                                  [e.to_json() for e in dataset.splits[name]])
        hashes[PREFERENCE_FILE] = _write_jsonl(staging / PREFERENCE_FILE, [
            {**pair.to_json(), "split": split_of(pair.conversation_id, config.validation_share, config.test_share)}
            for pair in dataset.pairs])
        hashes[KTO_FILE] = _write_jsonl(staging / KTO_FILE, [
            {**label.to_json(), "split": split_of(label.conversation_id, config.validation_share, config.test_share)}
            for label in dataset.labels])
        description = {"dataset_sha256": dataset.sha256, "snapshot_id": snapshot.snapshot_id,
                       "snapshot_taken_at": snapshot.taken_at, "snapshot_counts": snapshot.counts,
                       "feedback_since": snapshot.since, "file_sha256": hashes, "report": dataset.report,
                       "rules": _rule_config(config)}
        (staging / DATASET_FILE).write_text(json.dumps(description, indent=2, sort_keys=True))
        (staging / "report.md").write_text(render_report(description))
        publish_directory(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def _rule_config(config: RetrainConfig) -> dict:
    keys = ("min_examples", "min_agent_stars", "correction_weight", "agent_rated_weight", "customer_thumbs_weight",
            "max_examples_per_customer", "max_intent_share", "validation_share", "test_share",
            "near_duplicate_threshold", "scrub_pii", "replay_ratio", "replay_weight")
    return {key: getattr(config, key) for key in keys}


def _write_jsonl(path: Path, rows: list[dict]) -> str:
    payload = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows).encode()
    path.write_bytes(payload)
    return hashlib.sha256(payload).hexdigest()


def read_split(directory: Path, name: str) -> list[Example]:
    examples = []
    with open(directory / f"{name}.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            examples.append(Example(example_id=row["id"], conversation_id=row["conversation_id"], customer_id="",
                                    intent=row["intent"], source=row["source"], weight=row["weight"],
                                    messages=tuple(row["messages"])))
    return examples


def read_description(directory: Path) -> dict:
    return json.loads((directory / DATASET_FILE).read_text())


def render_report(description: dict) -> str:
    """The dataset report in Markdown: what came in, what each rule and cleaning step did, what went out."""
    report = description["report"]
    lines = [f"# Dataset {description['dataset_sha256'][:16]}", "",
             f"Snapshot `{description['snapshot_id']}` taken {description['snapshot_taken_at']}: "
             + ", ".join(f"{count} {table}" for table, count in description["snapshot_counts"].items())
             + (f"; feedback of conversations started since {description['feedback_since']} only"
                if description.get("feedback_since") else ""), "",
             "## Rules (assistant turns)", "", "| outcome | turns |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in sorted(report["rules"].items())]
    cleaning = report["cleaning"]
    lines += ["", "## Cleaning", "", f"{cleaning['examples_in']} examples in, {cleaning['examples_out']} out; "
              f"{cleaning['normalized_texts']} texts normalized.", "", "| step | removed |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in cleaning["removed"].items()]
    lines += ["", "PII replaced: " + (", ".join(f"{kind} {count}" for kind, count in cleaning["pii_replaced"].items())
                                     or "none"), "", "## Intents in the training split", "",
              f"{report['balance']['note']}.", "", "| intent | before | after |", "|---|---:|---:|"]
    before, after = report["balance"]["before"], report["balance"]["after"]
    lines += [f"| {intent} | {before[intent]} | {after.get(intent, 0)} |" for intent in sorted(before)]
    if "replay" in report:  # datasets written before replay existed have no such entry
        replay = report["replay"]
        lines += ["", "## Replay", "", f"{replay['added']} examples the base model was trained on were added to the "
                  f"{report['feedback_train']} training examples from feedback ({replay['available']} available, "
                  f"{replay['left_out_stale']} left out for stating what the store no longer says; "
                  f"{replay['source'] or 'no pool'})."]
    lines += ["", "## Splits", "", "| intent | " + " | ".join(SPLITS) + " |", "|---|" + "---:|" * len(SPLITS)]
    intents = sorted({intent for split in report["split_by_intent"].values() for intent in split})
    lines += [f"| {intent} | " + " | ".join(str(report["split_by_intent"][name].get(intent, 0)) for name in SPLITS)
              + " |" for intent in intents]
    lines += [f"| **all** | " + " | ".join(str(report["splits"][name]) for name in SPLITS) + " |", "",
              f"Preference pairs: {report['preference_pairs']}; KTO labels: {report['kto_labels']} "
              f"({report['kto_good']} good).", ""]
    return "\n".join(lines)
