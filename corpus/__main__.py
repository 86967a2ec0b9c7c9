"""Command line for the bundled corpus: build it from a policy file, print its statistics, validate a file.

    python -m corpus build OUTDIR [--policy PATH] [--seed N] [--conversations N]
    python -m corpus stats FILE
    python -m corpus validate FILE

Errors in the policy or corpus file are printed as one line (no traceback) with exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from corpus.generate import DEFAULT_CONVERSATIONS, generate_corpus
from corpus.policy import DEFAULT_POLICY_PATH, load_policy, policy_hash
from corpus.schema import CorpusError, read_corpus, write_corpus
from corpus.stats import corpus_stats, format_stats

CORPUS_FILE_NAME = "corpus.jsonl"


def run_build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    policy = load_policy(args.policy)
    conversations = generate_corpus(policy, seed=args.seed, n_conversations=args.conversations)
    out_file = Path(args.outdir) / CORPUS_FILE_NAME
    write_corpus(out_file, conversations)
    print(f"wrote {len(conversations)} conversations to {out_file} in {time.monotonic() - started:.2f} s "
          f"(policy {args.policy or DEFAULT_POLICY_PATH}, sha256 {policy_hash(policy)[:12]}, seed {args.seed})\n")
    print(format_stats(corpus_stats(conversations)))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    print(format_stats(corpus_stats(read_corpus(args.file))))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    conversations = read_corpus(args.file)
    print(f"{args.file}: OK, {len(conversations)} valid conversations")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m corpus", description="Build, inspect and validate the bundled "
                                     "ShopNest support corpus.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    example = argparse.RawDescriptionHelpFormatter

    build = commands.add_parser("build", help="generate OUTDIR/corpus.jsonl from the policy file", formatter_class=example,
                                description="Generate the corpus from a policy file and print its statistics.",
                                epilog="example:\n  python -m corpus build /tmp/corpus_out --seed 0\n"
                                       "  python -m corpus build out/ --policy my_policy.toml")
    build.add_argument("outdir", help="directory to write corpus.jsonl into (created if missing)")
    build.add_argument("--policy", default=None, help=f"policy TOML file (default: {DEFAULT_POLICY_PATH})")
    build.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    build.add_argument("--conversations", type=int, default=DEFAULT_CONVERSATIONS,
                       help=f"number of conversations (default: {DEFAULT_CONVERSATIONS})")
    build.set_defaults(run=run_build)

    stats = commands.add_parser("stats", help="print counts per intent, persona, hard case and split",
                                formatter_class=example, description="Print statistics of a corpus JSONL file.",
                                epilog="example:\n  python -m corpus stats /tmp/corpus_out/corpus.jsonl")
    stats.add_argument("file", help="corpus JSONL file")
    stats.set_defaults(run=run_stats)

    validate = commands.add_parser("validate", help="check every line of a corpus file", formatter_class=example,
                                   description="Validate a corpus JSONL file; exit 1 naming the first bad line.",
                                   epilog="example:\n  python -m corpus validate /tmp/corpus_out/corpus.jsonl")
    validate.add_argument("file", help="corpus JSONL file")
    validate.set_defaults(run=run_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (CorpusError, ValueError, OSError) as error:  # ValueError: a negative --conversations; OSError: OUTDIR
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
