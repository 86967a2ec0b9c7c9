"""What the app adds on top of vLLM, measured side by side in one run (prints figures; not a test).

Run:  .venv/bin/python bench/serve_latency.py            # builds a tiny model in seconds, ~3-5 minutes in all
      .venv/bin/python bench/serve_latency.py --model DIR  # any local HF causal LM vLLM can serve

One vLLM server; the app runs as `supportloop serve` (a real subprocess) pointed at it with serve.engine_url.
Direct calls (OpenAI client, streaming) and chats through the app (Gradio's queue protocol as the browser
speaks it, one session per chat; gradio_client once more for reference) send the same multi-turn conversations. Reported: added latency per turn (median, p95) at 1 and 32 concurrent
chats, throughput at 32 and 64 concurrent chats as a share of direct, and a promote + rollback under 32-chat
load (failed chats, time from each alias change to the first stored answer of the new version).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone
from pathlib import Path

os.environ.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1",
                  TOKENIZERS_PARALLELISM="false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve.adapters import make_adapter  # noqa: E402  (the same adapters the version tests use)
from serve.engine import free_port  # noqa: E402

SYSTEM_PROMPT = "You are ShopNest support."
QUESTIONS = ["Where is my order?", "How long do refunds take?", "Can I change my address?",
             "Do you ship to Canada?", "My payment failed, what now?", "How do I reset my password?"]
TURNS_PER_CHAT = 2  # then a new conversation, so promotions reach new conversations during the load test


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def build_tiny_model(directory: Path) -> Path:
    from corpus.materialize import materialize_corpus
    from retrain.base_model import build_base_model
    from supportloop.config import BuiltinModelConfig

    corpus = materialize_corpus("", seed=0, conversations=400, out_file=directory / "corpus.jsonl")
    config = BuiltinModelConfig(vocab_size=600, hidden_size=64, num_layers=2, num_heads=2, num_kv_heads=1,
                                intermediate_size=128, max_position_embeddings=512, train_steps=40, batch_size=8,
                                seq_len=128, learning_rate=5e-3, warmup_steps=5, seed=0)
    build_base_model(corpus.conversations, config, SYSTEM_PROMPT, directory / "model", corpus.sha256,
                     show_progress=False)
    return directory / "model"


# ---- the two ways of chatting -------------------------------------------------------------------------
def direct_chat(engine_url: str, model: str, max_tokens: int, chat_index: int, turns: int,
                failures: list) -> list[float]:
    import openai

    client = openai.OpenAI(base_url=f"{engine_url}/v1", api_key="unused", max_retries=0)
    latencies, history = [], []
    for turn in range(turns):
        if turn % TURNS_PER_CHAT == 0:
            history = []
        history.append({"role": "user", "content": QUESTIONS[(chat_index + turn) % len(QUESTIONS)]})
        started = time.perf_counter()
        try:
            stream = client.chat.completions.create(model=model, messages=[{"role": "system", "content": SYSTEM_PROMPT}]
                                                    + history, stream=True, max_tokens=max_tokens, temperature=0.0)
            text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        except Exception as exc:
            failures.append(repr(exc))
            continue
        latencies.append(time.perf_counter() - started)
        history.append({"role": "assistant", "content": text})
    return latencies


class BrowserLikeChat:
    """One customer session speaking Gradio's queue protocol the way the browser does (join, then read the
    session's event stream), without gradio_client's 50 ms polling loops, so its figures are the app's."""

    def __init__(self, app_url: str):
        import httpx

        self.http = httpx.Client(base_url=app_url, timeout=120)
        self.session = uuid.uuid4().hex
        config = self.http.get("/config").json()
        self.fn = {dep.get("api_name"): dep["id"] for dep in config["dependencies"]}

    def call(self, api_name: str, data: list) -> list:
        join = self.http.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": self.fn[api_name], "session_hash": self.session,
            "event_data": None, "trigger_id": None})
        join.raise_for_status()
        event_id = join.json()["event_id"]
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output", {}).get("error")))
                    return message["output"]["data"]
        raise RuntimeError("the event stream ended without a result")


def app_chat(app_url: str, chat_index: int, turns: int, failures: list, use_gradio_client: bool = False) -> list[float]:
    if use_gradio_client:
        from gradio_client import Client

        client = Client(app_url, verbose=False)
        call = lambda api_name, data: client.predict(*data[:1], api_name=f"/{api_name}")  # noqa: E731
    else:
        chat = BrowserLikeChat(app_url)
        call = lambda api_name, data: chat.call(api_name, data)  # noqa: E731
    latencies = []
    for turn in range(turns):
        try:
            if turn and turn % TURNS_PER_CHAT == 0:
                call("new_conversation", [None])
            started = time.perf_counter()
            call("chat", [QUESTIONS[(chat_index + turn) % len(QUESTIONS)], None])
            latencies.append(time.perf_counter() - started)
        except Exception as exc:
            failures.append(repr(exc))
    return latencies


