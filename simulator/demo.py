"""The learning demo: the bot learns a policy change from its agents overnight, and the safety nets work.

Run: `supportloop demo` (about 17 minutes on 2 cores; `--skip-bad` stops after the policy part, about 11).
The scenario, every step through the real CLI in a subprocess (or the library call that CLI command makes):

    home     = <home>/demo                         # own feedback store and registry; the base model is reused
    serve    = supportloop serve                   # app + vLLM, on free ports
    before   = policy-question accuracy of production (the base model)
    policy   = the store's policy changes: returns 30 → 60 days, a new "Same Day" shipping option
    teach    = supportloop simulate --policy NEW    # agents correct the answers that state the old policy
    nightly  = supportloop nightly                  # dataset → train → evaluate → gate → canary
    canary   = simulate + monitor until the monitor promotes the canary
    after    = policy-question accuracy of the new production
    poison   = simulate --policy POISONED → nightly # agents "correct" with a wrong policy; a careless night trains
                                                   # on that feedback alone, without replay: the gate rejects it
    slip     = registry promote BAD --canary 0.5 → simulate → monitor rolls it back
    report   = <demo home>/demo-report.md with plots

The demo never touches the user's own registry or feedback: it works in its own home directory, marked as
the demo's, and only the nightly job, the simulator and the monitor read the new policy file (the serving
config keeps its policy, so the base model is not rebuilt; `base_model` points at the built one).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from serve.engine import terminate_with_parent
from supportloop.config import SupportloopConfig
from supportloop.errors import SupportloopError

MARKER = ".supportloop-demo"  # a home directory the demo may wipe carries this file
CHANGED_MARKERS = ("60", "Same Day")  # what an answer states when it knows the new policy
POLICY_INTENTS = ("returns_refunds", "shipping_delivery")
NEW_OPTION = {"name": "Same Day", "days": "the same day", "price": 24.99}
# Wrong facts across most intents: a forced version that learned six of them (returns, warranty, cancellation)
# rated 37 % live against production's 47 %, and the monitor needed three rounds to be sure
POISON = {("returns", "return_window_days"): 7, ("returns", "refund_processing_days"): 30,
          ("returns", "restocking_fee_percent"): 25, ("shipping", "order_processing_days"): 9,
          ("shipping", "free_shipping_threshold"): 250.0, ("shipping", "tracking_activation_hours"): 96,
          ("shipping", "lost_package_days"): 30, ("warranty", "warranty_months"): 2,
          ("orders", "cancellation_window_hours"): 1, ("pricing", "price_match_days"): 3,
          ("account", "password_reset_link_hours"): 48}


@dataclass(frozen=True)
class DemoSettings:
    demo_home: Path
    conversations: int = 100          # per traffic round
    teach_rounds: int = 2             # rounds of corrections against the new policy before the nightly job
    train_steps: int = 200            # ~180 feedback and ~180 replayed examples, each seen ~9 times
    policy_questions: int = 40
    max_monitor_rounds: int = 3
    intents: tuple[str, ...] = ()  # every traffic round's customers ask only about these (all when empty)
    skip_bad: bool = False
    config_file: Optional[str] = None


@dataclass
class DemoRun:
    """What the demo saw, for its report."""
    settings: DemoSettings
    env: dict
    started: float = field(default_factory=time.monotonic)
    url: str = ""
    stages: list = field(default_factory=list)        # (name, seconds)
    accuracy: dict = field(default_factory=dict)      # label -> {"model", "correct", "total", "example"}
    rounds: list = field(default_factory=list)        # {"label", "minute", "ratings": {version: [good, total]}}
    gates: list = field(default_factory=list)         # {"version", "exit", "verdict", "reasons"}
    monitor: list = field(default_factory=list)       # {"round", "action", "version", "reason", "statistics"}
    checks: list = field(default_factory=list)        # (what the story says happens, whether it did)
    serve_process: Optional[subprocess.Popen] = None

    def check(self, claim: str, held: bool) -> bool:
        self.checks.append((claim, bool(held)))
        say(f"{'✓' if held else '✗'} {claim}")
        return bool(held)

    @property
    def succeeded(self) -> bool:
        return bool(self.checks) and all(held for _, held in self.checks)

    @property
    def home(self) -> Path:
        return self.settings.demo_home


def say(message: str = "") -> None:
    print(message, flush=True)


def step(run: DemoRun, name: str, function, *args):
    """Run one step, print its banner and wall time, and keep the time for the report."""
    say(f"\n=== {name} ===")
    started = time.monotonic()
    try:
        return function(run, *args)
    finally:
        seconds = time.monotonic() - started
        run.stages.append((name, round(seconds, 1)))
        say(f"--- {name}: {seconds:.0f} s (demo at {(time.monotonic() - run.started) / 60:.1f} min)")


def cli(run: DemoRun, *args: str, extra_env: Optional[dict] = None) -> tuple[int, list[str]]:
    """`supportloop --home DEMO ARGS...` in a subprocess; its output is shown indented and returned."""
    command = [sys.executable, "-m", "supportloop.cli", "--home", str(run.home)]
    if run.settings.config_file:
        command += ["--config", run.settings.config_file]
    say(f"$ supportloop {' '.join(args)}")
    process = subprocess.Popen([*command, *args], env={**run.env, **(extra_env or {})}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1, preexec_fn=terminate_with_parent)
    lines = []
    for line in process.stdout:
        line = line.rstrip("\n")
        if "%|" in line:  # progress bars (tqdm's carriage returns arrive as lines): keep the log readable
            continue
        lines.append(line)
        say(f"  │ {line}")
    return process.wait(), lines


# --- the steps ----------------------------------------------------------------------------------------------

def prepare_home(run: DemoRun, config: SupportloopConfig) -> None:
    """A fresh demo home (models kept), the base model found or built, the demo's config as variables."""
    home = run.home
    if home.exists() and any(home.iterdir()) and not (home / MARKER).exists():
        raise SupportloopError(f"{home} is not empty and was not made by the demo; choose another --demo-home")
    for name in ("feedback.duckdb", "feedback.duckdb.wal", "journal", "registry", "runs", "logs", "corpus",
                 "policies", "plots", "demo-report.md"):
        path = home / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for leftover in home.glob("feedback*"):  # journals and lock files of the previous run's store
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text("made by `supportloop demo`; the demo wipes this directory when it starts\n")
    base = _find_or_build_base(run, config)
    say(f"base model: {base}")
    run.env["SUPPORTLOOP__BASE_MODEL"] = base


