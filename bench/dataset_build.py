"""Benchmark: the nightly dataset build (snapshot read + rules + cleaning + split) on 10k to 1M feedback events.

    .venv/bin/python bench/dataset_build.py                 # 10k, 100k, 300k, 1M events
    .venv/bin/python bench/dataset_build.py --events 50000  # one size

Feedback is written through the real FeedbackLog (journals, then DuckDB) as the app would: conversations with
a question and an answer, intent tags, customer thumbs on half the answers, agents' stars on a tenth, and
corrections on a twentieth; texts vary per conversation (order numbers, amounts) so deduplication has work to
do. Target: 1M events in ≤ 15 s on 2 cores. The figures per stage and the time per 100k events at each size
show how it scales (the smallest size is the baseline of the ratio).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = ("Where is my order #{n}?", "Can I return order #{n}? It arrived {d} days ago.",
             "How much is Express shipping to {city}?", "My card was charged twice for order #{n}",
             "How do I reset my password? My login is user{n}", "Is the {item} waterproof?")
ANSWERS = ("Order #{n} left our warehouse and arrives in {d} business days.",
           "Yes, returns are accepted within 30 days of delivery; order #{n} qualifies.",
           "Express shipping costs $12.99 and takes 1-2 business days to {city}.",
           "I'm sorry about that. The duplicate charge on order #{n} is released within {d} business days.",
           "Use 'Forgot password' on the login page; the link stays valid for 24 hours.",
           "The {item} is water-resistant, not waterproof.")
INTENTS = ("order_tracking", "returns_refunds", "shipping_delivery", "payment_problem", "account_login",
           "product_question")
CITIES = ("Berlin", "Lyon", "Austin", "Osaka", "Leeds")
ITEMS = ("rain jacket", "hiking boot", "backpack", "tent")


def write_events(home: Path, events: int, seed: int = 0) -> int:
    from feedback.log import FeedbackLog
    from feedback.records import (ConversationRecord, CorrectionRecord, IntentTagRecord, RatingRecord,
                                  TurnRecord, new_id)

    rng = random.Random(seed)
    written = 0
    with FeedbackLog(home, ingest_interval_s=None) as log:
        batch = []
        while written < events:
            kind = rng.randrange(len(QUESTIONS))
            values = {"n": rng.randrange(10000, 99999), "d": rng.randrange(2, 9), "city": rng.choice(CITIES),
                      "item": rng.choice(ITEMS)}
            customer = f"customer-{rng.randrange(events // 20 + 1)}"
            conversation = ConversationRecord(id=new_id(), customer_id=customer, version="base", adapter="")
            question = TurnRecord(id=new_id(), conversation_id=conversation.id, turn_index=0, role="user",
                                  text=QUESTIONS[kind].format(**values))
            answer = TurnRecord(id=new_id(), conversation_id=conversation.id, turn_index=1, role="assistant",
                                text=ANSWERS[kind].format(**values), version="base",
                                sampling={"max_tokens": 160}, completion_tokens=30)
            batch += [conversation, question, answer,
                      IntentTagRecord(id=new_id(), conversation_id=conversation.id, intent=INTENTS[kind],
                                      tagged_by="agent")]
            draw = rng.random()
            if draw < 0.5:
                batch.append(RatingRecord(id=new_id(), turn_id=answer.id, rater_kind="customer", rater_id=customer,
                                          thumbs=rng.random() < 0.7))
            if draw < 0.1:
                batch.append(RatingRecord(id=new_id(), turn_id=answer.id, rater_kind="agent", rater_id="agent-ann",
                                          stars=rng.randrange(1, 6)))
            if draw < 0.05:
                batch.append(CorrectionRecord(id=new_id(), turn_id=answer.id, agent_id="agent-ann",
                                              text=ANSWERS[kind].format(**values) + " Thanks for your patience."))
            if len(batch) >= 20000:
                written += len(log.log_many(batch))
                batch = []
        written += len(log.log_many(batch))
        log.flush(timeout_s=600)
    return written


def measure(events: int) -> dict:
    from feedback.pii import scrub_with_counts
    from retrain.dataset import build_dataset, read_snapshot
    from supportloop.config import RetrainConfig

    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory)
        started = time.monotonic()
        written = write_events(home, events)
        setup = time.monotonic() - started
        started, cpu_started = time.monotonic(), time.process_time()
        snapshot = read_snapshot(home / "feedback.duckdb", reader_timeout_s=60)
        read_s = time.monotonic() - started
        stages: Counter = Counter()
        last = [time.monotonic()]

        def progress(message: str) -> None:
            now = time.monotonic()
            stages[message.split(":")[0] if message.startswith("cleaning") is False else message] += now - last[0]
            last[0] = now

        started = time.monotonic()
        dataset = build_dataset(snapshot.turns, [], RetrainConfig(), scrub_with_counts, progress=progress)
        build_s = time.monotonic() - started
        cpu_s = time.process_time() - cpu_started  # all threads of this process: robust to other jobs' load
    return {"cpu_s": cpu_s, "events": written, "setup_s": setup, "read_s": read_s, "build_s": build_s,
            "total_s": read_s + build_s, "examples": sum(dataset.report["splits"].values()),
            "stages": dict(stages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="*", default=[10_000, 100_000, 300_000, 1_000_000])
    args = parser.parse_args()
    baseline = None
    print(f"{'events':>10} {'read s':>8} {'build s':>8} {'total s':>8} {'cpu s':>7} {'s/100k':>7} {'vs smallest':>11} {'examples':>9}  load")
    for events in args.events:
        result = measure(events)
        per_100k = result["total_s"] / result["events"] * 100_000
        baseline = baseline or per_100k
        print(f"{result['events']:>10,} {result['read_s']:>8.2f} {result['build_s']:>8.2f} {result['total_s']:>8.2f} "
              f"{result['cpu_s']:>7.2f} {per_100k:>7.2f} {per_100k / baseline:>10.2f}x {result['examples']:>9,}  "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        print("           stages: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result["stages"].items()),
              flush=True)
    print("target: 1M events (read + build) in <= 15 s on 2 cores")


if __name__ == "__main__":
    main()
