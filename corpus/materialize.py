"""Write the generated corpus to a file that the other stages (base build, simulator, golden-set eval) read.

The file is regenerated only when its content would change, so its sha256 identifies the corpus that a
model was built from, and a policy change (a new return window, say) shows up as a new hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from corpus.generate import generate_corpus
from corpus.policy import load_policy
from corpus.schema import Conversation, write_corpus


@dataclass(frozen=True)
class MaterializedCorpus:
    path: Path
    sha256: str
    conversations: tuple[Conversation, ...]


def materialize_corpus(policy_file: str, seed: int, conversations: int, out_file: Path) -> MaterializedCorpus:
    """Generate the corpus for this policy, seed and size, and make `out_file` hold exactly it."""
    policy = load_policy(policy_file or None)
    generated = generate_corpus(policy, seed=seed, n_conversations=conversations)
    expected = _jsonl_bytes(generated)
    digest = hashlib.sha256(expected).hexdigest()
    if not out_file.is_file() or hashlib.sha256(out_file.read_bytes()).hexdigest() != digest:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        write_corpus(out_file, generated)
        if out_file.read_bytes() != expected:  # the writer and this function must agree byte for byte
            raise AssertionError("write_corpus output differs from the expected JSONL encoding")
    return MaterializedCorpus(path=out_file, sha256=digest, conversations=tuple(generated))


def _jsonl_bytes(conversations) -> bytes:
    return "".join(json.dumps(c.to_json(), ensure_ascii=False) + "\n" for c in conversations).encode("utf-8")