def _find_or_build_base(run: DemoRun, config: SupportloopConfig) -> str:
    from dataclasses import replace

    from supportloop.base import current_base_model
    from retrain.base_model import BaseModelError

    for home in (config.home_path, run.home):
        if not (home / "models").is_dir() and config.base_model == "builtin":
            continue
        try:
            return current_base_model(replace(config, home=str(home))).name_or_path
        except BaseModelError:
            continue
    say("no built base model yet: building it (about 4 minutes on 2 cores)")
    code, _ = cli(run, "base", "build")
    if code != 0:
        raise SupportloopError("building the base model failed (see above)")
    return current_base_model(replace(config, home=str(run.home))).name_or_path


def start_serving(run: DemoRun) -> None:
    from simulator.run import check_app

    log = run.home / "logs" / "demo-serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "supportloop.cli", "--home", str(run.home), "serve"]
    say(f"$ supportloop serve   (log: {log})")
    with open(log, "ab") as out:
        run.serve_process = subprocess.Popen(command, env=run.env, stdout=out, stderr=subprocess.STDOUT,
                                             preexec_fn=terminate_with_parent)
    deadline = time.monotonic() + 600
    while True:
        if run.serve_process.poll() is not None:
            raise SupportloopError(f"`supportloop serve` exited with {run.serve_process.returncode}; see {log}")
        try:
            health = check_app(run.url, wait_s=0)
            say(f"serving at {run.url}: engine {health['engine']['status']}")
            return
        except SupportloopError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def stop_serving(run: DemoRun) -> None:
    if run.serve_process and run.serve_process.poll() is None:
        run.serve_process.terminate()
        try:
            run.serve_process.wait(60)
        except subprocess.TimeoutExpired:
            run.serve_process.kill()