def run_load(chat, concurrency: int, turns: int, **kwargs) -> dict:
    failures: list = []
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda i: chat(chat_index=i, turns=turns, failures=failures, **kwargs),
                                range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies = [value for per_chat in results for value in per_chat]
    return summarize(latencies, failures, elapsed)


def summarize(latencies: list, failures: list, elapsed: float) -> dict:
    return {"turns": len(latencies), "failures": failures, "per_s": len(latencies) / elapsed, "elapsed": elapsed,
            "latencies": latencies, "median": statistics.median(latencies), "p95": percentile(latencies, 0.95)}


def measure_side_by_side(paths: dict, concurrency: int, turns: int, rounds: int) -> dict:
    """Both paths at one concurrency, fairly: each is warmed up at this concurrency first (connections,
    threads, engine batch shapes), then they take turns, the first path alternating from round to round, so
    neither pays a warm-up or a background job's burst alone. Returns {name: pooled result}."""
    for name, (chat, kwargs) in paths.items():
        run_load(chat, concurrency, 1, **kwargs)
    pooled = {name: ([], [], 0.0) for name in paths}
    order = list(paths)
    for round_index in range(rounds):
        for name in (order if round_index % 2 == 0 else order[::-1]):
            chat, kwargs = paths[name]
            result = run_load(chat, concurrency, turns, **kwargs)
            latencies, failures, elapsed = pooled[name]
            pooled[name] = (latencies + result["latencies"], failures + result["failures"], elapsed + result["elapsed"])
    return {name: summarize(*values) for name, values in pooled.items()}


def load_average() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


# ---- the processes --------------------------------------------------------------------------------------
def start_engine(model_dir: Path, logs: Path):
    from serve.engine import EngineProcess, build_engine_launch, installed_vllm_build, resolve_device
    from supportloop.config import ServeConfig

    config = ServeConfig(engine_port=free_port(), max_model_len=512, max_lora_rank=8)
    engine = EngineProcess(build_engine_launch(config, str(model_dir), resolve_device("auto", installed_vllm_build())),
                           logs / "engine.log")
    engine.start()
    engine.wait_ready(300)
    return engine


