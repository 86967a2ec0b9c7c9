"""Benchmark of the feedback store's write path and export (prints figures; not a test).

    .venv/bin/python bench/feedback_ingest.py            # about a minute; writes under a temp directory
    .venv/bin/python bench/feedback_ingest.py --turns 200000 --seconds 3   # quicker

Measures, in one run:
  1. naive baseline: one autocommit INSERT per rating straight into DuckDB;
  2. sustained ratings/s through FeedbackLog (validation, journal write + fdatasync, ingestion into DuckDB,
     all included: the clock stops when `flush()` has applied the last rating), with individual
     `log_rating` calls from many threads (group commit) and with `log_many` batches;
  3. submit-to-acknowledged latency at a fixed offered load while another process exports to Parquet;
  4. time to export N turns with their ratings to Parquet.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

EXPORTER = """
import sys, time
from feedback.reader import open_reader
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    with open_reader(sys.argv[1], timeout_s=60) as store:
        store.export_turns_parquet(sys.argv[2])
"""


def naive_baseline(home: Path, seconds: float) -> float:
    """One autocommit INSERT per rating, as a handler writing straight into DuckDB would do."""
    import duckdb
    from feedback.store import FeedbackStore

    FeedbackStore.open(home / "naive.duckdb").close()
    con = duckdb.connect(str(home / "naive.duckdb"))
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        con.execute("INSERT INTO ratings VALUES (?, 't', 'customer', 's', true, NULL, '', now()::TIMESTAMP, NULL)",
                    [f"r{count}"])
        count += 1
    elapsed = time.perf_counter() - started
    con.close()
    return count / elapsed


def prepare_turn(feedback, prefix: str) -> str:
    feedback.start_conversation(f"{prefix}-customer", "v0001", "support-v0001", conversation_id=prefix)
    return feedback.log_turn(prefix, 0, "assistant", "Your parcel ships today.", turn_id=f"{prefix}-t").id


def throughput_single_calls(home: Path, total: int, threads: int) -> float:
    """Many threads each calling log_rating once per rating; group commit shares the fsyncs."""
    from feedback.log import FeedbackLog

    with FeedbackLog(home, ingest_interval_s=0.2) as feedback:
        turn_id = prepare_turn(feedback, "single")
        feedback.flush()
        per_thread = total // threads

        def rate(worker: int) -> None:
            for number in range(per_thread):
                feedback.log_rating(turn_id, "customer", f"s{worker}-{number}", thumbs=True)

        started = time.perf_counter()
        workers = [threading.Thread(target=rate, args=(worker,)) for worker in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        feedback.flush()
        return per_thread * threads / (time.perf_counter() - started)


def throughput_batches(home: Path, total: int, threads: int, batch: int) -> float:
    """log_many batches (a simulator, a bulk REST endpoint, an import) from several threads."""
    from feedback.log import FeedbackLog
    from feedback.records import RatingRecord

    with FeedbackLog(home, ingest_interval_s=0.2) as feedback:
        turn_id = prepare_turn(feedback, "batch")
        feedback.flush()
        rounds = total // (threads * batch)

        def rate(worker: int) -> None:
            for round_number in range(rounds):
                feedback.log_many([RatingRecord(id=f"b{worker}-{round_number}-{n}", turn_id=turn_id,
                                                rater_kind="customer", rater_id=f"s{worker}-{round_number}-{n}",
                                                thumbs=True) for n in range(batch)])

        started = time.perf_counter()
        workers = [threading.Thread(target=rate, args=(worker,)) for worker in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        feedback.flush()
        return rounds * threads * batch / (time.perf_counter() - started)


def latency_under_export(home: Path, rate: float, seconds: float) -> tuple[float, float, float, int]:
    """Open-loop load: a rating is due every 1/rate s; latency runs from when it was due to its acknowledgement
    (so queueing counts: no coordinated omission). Meanwhile another process exports Parquet in a loop."""
    from feedback.log import FeedbackLog

    exporter = subprocess.Popen([sys.executable, "-c", EXPORTER, str(home / "feedback.duckdb"),
                                 str(home / "export-loop.parquet"), str(seconds + 5)], cwd=REPO_ROOT)
    latencies: list[float] = []
    try:
        with FeedbackLog(home, ingest_interval_s=0.5) as feedback, ThreadPoolExecutor(64) as pool:
            turn_id = prepare_turn(feedback, "latency")
            time.sleep(1.0)  # let the exporter get going

            def rate_one(number: int, due: float) -> None:
                feedback.log_rating(turn_id, "customer", f"l{number}", thumbs=True)
                latencies.append(time.perf_counter() - due)

            started = time.perf_counter()
            total = int(rate * seconds)
            for number in range(total):
                due = started + number / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(rate_one, number, due)
    finally:
        exports_running = exporter.poll() is None
        exporter.kill()
        exporter.wait()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return pick(0.5), pick(0.99), latencies[-1] * 1000, int(exports_running)


def build_big_database(db: Path, turns: int) -> float:
    """Synthetic data straight in SQL (fixture code, not the store's path): 4 turns per conversation, a
    customer thumb on every assistant turn, agent stars on every 5th, a correction on every 10th."""
    import duckdb
    from feedback.store import FeedbackStore

    FeedbackStore.open(db).close()
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    conversations = turns // 4
    con.execute("INSERT INTO conversations SELECT 'c' || i, 'cust' || (i % 50000), 'v000' || (1 + i % 3), "
                "'support-v000' || (1 + i % 3), TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND FROM range(?) t(i)",
                [conversations])
    con.execute("INSERT INTO turns SELECT 't' || i, 'c' || (i // 4), i % 4, CASE WHEN i % 2 = 0 THEN 'user' "
                "ELSE 'assistant' END, 'Message number ' || i || ' about order #' || (i * 7919 % 100000) || "
                "', with a little more text to look like a real support answer.', 'v000' || (1 + (i // 4) % 3), "
                "'support', '{\"temperature\": 0.0}', 10.0, 30, 20, TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND "
                "FROM range(?) t(i)", [turns])
    con.execute("INSERT INTO ratings SELECT 'r' || i, 't' || i, 'customer', 's' || i, i % 3 <> 0, NULL, '', "
                "TIMESTAMP '2026-01-02' + INTERVAL (i) SECOND, NULL FROM range(1, ?, 2) t(i)", [turns])
    con.execute("INSERT INTO ratings SELECT 'a' || i, 't' || i, 'agent', 'agent1', NULL, 1 + i % 5, '', "
                "TIMESTAMP '2026-01-02' + INTERVAL (i) SECOND, NULL FROM range(1, ?, 10) t(i)", [turns])
    con.execute("INSERT INTO corrections SELECT 'k' || i, 't' || i, 'agent1', 'Corrected answer ' || i, "
                "TIMESTAMP '2026-01-03' FROM range(1, ?, 20) t(i)", [turns])
    con.close()
    return time.perf_counter() - started


def export_time(db: Path, out: Path) -> tuple[float, int]:
    from feedback.reader import open_reader

    started = time.perf_counter()
    with open_reader(db) as store:
        rows = store.export_turns_parquet(out)
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=1_000_000, help="turns in the export benchmark")
    parser.add_argument("--ratings", type=int, default=100_000, help="ratings per throughput run")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of the baseline and latency runs")
    parser.add_argument("--rate", type=float, default=1000.0, help="offered ratings/s in the latency run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="feedback-bench-") as tmp:
        root = Path(tmp)
        naive = naive_baseline(root, args.seconds)
        report = lambda: print(*rows[-1], sep="  |  ", flush=True)  # noqa: E731
        rows.append(("naive: autocommit INSERT per rating", f"{naive:,.0f} ratings/s", "baseline"))
        report()
        single = throughput_single_calls(root / "single", args.ratings, threads=64)
        rows.append(("FeedbackLog.log_rating, 64 threads", f"{single:,.0f} ratings/s", f"{single / naive:.1f}x naive"))
        report()
        batched = throughput_batches(root / "batched", args.ratings * 5, threads=8, batch=250)
        rows.append(("FeedbackLog.log_many(250), 8 threads", f"{batched:,.0f} ratings/s", f"{batched / naive:.1f}x naive"))
        report()
        build_s = build_big_database(root / "big" / "feedback.duckdb", args.turns)
        seconds, exported = export_time(root / "big" / "feedback.duckdb", root / "export.parquet")
        rows.append((f"export {exported:,} turns + ratings to Parquet", f"{seconds:.2f} s",
                     f"(synthetic data built in {build_s:.1f} s)"))
        report()
        p50, p99, worst, exporting = latency_under_export(root / "big", args.rate, args.seconds)
        rows.append((f"ack latency at {args.rate:,.0f}/s during export", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                     f"max {worst:.1f} ms; exporter {'ran throughout' if exporting else 'ENDED EARLY'}"))
        report()
    width = max(len(row[0]) for row in rows)
    print(f"\n{'measure':<{width}}  {'result':<28}  note")
    for name, result, note in rows:
        print(f"{name:<{width}}  {result:<28}  {note}")


if __name__ == "__main__":
    main()
