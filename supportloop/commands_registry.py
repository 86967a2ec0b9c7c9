"""The `supportloop registry ...` commands: list, show, promote, roll back and the history of model versions.

They only touch `<home>/registry` (atomic, locked, logged); a serving app picks an alias change up within
`serve.registry_poll_s` without a restart.
"""

from __future__ import annotations

import argparse
import getpass
import json

from supportloop.config import SupportloopConfig
from supportloop.paths import HomePaths

EXIT_OK = 0


def register(subparsers, add_command) -> None:
    registry = add_command(subparsers, "registry", None, "list, inspect, promote and roll back model versions",
                           "supportloop registry list")
    sub = registry.add_subparsers(title="registry commands", metavar="ACTION")
    add_command(sub, "list", run_list, "every version with its aliases, gate verdict and validation loss",
                "supportloop registry list")
    show = add_command(sub, "show", run_show, "a version's manifest and evaluation", "supportloop registry show v0003")
    show.add_argument("version")
    promote = add_command(sub, "promote", run_promote, "make a version production, or the canary with --canary SHARE",
                          "supportloop registry promote v0004 --canary 0.1 --reason 'agents asked for it'")
    promote.add_argument("version")
    promote.add_argument("--canary", type=float, metavar="SHARE", help="send this share of new conversations to it")
    promote.add_argument("--reason", default="promoted by hand", help="why (kept in the history)")
    rollback = add_command(sub, "rollback", run_rollback,
                           "drop the canary, or put the previous version (or --to VERSION, or 'base') back",
                           "supportloop registry rollback --reason 'refund answers got worse'")
    rollback.add_argument("--to", metavar="VERSION", help="a specific earlier version, or 'base'")
    rollback.add_argument("--reason", default="rolled back by hand", help="why (kept in the history)")
    history = add_command(sub, "history", run_history, "every promotion, rollback and rejection, oldest first",
                          "supportloop registry history --last 20")
    history.add_argument("--last", type=int, default=50, metavar="N", help="only the newest N entries")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def run_list(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from eval.registry import list_versions, read_aliases, read_evaluation, read_manifest

    root = HomePaths.from_config(config).registry
    aliases = read_aliases(root)
    print(f"production: {aliases.production or 'base'}   canary: "
          f"{f'{aliases.canary.version} ({aliases.canary.share:.0%})' if aliases.canary else '-'}   "
          f"previous: {aliases.previous or '-'}")
    print(f"{'version':8} {'alias':11} {'gate':8} {'val loss':>8} {'train ex.':>9}  trained at")
    for version in reversed(list_versions(root)):
        manifest = read_manifest(root, version)
        evaluation = read_evaluation(root, version) or {}
        alias = ("production" if version == aliases.production else
                 "canary" if aliases.canary and version == aliases.canary.version else
                 "previous" if version == aliases.previous else "")
        loss = manifest.get("training", {}).get("best_validation_loss")
        print(f"{version:8} {alias:11} {evaluation.get('verdict', '-'):8} "
              f"{(f'{loss:.4f}' if isinstance(loss, (int, float)) else '-'):>8} "
              f"{manifest.get('dataset_splits', {}).get('train', '-'):>9}  {manifest.get('trained_at', '')[:19]}")
    return EXIT_OK


def run_show(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from eval.registry import read_evaluation, read_manifest

    root = HomePaths.from_config(config).registry
    shown = {"manifest": read_manifest(root, args.version), "evaluation": read_evaluation(root, args.version)}
    print(json.dumps(shown, indent=2, sort_keys=True, default=str))
    return EXIT_OK


def run_promote(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from eval.registry import promote

    aliases = promote(HomePaths.from_config(config).registry, args.version, canary_share=args.canary,
                      actor=_actor(), reason=args.reason)
    print(f"production: {aliases.production or 'base'}; canary: "
          f"{f'{aliases.canary.version} at {aliases.canary.share:.0%}' if aliases.canary else 'none'}")
    return EXIT_OK


def run_rollback(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from eval.registry import rollback

    aliases = rollback(HomePaths.from_config(config).registry, actor=_actor(), reason=args.reason, to=args.to)
    print(f"production: {aliases.production or 'base'}; canary: "
          f"{aliases.canary.version if aliases.canary else 'none'}")
    return EXIT_OK


def run_history(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from eval.registry import read_history

    for entry in read_history(HomePaths.from_config(config).registry)[-args.last:]:
        target = entry["to"]
        canary = target.get("canary")
        what = entry.get("version") or (f"production={target.get('production') or 'base'}"
                                         + (f" canary={canary['version']}" if canary else ""))
        print(f"{entry['at'][:19]}  {entry['action']:9} {what:32} {entry['actor']}: {entry['reason']}")
    return EXIT_OK
