"""Benchmark: the full nightly job on the embedded default with N rated conversations, wall time per stage.

    .venv/bin/python bench/nightly_run.py                       # 2,000 conversations in a fresh temp home
    .venv/bin/python bench/nightly_run.py --conversations 500 --home /tmp/nightly-home

The base model is reused from `--base-model DIR` or ~/.supportloop/models/builtin-* when one exists (else it is
built first, which is timed apart). Feedback is logged through the real FeedbackLog as the app would: corpus
conversations (not the golden split) answered with the corpus answer, or for a quarter of them with a wrong
answer that an agent corrects; the rest get agent stars or customer thumbs. Then `supportloop nightly` runs as
a subprocess and its own per-stage times are printed next to the total. Target: ≤ 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def log_feedback(home: Path, conversations) -> None:
    from feedback.log import FeedbackLog

    scheme = ("correction", "agent_good", "customer_up", "customer_down")
    with FeedbackLog(home, ingest_interval_s=None) as log:
        for index, conversation in enumerate(conversations):
            kind = scheme[index % len(scheme)]
            customer = f"customer-{index % 400}"
            record = log.start_conversation(customer, "base", "")
            log.tag_intent(record.id, conversation.intent, "agent-ann")
            for turn_index, message in enumerate(conversation.messages):
                wrong = message["role"] == "assistant" and kind == "correction"
                text = "I'm sorry, I don't have that information." if wrong else message["content"]
                turn = log.log_turn(record.id, turn_index, message["role"], text, version="base",
                                    sampling={"max_tokens": 160})
                if message["role"] != "assistant":
                    continue
                if kind == "correction":
                    log.log_correction(turn.id, "agent-ann", message["content"])
                elif kind == "agent_good":
                    log.log_rating(turn.id, "agent", "agent-ann", stars=5)
                else:
                    log.log_rating(turn.id, "customer", customer, thumbs=kind == "customer_up")
        log.flush(timeout_s=600)


def find_base_model(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    built = sorted((Path.home() / ".supportloop" / "models").glob("builtin-*/supportloop_manifest.json"))
    return str(built[-1].parent) if built else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--home", help="home directory to use (default: a fresh temporary one)")
    parser.add_argument("--base-model", help="a built base model directory to reuse")
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="nightly-bench-"))
    env = {**os.environ, "SUPPORTLOOP_HOME": str(home)}
    base = find_base_model(args.base_model)
    supportloop = [str(Path(sys.executable).with_name("supportloop"))]
    if base:
        env["SUPPORTLOOP__BASE_MODEL"] = base
        print(f"base model: {base}")
    else:
        started = time.monotonic()
        subprocess.run(supportloop + ["base", "build"], env=env, check=True)
        print(f"base model built in {time.monotonic() - started:.0f} s (not part of the nightly figure)")

    from supportloop.base import current_corpus
    from supportloop.config import load_config

    corpus = current_corpus(load_config(env=env))
    rated = [c for c in corpus.conversations if c.split != "golden"][:args.conversations]
    started = time.monotonic()
    log_feedback(home, rated)
    print(f"logged {len(rated)} rated conversations in {time.monotonic() - started:.1f} s; load {os.getloadavg()[0]:.1f}")
    started = time.monotonic()
    result = subprocess.run(supportloop + ["nightly"], env=env, capture_output=True, text=True)
    total = time.monotonic() - started
    print(result.stdout[-4000:])
    if result.returncode not in (0, 3, 4):
        print(result.stderr[-4000:])
    stages = re.findall(r"\[(\w+)\] done in ([\d.]+) s", result.stdout)
    print(f"nightly exit code {result.returncode}; wall {total:.0f} s ({total / 60:.1f} min); stages: "
          + ", ".join(f"{name} {seconds} s" for name, seconds in stages)
          + f"; load {os.getloadavg()[0]:.1f}; target <= 15 min")


if __name__ == "__main__":
    main()