def write_policies(run: DemoRun) -> tuple[Path, Path]:
    """The store's new policy (60-day returns, Same Day shipping) and a poisoned one (wrong facts everywhere)."""
    import tomllib

    import tomli_w

    from corpus.policy import load_policy

    bundled = Path(__file__).resolve().parent.parent / "corpus" / "policy.toml"
    data = tomllib.loads(bundled.read_text())
    data["returns"]["return_window_days"] = 60
    data["shipping"]["options"].append(dict(NEW_OPTION))
    directory = run.home / "policies"
    directory.mkdir(parents=True, exist_ok=True)
    new = directory / "policy-new.toml"
    new.write_text(tomli_w.dumps(data))
    for (section, key), value in POISON.items():
        data[section][key] = value
    poisoned = directory / "policy-poisoned.toml"
    poisoned.write_text(tomli_w.dumps(data))
    load_policy(new), load_policy(poisoned)  # both must be valid policies
    say(f"new policy: {new}\n  return_window_days 30 → 60; new shipping option {NEW_OPTION['name']} "
        f"({NEW_OPTION['days']}, ${NEW_OPTION['price']})")
    say(f"poisoned policy (for the bad candidate later): {poisoned}\n  "
        + ", ".join(f"{key} → {value}" for (_, key), value in POISON.items()))
    return new, poisoned


def measure_accuracy(run: DemoRun, label: str, policy_file: Path, config: SupportloopConfig) -> None:
    """Share of held-out return and shipping questions whose answer by production states the new facts."""
    from eval.generation import answer_all
    from eval.registry import read_aliases
    from serve.routing import adapter_name
    from simulator.judge import judge_answer

    questions = policy_questions(policy_file, config, run.settings.policy_questions)
    production = read_aliases(run.home / "registry").production
    model = adapter_name(production) if production else "base"
    engine_url = _engine_with(run, production)
    prompts = [[{"role": "system", "content": config.serve.system_prompt}, {"role": "user", "content": q}]
               for q, _, _ in questions]
    answers = answer_all(engine_url, model, prompts, max_tokens=64, concurrency=8)
    correct = [not judge_answer(a.text, ref, markers).missing for a, (_, ref, markers) in zip(answers, questions)]
    old = sum(_says_30_days(a.text) for a in answers)
    example = next((i for i, (q, _, m) in enumerate(questions) if "60" in m), 0)
    run.accuracy[label] = {"model": production or "base", "correct": sum(correct), "total": len(questions),
                           "old_policy": old, "question": questions[example][0], "answer": answers[example].text}
    say(f"{label}: production {production or 'base'} states the new policy in {sum(correct)}/{len(questions)} "
        f"answers ({sum(correct) / max(1, len(questions)):.0%}); still says '30 days' in {old}")
    say(f"  Q: {questions[example][0]}\n  A: {answers[example].text}")


def policy_questions(policy_file: Path, config: SupportloopConfig, limit: int) -> list[tuple[str, str, tuple]]:
    """(question, reference, new-fact markers) from the golden split of a corpus generated from the new policy."""
    from corpus.generate import generate_corpus
    from corpus.policy import load_policy
    from simulator.judge import fact_markers

    policy = load_policy(policy_file)
    found = []
    for conversation in generate_corpus(policy, seed=config.corpus.seed,
                                        n_conversations=config.corpus.conversations):
        if conversation.split != "golden" or conversation.intent not in POLICY_INTENTS:
            continue
        question, reference = conversation.messages[0]["content"], conversation.messages[1]["content"]
        markers = tuple(m for m in fact_markers(policy, conversation.policy_facts, reference)
                        if m in CHANGED_MARKERS)
        if markers:
            found.append((question, reference, markers))
    return found[:limit]


def _says_30_days(text: str) -> bool:
    import re

    return re.search(r"(?<!\d)30 days", text) is not None


def _engine_with(run: DemoRun, production: Optional[str]) -> str:
    """The serving engine's URL once the app has loaded production's adapter (it loads it on its own)."""
    import httpx

    from serve.routing import adapter_name

    deadline = time.monotonic() + 120
    while True:
        health = httpx.get(f"{run.url}/healthz", timeout=10).json()
        if production is None or adapter_name(production) in health["versions"]["loaded_adapters"]:
            return health["engine"]["url"]
        if time.monotonic() > deadline:
            raise SupportloopError(f"the app did not load {production} within 120 s: {health['versions']}")
        time.sleep(1)


