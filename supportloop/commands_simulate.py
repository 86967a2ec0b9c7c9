"""`supportloop simulate`: play customers and agents against a running app, and print what came back.

Customers replay conversations of the corpus's `simulator` split through the chat (gradio_client) and give
thumbs (with noise); a simulated agent rates every answer against the corpus reference and corrects the
poor ones (console + REST API). `--policy` takes the references from a corpus generated from another
policy file, so agents teach a policy change (see simulator/).
"""

from __future__ import annotations

import argparse
import os

from supportloop.config import SupportloopConfig
from supportloop.errors import SupportloopError

EXIT_OK = 0


def register(subparsers, add_command) -> None:
    """Add `simulate`; `add_command` is supportloop.cli._command."""
    simulate = add_command(subparsers, "simulate", run_simulate,
                           "play customers and agents against the running app from the corpus's simulator split",
                           "supportloop simulate --conversations 50 --concurrency 8 --thumbs-noise 0.1 "
                           "--policy new-policy.toml")
    simulate.add_argument("--conversations", type=int, required=True, metavar="N", help="conversations to play")
    simulate.add_argument("--concurrency", type=int, default=4, metavar="C",
                          help="customers chatting at once (default 4)")
    simulate.add_argument("--url", metavar="URL", help="the app (default: http://serve.host:serve.port)")
    simulate.add_argument("--agent", default="simulator", metavar="NAME",
                          help="agent who rates and corrects (default 'simulator'; created here if it does not exist)")
    simulate.add_argument("--agent-token", metavar="TOKEN",
                          help="that agent's API token (or $SUPPORTLOOP_SIMULATOR_TOKEN); its console password "
                               "comes from $SUPPORTLOOP_SIMULATOR_PASSWORD. Without a token the simulator "
                               "creates or reuses the agent in this home's feedback store")
    simulate.add_argument("--thumbs-noise", type=float, default=0.1, metavar="P",
                          help="share of customer thumbs flipped at random (default 0.1)")
    simulate.add_argument("--intents", metavar="A,B",
                          help="only conversations of these intents (comma-separated), e.g. the ones a policy "
                               "change touches")
    simulate.add_argument("--seed", type=int, default=0, metavar="S", help="chooses the conversations and the noise")
    simulate.add_argument("--policy", metavar="FILE",
                          help="policy TOML the reference answers are generated from (default corpus.policy_file)")
    simulate.add_argument("--agent-timeout", type=float, default=60.0, metavar="SECONDS",
                          help="how long the agent looks for the customers' conversations in the console")
    simulate.add_argument("--report-json", metavar="PATH", help="also write the report as JSON (scripts, the demo)")


def run_simulate(args: argparse.Namespace, config: SupportloopConfig) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from corpus.generate import generate_corpus
    from corpus.policy import load_policy
    from simulator.accounts import PASSWORD_ENV, TOKEN_ENV, resolve_credentials
    from simulator.plan import PlanError, intent_list, plan_conversations
    from simulator.report import format_report
    from simulator.run import SimulationSettings, check_app, run_simulation
    from supportloop.paths import HomePaths

    if args.concurrency < 1:
        raise SupportloopError(f"--concurrency must be at least 1, not {args.concurrency}")
    if not 0.0 <= args.thumbs_noise <= 1.0:
        raise SupportloopError(f"--thumbs-noise must be between 0 and 1, not {args.thumbs_noise}")
    url = (args.url or default_url(config)).rstrip("/")
    policy_file = args.policy if args.policy is not None else config.corpus.policy_file
    policy = load_policy(policy_file or None)
    conversations = generate_corpus(policy, seed=config.corpus.seed, n_conversations=config.corpus.conversations)
    try:
        plan = plan_conversations(conversations, args.conversations, args.seed, intent_list(args.intents or ""))
    except PlanError as exc:
        raise SupportloopError(str(exc)) from None
    check_app(url)
    paths = HomePaths.from_config(config)
    credentials = resolve_credentials(args.agent, args.agent_token or os.environ.get(TOKEN_ENV, ""),
                                      os.environ.get(PASSWORD_ENV, ""), paths.root, paths.feedback_db,
                                      config.feedback.reader_timeout_s)
    settings = SimulationSettings(url=url, thumbs_noise=args.thumbs_noise, seed=args.seed,
                                  concurrency=args.concurrency, agent_timeout_s=args.agent_timeout)
    print(f"simulating {len(plan)} conversations ({sum(len(p.exchanges) for p in plan)} customer messages) "
          f"against {url}, {args.concurrency} at a time; agent {credentials.name}")
    report = run_simulation(plan, policy, credentials, settings)
    print(format_report(report, url, policy_file or "the bundled corpus/policy.toml"))
    if args.report_json:
        import json
        from dataclasses import asdict
        from pathlib import Path

        Path(args.report_json).write_text(json.dumps({**asdict(report), "url": url, "policy": policy_file,
                                                      "answers_per_s": report.answers_per_s}, indent=2) + "\n")
    return EXIT_OK


def default_url(config: SupportloopConfig) -> str:
    host = config.serve.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{config.serve.port}"
