"""corpus: the bundled ShopNest e-commerce support corpus the embedded base model is trained on.

Stdlib only. `policy.toml` holds every store fact; `generate_corpus` renders thousands of labelled
conversations (intents, customer personas, hard cases, train/simulator/golden splits) from it, and
`read_corpus`/`write_corpus` move them through JSONL files. Run `python -m corpus --help` for the CLI and
see README.md in this directory for the file format.
"""

from corpus.generate import assign_split, generate_corpus
from corpus.policy import Policy, ShippingOption, load_policy, policy_hash
from corpus.schema import (HARD_CASES, INTENTS, PERSONAS, SPLITS, Conversation, CorpusError, read_corpus,
                           validate_conversation, write_corpus)
from corpus.stats import corpus_stats, format_stats

__all__ = [
    "HARD_CASES", "INTENTS", "PERSONAS", "SPLITS", "Conversation", "CorpusError", "Policy", "ShippingOption",
    "assign_split", "corpus_stats", "format_stats", "generate_corpus", "load_policy", "policy_hash", "read_corpus",
    "validate_conversation", "write_corpus",
]