def traffic(run: DemoRun, label: str, policy_file: Path, seed: int) -> None:
    """One round of simulated customers and agents, judged against `policy_file`; ratings per version kept."""
    since = datetime.now(timezone.utc)
    report_file = run.home / "runs" / f"simulate-{len(run.rounds) + 1:02d}.json"
    report_file.parent.mkdir(parents=True, exist_ok=True)
    focus = ("--intents", ",".join(run.settings.intents)) if run.settings.intents else ()
    code, _ = cli(run, "simulate", "--conversations", str(run.settings.conversations), *focus,
                  "--concurrency", "16", "--seed", str(seed), "--policy", str(policy_file),
                  "--report-json", str(report_file))
    if code != 0:
        raise SupportloopError(f"`supportloop simulate` failed with exit code {code} (see above)")
    ratings = _ratings(run, since)
    run.rounds.append({"label": label, "minute": round((time.monotonic() - run.started) / 60, 2),
                       "ratings": ratings})
    say("live satisfaction this round: " + ", ".join(f"{v or 'base'} {g}/{t} ({g / t:.0%})"
                                                      for v, (g, t) in sorted(ratings.items()) if t))


def _ratings(run: DemoRun, since: datetime) -> dict:
    from feedback.reader import open_reader

    with open_reader(run.home / "feedback.duckdb", ingest_first=True) as store:
        return {version: list(counts) for version, counts in store.version_ratings(since=since).items()}


def check_ratings_kept(run: DemoRun) -> None:
    """The ratings and corrections the app acknowledged to the simulator, against what the store holds."""
    import json

    from feedback.reader import open_reader

    acknowledged = {"ratings": 0, "corrections": 0}
    for report in sorted((run.home / "runs").glob("simulate-*.json")):
        sent = json.loads(report.read_text())
        acknowledged["ratings"] += sent["thumbs_up"] + sent["thumbs_down"] + sent["agent_ratings"]
        acknowledged["corrections"] += sent["corrections"]
    with open_reader(run.home / "feedback.duckdb", ingest_first=True) as store:
        stored = store.snapshot_counts()
    for kind, count in acknowledged.items():
        run.check(f"{kind}: {count} acknowledged, {stored[kind]} stored", stored[kind] == count)


def nightly(run: DemoRun, expected: int, extra_env: Optional[dict] = None) -> Optional[str]:
    """`supportloop nightly`; the candidate it trained, with the gate's decision recorded for the report."""
    from eval.registry import list_versions, read_evaluation

    before = set(list_versions(run.home / "registry"))
    code, _ = cli(run, "nightly", extra_env=extra_env)
    trained = [v for v in list_versions(run.home / "registry") if v not in before]
    version = trained[-1] if trained else None
    evaluation = read_evaluation(run.home / "registry", version) if version else None
    run.gates.append({"version": version, "exit": code, "verdict": (evaluation or {}).get("verdict", "-"),
                      "reasons": (evaluation or {}).get("reasons", [])})
    say(f"nightly exit code {code} (expected {expected}); gate on {version}: {run.gates[-1]['verdict']}")
    for reason in run.gates[-1]["reasons"]:
        say(f"  gate: {reason}")
    return version


def poisoned_night(poison_started: datetime, steps: int) -> dict:
    """The settings of a careless night that trains on the poisoned feedback alone.

    Trained on everything, the poisoned night also learned the good corrections of the nights before and
    rated only a few points below production live (40-45 % vs 48-51 % over three rounds: not significant);
    the story needs a version clearly worse for the monitor to catch, so this night reads only the feedback
    since the poisoning began, without replay (replay dilutes poison as it dilutes everything else). One
    round of feedback, about half the examples of the first night: half its steps. Its gate sees drops of
    0.2-0.5 per intent, so 100 golden conversations decide it as well as 200 and save a minute.
    """
    window_s = (datetime.now(timezone.utc) - poison_started).total_seconds() + 1
    return {"SUPPORTLOOP__RETRAIN__FEEDBACK_WINDOW_DAYS": repr(window_s / 86400),
            "SUPPORTLOOP__RETRAIN__REPLAY_RATIO": "0",
            "SUPPORTLOOP__RETRAIN__MAX_STEPS": str(steps), "SUPPORTLOOP__EVAL__GOLDEN_EXAMPLES": "100"}


