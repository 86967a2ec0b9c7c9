"""Replay: conversations the base model was trained on, mixed into a night's training split (pure, but for one reader).

A night's feedback is a few hundred examples, each seen many times by the fine-tune; what they do not cover
drifts. In the demo's feedback (166 examples, mostly corrections about returns and shipping), every setting
tried (fewer or more steps, lower rate, rank 4, dropout, MLP-only) taught the new return window and lost
cancellation and warranty answers to other topics, enough for the gate to reject. Rehearsing as many of the
base model's own training conversations as there are feedback examples kept them (cancellation 0.61 vs 0.65
policy accuracy on the golden set, was 0.52) and still learned the change (returns 0.28 → 0.56).

Replay never teaches what the store no longer says: an example in which any answer states a quantity the
current corpus does not state (the old "30 days" after the policy moved to 60) is left out, so new facts come
from the agents only. The pool exists for the built-in base model, which keeps its training conversations
beside its weights; an external base model has none, and nights train on feedback alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Optional, Sequence

from corpus.facts import claims_in

from retrain.dataset_rules import Example, stable_fraction

SOURCE = "replay"
TRAINING_CONVERSATIONS_FILE = "training_conversations.jsonl"  # written by the built-in base model's build


@dataclass(frozen=True)
class ReplayPool:
    """Examples that may be replayed, and how many were left out for stating what the store no longer says."""
    examples: tuple[Example, ...] = ()
    left_out_stale: int = 0
    source: str = ""  # where the conversations came from, or why there are none

    def to_json(self) -> dict:
        return {"available": len(self.examples), "left_out_stale": self.left_out_stale, "source": self.source}


def replay_pool(conversations: Iterable, known_claims: frozenset[str], source: str) -> ReplayPool:
    """Every assistant turn of `conversations` as an example (the conversation before it as the prompt).

    A turn whose answer, or an earlier answer in its prompt, states a quantity outside `known_claims` is stale.
    """
    examples, stale = [], 0
    for conversation in conversations:
        answers_so_far_current = True
        for index, message in enumerate(conversation.messages):
            if message["role"] != "assistant":
                continue
            answers_so_far_current = answers_so_far_current and claims_in(message["content"]) <= known_claims
            if not answers_so_far_current:
                stale += 1
                continue
            examples.append(Example(
                example_id=f"{SOURCE}:{conversation.id}:{index}", conversation_id=f"{SOURCE}:{conversation.id}",
                customer_id="", intent=conversation.intent, source=SOURCE, weight=1.0,
                messages=tuple(dict(m) for m in conversation.messages[:index + 1])))
    return ReplayPool(tuple(examples), stale, source)


def choose_replay(pool: Sequence[Example], count: int, weight: float,
                  excluded_questions: frozenset[str] = frozenset(), key=lambda text: text) -> list[Example]:
    """`count` examples of `pool` in a stable pseudo-random order, weighted `weight`.

    Examples asking one of `excluded_questions` (compared through `key`: the golden set's questions) are
    skipped: the corpus is generated from templates, so a base-training question can equal a golden one.
    """
    if count <= 0:
        return []
    ranked = sorted(pool, key=lambda e: stable_fraction(e.example_id, "replay"))
    chosen = []
    for example in ranked:
        if any(m["role"] == "user" and key(m["content"]) in excluded_questions for m in example.prompt):
            continue
        chosen.append(replace(example, weight=weight))
        if len(chosen) == count:
            break
    return chosen


def read_training_conversations(base_model_dir: str) -> Optional[list]:
    """The conversations a built-in base model was trained on, or None when the model has none beside it."""
    from corpus.schema import read_corpus

    path = Path(base_model_dir) / TRAINING_CONVERSATIONS_FILE
    return read_corpus(path) if path.is_file() else None