def start_app(home: Path, model_dir: Path, engine_url: str, max_tokens: int) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    env = {**os.environ, "SUPPORTLOOP__BASE_MODEL": str(model_dir), "SUPPORTLOOP__SERVE__ENGINE_URL": engine_url,
           "SUPPORTLOOP__SERVE__MAX_MODEL_LEN": "512", "SUPPORTLOOP__SERVE__MAX_TOKENS": str(max_tokens),
           "SUPPORTLOOP__SERVE__SYSTEM_PROMPT": SYSTEM_PROMPT, "SUPPORTLOOP__SERVE__MESSAGES_PER_MINUTE": "100000",
           "SUPPORTLOOP__SERVE__MESSAGES_PER_MINUTE_PER_ADDRESS": "100000", "PYTHONPATH": str(ROOT)}
    log = open(home / "app.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "supportloop.cli", "--home", str(home), "serve",
                                "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"the app did not start; see {home / 'app.log'}")


# ---- promote / rollback under load ----------------------------------------------------------------------
def first_answer_after(home: Path, version: str, since) -> float | None:
    from feedback.reader import open_reader

    with open_reader(home / "feedback.duckdb", ingest_first=True) as store:
        times = [t.turn.created_at for t in store.turns_between(start=since)
                 if t.turn.role == "assistant" and t.turn.version == version]
    return (min(times) - since).total_seconds() if times else None


def wait_until_loaded(app_url: str, version: str, timeout_s: float = 120.0) -> float:
    """Seconds until /healthz lists `version`'s adapter as loaded."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if f"support-{version}" in httpx.get(f"{app_url}/healthz", timeout=5).json()["versions"]["loaded_adapters"]:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"the app did not preload {version} within {timeout_s:.0f} s")


def promote_under_load(home: Path, app_url: str, versions: tuple[str, str], concurrency: int) -> dict:
    from datetime import datetime

    from eval.registry import promote, rollback

    registry = home / "registry"
    failures: list = []
    stop = threading.Event()

    def keep_chatting(i):
        while not stop.is_set():
            app_chat(app_url, i, TURNS_PER_CHAT, failures)

    changes = []
    with ThreadPoolExecutor(concurrency) as pool:
        for i in range(concurrency):
            pool.submit(keep_chatting, i)
        time.sleep(3)
        for action, version in (("promote", versions[1]), ("rollback", versions[0])):
            at = datetime.now(timezone.utc)
            if action == "promote":
                promote(registry, version, actor="bench", reason="benchmark under load")
            else:
                rollback(registry, actor="bench", reason="benchmark under load")
            changes.append((action, version, at))
            time.sleep(6)
        stop.set()
    return {"failures": failures,
            "first_answer_s": [(action, version, first_answer_after(home, version, at)) for action, version, at in changes]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model directory (default: build a tiny one)")
    parser.add_argument("--turns", type=int, default=4, help="turns per chat in each measurement")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2,
                        help="measurements per path and concurrency, alternating which path goes first (pooled)")
    args = parser.parse_args()
    from eval.registry import promote, register_version

    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    home = work / "home"
    home.mkdir()
    model_dir = Path(args.model) if args.model else build_tiny_model(work)
    v1 = register_version(home / "registry", make_adapter(model_dir, work / "a1", 1), {"bench": True})
    second_adapter = make_adapter(model_dir, work / "a2", 2)
    promote(home / "registry", v1, actor="bench", reason="start on v1")
    engine = start_engine(model_dir, work)
    app, app_url = start_app(home, model_dir, engine.launch.url, args.max_tokens)
    try:
        run_load(app_chat, 4, 2, app_url=app_url)  # the app loads v1's adapter into the engine
        # Direct calls use the same adapter the app serves (LoRA costs the engine time; base would flatter direct).
        direct_kwargs = {"engine_url": engine.launch.url, "model": f"support-{v1}", "max_tokens": args.max_tokens}
        paths = {"direct": (direct_chat, direct_kwargs), "app": (app_chat, {"app_url": app_url})}
        print(f"model {model_dir}, max_tokens {args.max_tokens}, {args.turns} turns per chat, {args.rounds} rounds "
              f"per path (alternating order, each path warmed up per concurrency); app = supportloop serve")
        print(f"{os.cpu_count()} CPUs, {load_average()} at the start")
        print(f"{'chats':>5} {'path':>6} {'turns':>5} {'fail':>4} {'median ms':>9} {'p95 ms':>8} {'turns/s':>8}")
        results = {}
        for concurrency in (1, 32, 64):
            for name, result in measure_side_by_side(paths, concurrency, args.turns, args.rounds).items():
                results[(concurrency, name)] = result
                print(f"{concurrency:>5} {name:>6} {result['turns']:>5} {len(result['failures']):>4} "
                      f"{result['median'] * 1000:>9.1f} {result['p95'] * 1000:>8.1f} {result['per_s']:>8.1f}")
        check = run_load(app_chat, 1, args.turns, app_url=app_url, use_gradio_client=True)
        print(f"    1 gradio_client {check['turns']:>5} {len(check['failures']):>4} {check['median'] * 1000:>9.1f} "
              f"{check['p95'] * 1000:>8.1f} {check['per_s']:>8.1f}   (the same app through gradio_client, for reference)")
        for concurrency in (1, 32):
            direct, through_app = results[(concurrency, "direct")], results[(concurrency, "app")]
            print(f"added latency at {concurrency} chats: median {(through_app['median'] - direct['median']) * 1000:.1f} ms, "
                  f"p95 {(through_app['p95'] - direct['p95']) * 1000:.1f} ms")
        for concurrency in (32, 64):
            share = results[(concurrency, "app")]["per_s"] / results[(concurrency, "direct")]["per_s"]
            print(f"throughput at {concurrency} chats: app {share:.0%} of direct")
        # Registered now, as the nightly job registers a candidate minutes before it canaries it: the app
        # preloads the newest version, and one registered at the start would have idled out
        # (serve.adapter_idle_unload_s) during the measurements above, as an unpromoted candidate does.
        v2 = register_version(home / "registry", second_adapter, {"bench": True})
        print(f"{v2} registered; preloaded by the app after {wait_until_loaded(app_url, v2):.2f} s")
        swap = promote_under_load(home, app_url, (v1, v2), 32)
        print(f"promote/rollback under 32-chat load: {len(swap['failures'])} failed chats "
              f"{swap['failures'][:3] if swap['failures'] else ''}")
        for action, version, seconds in swap["first_answer_s"]:
            shown = f"{seconds:.2f} s" if seconds is not None else "none seen"
            print(f"  {action} -> {version}: first stored answer of {version} after {shown}")
        print(f"{load_average()} at the end")
    finally:
        app.terminate()
        app.wait(30)
        engine.stop()


if __name__ == "__main__":
    main()