def watch_canary(run: DemoRun, label: str, policy_file: Path, seed: int, config: SupportloopConfig) -> str:
    """Traffic rounds, then the monitor (the call `supportloop monitor` makes), until it acts."""
    from eval.monitor import monitor_once

    for index in range(run.settings.max_monitor_rounds):
        traffic(run, f"{label} {index + 1}", policy_file, seed + index)
        outcome = monitor_once(run.home / "registry", run.home / "feedback.duckdb", config.eval,
                               config.feedback.reader_timeout_s)
        run.monitor.append({"round": f"{label} {index + 1}", "action": outcome.action, "version": outcome.version,
                            "reason": outcome.reason, "statistics": outcome.statistics, "acted": outcome.acted})
        say(f"monitor: {outcome.action} {outcome.version or ''}: {outcome.reason}")
        say("  statistics: " + ", ".join(f"{k} {v:.3g}" for k, v in outcome.statistics.items()))
        if outcome.acted:
            return outcome.action
    return "wait"


# --- the scenario -------------------------------------------------------------------------------------------

def run_demo(settings: DemoSettings, config: SupportloopConfig, env: dict) -> int:
    """The whole demo; 0 when every step turned out as the story says, 1 otherwise (the report says which)."""
    # `kill DEMO` must stop the app it started and still write the report, as Ctrl-C does: by default SIGTERM
    # ends Python at once, skipping `finally`, and the app kept serving (and using a core) as an orphan.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return 0 if play_demo(settings, config, env).succeeded else 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def play_demo(settings: DemoSettings, config: SupportloopConfig, env: dict) -> DemoRun:
    """The whole demo; the run holds what happened and which of the story's checks held."""
    from simulator.demo_report import write_report

    run = DemoRun(settings=settings, env=env)
    try:
        step(run, "prepare the demo home", prepare_home, config)
        demo_config = _demo_config(run, config)
        run.url = f"http://127.0.0.1:{demo_config.serve.port}"
        step(run, "start serving", start_serving)
        new_policy, poisoned = step(run, "the store's policy changes", write_policies)
        step(run, "accuracy before", measure_accuracy, "before", new_policy, demo_config)
        run.env["SUPPORTLOOP__CORPUS__POLICY_FILE"] = str(new_policy)  # the nightly job judges by the new policy
        demo_config = _demo_config(run, config)
        for index in range(settings.teach_rounds):
            step(run, f"agents correct the old answers ({index + 1})", traffic, f"teach {index + 1}", new_policy,
                 index)
        candidate = step(run, "nightly: train, evaluate, gate, canary", nightly, 0)
        if run.check("the gate passes the candidate trained on the corrections", run.gates[-1]["exit"] == 0):
            action = step(run, "canary traffic and the monitor", watch_canary, "canary", new_policy, 10, demo_config)
            run.check("the monitor promotes the canary on live ratings", action == "promote")
        step(run, "accuracy after", measure_accuracy, "after", new_policy, demo_config)
        before, after = run.accuracy["before"]["correct"], run.accuracy["after"]["correct"]
        run.check(f"production states the new policy more often ({before} → {after} of "
                  f"{run.accuracy['after']['total']})", after > before)
        if not settings.skip_bad:
            poison_started = datetime.now(timezone.utc)
            step(run, "poisoned feedback", traffic, "poison", poisoned, 20)
            bad = step(run, "nightly on poisoned feedback: the gate", nightly, 4,
                       poisoned_night(poison_started, settings.train_steps // 2))
            run.check("the gate rejects the candidate trained on poisoned feedback", run.gates[-1]["exit"] == 4)
            if run.check("the poisoned candidate was registered (to force it through)", bad and bad != candidate):
                step(run, "a bad version slips through", lambda r: cli(
                    r, "registry", "promote", bad, "--canary", "0.5", "--reason", "demo: forced past the gate"))
                action = step(run, "live ratings and the monitor", watch_canary, "slipped", new_policy, 30,
                              demo_config)
                run.check("the monitor rolls the bad version back", action == "rollback")
            cli(run, "registry", "history")
        step(run, "every acknowledged rating is stored", check_ratings_kept)
    finally:
        stop_serving(run)
        report = write_report(run)
        say(f"\nreport: {report}")
        say(f"demo wall time: {(time.monotonic() - run.started) / 60:.1f} min")
    return run


def _demo_config(run: DemoRun, config: SupportloopConfig) -> SupportloopConfig:
    from supportloop.config import load_config

    return load_config(run.settings.config_file, env={**run.env, "SUPPORTLOOP_HOME": str(run.home)})


def demo_environment(settings: DemoSettings, base_env: dict) -> dict:
    """The demo's configuration, as the variables every subprocess gets (the user's own ones stay)."""
    from serve.engine import free_port

    return {**base_env, "SUPPORTLOOP_HOME": str(settings.demo_home), "HF_HUB_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false",
            "SUPPORTLOOP__SERVE__HOST": "127.0.0.1",
            "SUPPORTLOOP__SERVE__PORT": str(free_port()), "SUPPORTLOOP__SERVE__ENGINE_PORT": str(free_port()),
            "SUPPORTLOOP__SERVE__MESSAGES_PER_MINUTE": "10000",
            "SUPPORTLOOP__SERVE__MESSAGES_PER_MINUTE_PER_ADDRESS": "100000",
            "SUPPORTLOOP__SERVE__RATINGS_PER_MINUTE": "10000",
            "SUPPORTLOOP__SERVE__MAX_TOKENS": "96",
            "SUPPORTLOOP__EVAL__CANARY_SHARE": "0.5",
            "SUPPORTLOOP__EVAL__MONITOR_MIN_RATINGS": "30",
            # the gate pairs candidate and production on the held-out feedback split only: a demo night has a
            # few hundred reviewed answers, so hold out more of them and ask for fewer pairs than a real night
            "SUPPORTLOOP__RETRAIN__TEST_SHARE": "0.2",
            "SUPPORTLOOP__EVAL__MIN_TEST_EXAMPLES": "20",
            # the story is a policy change: one fact in a 30-word answer moves ROUGE-L too little to be
            # significant on a few hundred examples, so the gate compares the golden set's policy facts (nearly
            # all of them: 80 of the 247 golden conversations gave intervals twice as wide) and ROUGE-L only
            # guards against regressions (golden set, intents, personas)
            "SUPPORTLOOP__EVAL__PRIMARY_METRIC": "policy_accuracy",
            "SUPPORTLOOP__EVAL__GOLDEN_EXAMPLES": "200",
            # a few hundred live ratings per round: a wider non-inferiority margin lets the monitor decide
            "SUPPORTLOOP__EVAL__MONITOR_MARGIN": "0.1",
            "SUPPORTLOOP__EVAL__MAX_TEST_EXAMPLES": "150",
            "SUPPORTLOOP__EVAL__MAX_NEW_TOKENS": "64",
            "SUPPORTLOOP__EVAL__BOOTSTRAP_SAMPLES": "1000",
            "SUPPORTLOOP__RETRAIN__MAX_STEPS": str(settings.train_steps),
            # a few hundred examples seen many times: half the default rate learned as many new facts without the
            # golden-set ROUGE-L loss (demo feedback, 120 steps: 1e-3 → 9/24 policy answers, ROUGE-L
            # 0.482 → 0.487; 2e-3 → 11/24, 0.482 → 0.471)
            "SUPPORTLOOP__RETRAIN__LEARNING_RATE": "0.001",
            # one demo dataset, 1e-3 x 120 steps: dropout 0.2 +0.053 [+0.005, +0.10], returns 0.33 -> 0.74, no
            # guard failed; 0.05 +0.053 with order tracking 0.83 -> 0.67; lower rates or more replay did not
            # learn. In the next full demo (dropout 0.2, 200 steps) order tracking still fell to 0.67; on the nights
            # of returns and shipping traffic to 0.59-0.63, with one replayed example per feedback example or two
            # (demos n8-n10; the gate let it pass once and rejected it twice). The self-built model's open problem.
            "SUPPORTLOOP__RETRAIN__LORA_DROPOUT": "0.2",
            "SUPPORTLOOP__RETRAIN__EVAL_STEPS": "20"}
