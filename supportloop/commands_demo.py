"""`supportloop demo`: the learning demo (a policy change taught overnight, a poisoned candidate rejected, a
bad version rolled back). The scenario is simulator/demo.py; it works in its own home directory."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from supportloop.config import SupportloopConfig
from supportloop.errors import SupportloopError


def register(subparsers, add_command) -> None:
    demo = add_command(subparsers, "demo", run_demo,
                       "the learning demo: a policy change learned overnight, a poisoned candidate rejected, "
                       "a bad version rolled back (about 17 minutes on 2 cores)",
                       "supportloop demo --conversations 100")
    demo.add_argument("--conversations", type=int, default=100, metavar="N",
                      help="simulated conversations per traffic round (default 100)")
    demo.add_argument("--teach-rounds", type=int, default=2, metavar="R",
                      help="traffic rounds judged by the new policy before the nightly job (default 2)")
    demo.add_argument("--train-steps", type=int, default=200, metavar="S",
                      help="optimizer steps of each nightly training (default 200)")
    demo.add_argument("--intents", default="returns_refunds,shipping_delivery", metavar="A,B",
                      help="what the simulated customers ask about (comma-separated, or 'all'); by default the "
                           "intents the policy change touches, as customers do after a policy change (with all "
                           "intents a night's corrections were too few for the canary to lift live ratings)")
    demo.add_argument("--skip-bad", action="store_true",
                      help="only the policy change: no poisoned candidate, no rollback")
    demo.add_argument("--demo-home", metavar="DIR",
                      help="the demo's own home directory (default <home>/demo); wiped at the start, models kept")


def run_demo(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from corpus.schema import INTENTS
    from simulator.demo import DemoSettings, demo_environment, run_demo as run_scenario
    from simulator.plan import intent_list

    if args.conversations < 10:
        raise SupportloopError(f"--conversations must be at least 10, not {args.conversations}")
    intents = () if args.intents.strip() == "all" else intent_list(args.intents)
    unknown = sorted(set(intents) - set(INTENTS))
    if unknown or (not intents and args.intents.strip() != "all"):
        raise SupportloopError(f"--intents: unknown intent(s) {', '.join(unknown) or '(none given)'}; "
                               f"use 'all' or some of {', '.join(INTENTS)}")
    demo_home = Path(args.demo_home).expanduser() if args.demo_home else config.home_path / "demo"
    settings = DemoSettings(demo_home=demo_home.resolve(), conversations=args.conversations,
                            teach_rounds=max(1, args.teach_rounds), train_steps=args.train_steps,
                            intents=intents, skip_bad=args.skip_bad, config_file=args.config)
    env = {k: v for k, v in os.environ.items() if k != "SUPPORTLOOP_HOME"}
    return run_scenario(settings, config, demo_environment(settings, env))
