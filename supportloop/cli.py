"""The `supportloop` command line: one subcommand per workflow, each a short function that parses,
builds its dependencies, calls library code and returns an exit code.

Heavy libraries (torch, transformers, vLLM) are imported inside the commands, so `--help` is instant.
Problems a user can fix (SupportloopError) are printed as one line without a traceback, exit code 1.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
from collections.abc import Sequence

from supportloop import __version__, commands_demo, commands_feedback, commands_monitor, commands_registry, commands_release, commands_retrain, commands_serve, commands_simulate
from supportloop.config import SupportloopConfig, config_as_dict, config_reference, load_config
from supportloop.errors import SupportloopError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


# No space left, quota exceeded, or the process's file-size limit (what the test uses to fill a "disk").
DISK_FULL_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_ERROR
    try:
        config = load_config(args.config, env=_environment(args))
        return args.run(args, config)
    except SupportloopError as exc:
        print(f"supportloop: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("supportloop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if exc.errno not in DISK_FULL_ERRORS:
            raise
        # Every writer stages its files and publishes them by a rename, so a full disk leaves nothing half-written.
        print(f"supportloop: error: out of disk space writing {exc.filename or 'a file'} ({exc.strerror}); "
              "nothing was published: free space and run the command again", file=sys.stderr)
        return EXIT_ERROR


def _environment(args: argparse.Namespace) -> dict[str, str]:
    import os

    env = dict(os.environ)
    if args.home:
        env["SUPPORTLOOP_HOME"] = args.home
    return env


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportloop",
        description="A support chatbot that learns every night from its customers' and agents' feedback.",
        epilog="example: supportloop quickstart",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"supportloop {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML config file (default: ./supportloop.toml, then $SUPPORTLOOP_HOME/supportloop.toml)")
    parser.add_argument("--home", metavar="DIR", help="home directory of all state (overrides SUPPORTLOOP_HOME; default ~/.supportloop)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    _command(commands, "quickstart", run_quickstart,
             "build the base model if needed and answer golden-set questions with it through vLLM",
             "supportloop quickstart --questions 3")
    commands.choices["quickstart"].add_argument("--questions", type=int, default=3, help="how many golden-set questions to ask (default 3)")

    config_cmd = _command(commands, "config", None, "show the resolved configuration or its reference", "supportloop config show")
    config_sub = config_cmd.add_subparsers(title="config commands", metavar="ACTION")
    show = _command(config_sub, "show", run_config_show, "print the resolved configuration (secrets masked)",
                    "SUPPORTLOOP__SERVE__PORT=8000 supportloop config show --format json")
    show.add_argument("--format", choices=("toml", "json"), default="toml")
    _command(config_sub, "reference", run_config_reference, "print every key with its default and meaning (Markdown)",
             "supportloop config reference")

    corpus_cmd = _command(commands, "corpus", None, "generate or inspect the bundled support corpus", "supportloop corpus stats")
    corpus_sub = corpus_cmd.add_subparsers(title="corpus commands", metavar="ACTION")
    _command(corpus_sub, "build", run_corpus_build, "generate the corpus from the policy file into the home directory",
             "supportloop corpus build")
    _command(corpus_sub, "stats", run_corpus_stats, "print conversation, turn, intent, persona and hard-case counts",
             "supportloop corpus stats")

    base_cmd = _command(commands, "base", None, "build or inspect the base model", "supportloop base build")
    base_sub = base_cmd.add_subparsers(title="base commands", metavar="ACTION")
    build = _command(base_sub, "build", run_base_build, "train the built-in tokenizer and base model on CPU (a few minutes)",
                     "supportloop base build")
    build.add_argument("--force", action="store_true", help="rebuild even if a model for this corpus and config exists")
    _command(base_sub, "info", run_base_info, "print which base model is used and its manifest", "supportloop base info")
    ask = _command(base_sub, "ask", run_base_ask, "start vLLM on the base model and answer questions",
                   'supportloop base ask "How long do I have to return an item?"')
    ask.add_argument("questions", nargs="+", metavar="QUESTION")
    commands_serve.register(commands, _command)
    commands_feedback.register(commands, _command)
    commands_simulate.register(commands, _command)
    commands_retrain.register(commands, _command)
    commands_registry.register(commands, _command)
    commands_release.register(commands, _command)
    commands_monitor.register(commands, _command)
    commands_demo.register(commands, _command)
    return parser


def _command(subparsers, name: str, run, help_text: str, example: str) -> argparse.ArgumentParser:
    command = subparsers.add_parser(name, help=help_text, description=help_text, epilog=f"example: {example}",
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    if run is not None:
        command.set_defaults(run=run)
    else:
        command.set_defaults(run=lambda args, config, c=command: (c.print_help(), EXIT_ERROR)[1])
    return command


def run_config_show(args: argparse.Namespace, config: SupportloopConfig) -> int:
    data = config_as_dict(config)
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        import tomli_w

        print(tomli_w.dumps(data), end="")
    return EXIT_OK


def run_config_reference(args: argparse.Namespace, config: SupportloopConfig) -> int:
    print("| key | default | meaning |\n|---|---|---|")
    for key, default, text in config_reference():
        print(f"| `{key}` | `{default}` | {text} |")
    return EXIT_OK


def run_corpus_build(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from supportloop.base import current_corpus

    built = current_corpus(config)
    print(f"corpus: {len(built.conversations)} conversations in {built.path} (sha256 {built.sha256[:12]})")
    return EXIT_OK


def run_corpus_stats(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from corpus.stats import corpus_stats, format_stats
    from supportloop.base import current_corpus

    print(format_stats(corpus_stats(current_corpus(config).conversations)))
    return EXIT_OK


def run_base_build(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from supportloop.base import ensure_base_model

    base, manifest = ensure_base_model(config, force=args.force, announce=print)
    if manifest:
        print(f"base model: {base.name_or_path}\n  parameters {manifest['parameters']:,}, "
              f"final train loss {manifest['final_train_loss']}, validation loss {manifest['validation_loss']}, "
              f"built in {manifest['build_seconds']} s")
    return EXIT_OK


def run_base_info(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from supportloop.base import current_base_model, read_manifest

    base = current_base_model(config)
    print(f"base model: {base.name_or_path} ({'built-in' if base.builtin else 'configured'})")
    if base.builtin:
        print(json.dumps(read_manifest(base), indent=2))
    return EXIT_OK


def run_base_ask(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from supportloop.base import answer_with_engine, current_base_model

    base = current_base_model(config)
    for question, answer in answer_with_engine(config, base, [[{"role": "user", "content": q}] for q in args.questions]):
        print(f"Q: {question[-1]['content']}\nA: {answer}\n")
    return EXIT_OK


def run_quickstart(args: argparse.Namespace, config: SupportloopConfig) -> int:
    from supportloop.base import answer_with_engine, current_corpus, ensure_base_model

    base, _ = ensure_base_model(config, force=False, announce=print)
    golden = [c for c in current_corpus(config).conversations if c.split == "golden"]
    chosen = _spread(golden, args.questions)
    prompts = [list(c.messages[:1]) for c in chosen]
    print(f"asking {len(prompts)} golden-set questions through vLLM (model {base.name_or_path})")
    for conversation, (_, answer) in zip(chosen, answer_with_engine(config, base, prompts)):
        print(f"\n[{conversation.intent}{' / ' + conversation.hard_case if conversation.hard_case else ''}]")
        print(f"Q:         {conversation.messages[0]['content']}")
        print(f"model:     {answer}")
        print(f"reference: {conversation.messages[1]['content']}")
    return EXIT_OK


def _spread(items: list, count: int) -> list:
    """`count` items spread evenly over the list, so a few samples cover different intents."""
    if count <= 0 or not items:
        return []
    step = max(1, len(items) // count)
    return items[::step][:count]


if __name__ == "__main__":
    sys.exit(main())
