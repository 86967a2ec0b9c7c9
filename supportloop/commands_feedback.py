"""The `supportloop feedback ...` and `supportloop agents ...` commands: parse, call feedback/, print.

They work while the app is running: reads go through `open_reader` (read-only, retrying while the
ingester holds the file), and admin writes (purge, agents) through `exclusive_store`, which takes the
ingest lock for a moment, applies what the journals hold, writes, and lets go.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone

from supportloop.config import SupportloopConfig
from supportloop.errors import SupportloopError
from supportloop.paths import HomePaths

EXIT_OK = 0


def register(subparsers, add_command) -> None:
    """Add the feedback and agents command groups; `add_command` is supportloop.cli._command."""
    feedback = add_command(subparsers, "feedback", None, "inspect, export and purge the feedback store",
                           "supportloop feedback stats")
    feedback_sub = feedback.add_subparsers(title="feedback commands", metavar="ACTION")
    add_command(feedback_sub, "stats", run_feedback_stats, "counts, and satisfaction per version and per intent",
                "supportloop feedback stats")
    export = add_command(feedback_sub, "export", run_feedback_export,
                         "export turns (parquet) or training conversations (openai-jsonl, hf-dataset)",
                         "supportloop feedback export --format openai-jsonl --since 2026-05-01 --scrub-pii "
                         "--out corrections.jsonl")
    export.add_argument("--format", required=True, choices=("parquet", "openai-jsonl", "hf-dataset"))
    export.add_argument("--since", metavar="DATE", help="only turns created on or after this day (YYYY-MM-DD, UTC)")
    export.add_argument("--scrub-pii", action="store_true",
                        help="replace e-mails, phone numbers, card numbers, IBANs and street addresses by placeholders")
    export.add_argument("--out", required=True, metavar="PATH", help="output file (a directory for hf-dataset)")
    purge = add_command(feedback_sub, "purge", run_feedback_purge,
                        "delete a customer's conversations or everything older than N days (logged in the audit log)",
                        "supportloop feedback purge --customer cust-42 --reason 'privacy request #118'")
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--customer", metavar="ID", help="delete every conversation of this customer id")
    which.add_argument("--older-than", metavar="DAYS", type=int, help="delete conversations started over DAYS days ago")
    purge.add_argument("--reason", default="", help="why (kept in the audit log)")

    agents = add_command(subparsers, "agents", None, "manage the support agents who use the console and the API",
                         "supportloop agents add ann")
    agents_sub = agents.add_subparsers(title="agents commands", metavar="ACTION")
    add = add_command(agents_sub, "add", run_agents_add, "create an agent (asks for the password)",
                      "printf 'a long password' | supportloop agents add ann --password-stdin")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input (scripts)")
    add_command(agents_sub, "list", run_agents_list, "list agents", "supportloop agents list")
    disable = add_command(agents_sub, "disable", run_agents_disable,
                          "disable an agent: its logins and API token stop working", "supportloop agents disable ann")
    disable.add_argument("name")
    enable = add_command(agents_sub, "enable", run_agents_enable, "enable a disabled agent again",
                         "supportloop agents enable ann")
    enable.add_argument("name")
    token = add_command(agents_sub, "token", run_agents_token,
                        "issue a new API token for an agent (shown once; replaces the old one)",
                        "supportloop agents token ann")
    token.add_argument("name")


def _files(config: SupportloopConfig):
    from feedback.ingest import FeedbackFiles

    return FeedbackFiles.for_db(HomePaths.from_config(config).feedback_db)


def _actor() -> str:
    try:
        return f"{getpass.getuser()}@cli"
    except (KeyError, OSError):
        return "cli"


def run_feedback_stats(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.reader import open_reader

    with open_reader(_files(config).db, timeout_s=config.feedback.reader_timeout_s, ingest_first=True) as store:
        stats = store.stats()
    print(f"conversations {stats.conversations:,} · turns {stats.turns:,} · live ratings {stats.live_ratings:,} · "
          f"corrections {stats.corrections:,} · rejected events {stats.rejected_events:,}")
    for title, rows in (("version", stats.per_version), ("intent", stats.per_intent)):
        print(f"\n{title:<24} {'ratings':>8} {'👍':>6} {'👎':>6} {'stars':>6} {'satisfied':>10}")
        for row in rows:
            stars = f"{row.mean_stars:.2f}" if row.mean_stars is not None else "-"
            satisfied = f"{row.satisfaction:.1%}" if row.satisfaction is not None else "-"
            print(f"{row.key:<24} {row.ratings:>8} {row.thumbs_up:>6} {row.thumbs_down:>6} {stars:>6} {satisfied:>10}")
        if not rows:
            print("(no ratings yet)")
    return EXIT_OK


def run_feedback_export(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from pathlib import Path

    from feedback.export import export_feedback
    from feedback.pii import scrub_pii

    since = None
    if args.since:
        try:
            since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            raise SupportloopError(f"--since must be a date like 2026-05-01, not {args.since!r}") from None
    out = Path(args.out).expanduser()
    if args.format == "hf-dataset" and out.exists() and any(out.iterdir() if out.is_dir() else [out]):
        raise SupportloopError(f"{out} already exists; give a new directory for the dataset")
    written = export_feedback(_files(config).db, out, args.format, since=since,
                              system_prompt=config.serve.system_prompt, scrub=scrub_pii if args.scrub_pii else None,
                              reader_timeout_s=config.feedback.reader_timeout_s)
    unit = "turns" if args.format == "parquet" else "conversations"
    print(f"exported {written:,} {unit} to {out} ({args.format}{', PII scrubbed' if args.scrub_pii else ''})")
    return EXIT_OK


def run_feedback_purge(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.ingest import exclusive_store

    with exclusive_store(_files(config), timeout_s=max(config.feedback.reader_timeout_s, 1.0)) as store:
        if args.customer is not None:
            result = store.purge_customer(args.customer, _actor(), args.reason)
        else:
            if args.older_than < 0:
                raise SupportloopError(f"--older-than must be zero or more days, not {args.older_than}")
            result = store.purge_older_than(args.older_than, _actor())
    print(f"purged {result.conversations} conversations, {result.turns} turns, {result.ratings} ratings, "
          f"{result.corrections} corrections (logged in the audit log)")
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise SupportloopError("the two passwords differ; nothing was changed")
    return first


def run_agents_add(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.agents import add_agent, check_agent_name

    check_agent_name(args.name)
    agent = add_agent(_files(config), args.name, _read_password(args), _actor())
    print(f"agent {agent.name} added; log in at /agent/login, or get an API token with "
          f"`supportloop agents token {agent.name}`")
    return EXIT_OK


def run_agents_list(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.agents import list_agents

    agents = list_agents(_files(config).db, config.feedback.reader_timeout_s)
    print(f"{'name':<24} {'status':<9} {'api token':<10} created (UTC)")
    for agent in agents:
        print(f"{agent.name:<24} {'disabled' if agent.disabled else 'active':<9} "
              f"{'yes' if agent.api_token_hash else 'no':<10} {agent.created_at:%Y-%m-%d %H:%M}")
    if not agents:
        print("(no agents yet: supportloop agents add NAME)")
    return EXIT_OK


def run_agents_disable(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.agents import set_agent_disabled

    set_agent_disabled(_files(config), args.name, True, _actor())
    print(f"agent {args.name} disabled (sessions and API token stop working within "
          f"{config.feedback.agent_cache_s:g} s)")
    return EXIT_OK


def run_agents_enable(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.agents import set_agent_disabled

    set_agent_disabled(_files(config), args.name, False, _actor())
    print(f"agent {args.name} enabled")
    return EXIT_OK


def run_agents_token(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from feedback.agents import issue_api_token

    token = issue_api_token(_files(config), args.name, _actor())
    print(token)
    print(f"(API token of {args.name}: shown only now; send it as 'Authorization: Bearer <token>'. "
          f"Any earlier token of {args.name} no longer works.)", file=sys.stderr)
    return EXIT_OK
