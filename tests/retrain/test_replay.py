"""Replay of the base model's training conversations: which examples may be replayed, and how many are."""

from dataclasses import replace

from corpus.facts import corpus_claims
from feedback.pii import scrub_with_counts
from retrain.dataset import build_dataset, feedback_train_examples
from retrain.replay import SOURCE, choose_replay, replay_pool
from tests.retrain.test_dataset_build import CONFIG, golden, snapshot  # noqa: F401  (module-scoped fixture)


def _conversation(tiny_corpus, split="base_train", index=0):
    return [c for c in tiny_corpus.conversations if c.split == split][index]


def test_every_answer_the_store_still_states_becomes_an_example(tiny_corpus):
    training = [c for c in tiny_corpus.conversations if c.split == "base_train"]
    pool = replay_pool(training, corpus_claims(tiny_corpus.conversations), "tiny")
    assert pool.left_out_stale == 0
    assert len(pool.examples) == sum(m["role"] == "assistant" for c in training for m in c.messages)
    example = pool.examples[0]
    assert example.source == SOURCE and example.messages[-1]["role"] == "assistant"
    assert example.messages[:-1] == tuple(training[0].messages[:len(example.messages) - 1])


def test_answers_stating_what_the_store_no_longer_says_are_left_out_with_what_follows(tiny_corpus):
    conversation = next(c for c in tiny_corpus.conversations if c.split == "base_train" and len(c.messages) >= 4)
    messages = [dict(m) for m in conversation.messages]
    messages[1]["content"] = "Returns are accepted within 30 days of delivery."
    stale = replace(conversation, messages=tuple(messages))
    known = corpus_claims(tiny_corpus.conversations) - {"30 days"}
    pool = replay_pool([stale], known, "tiny")
    assistant_turns = sum(m["role"] == "assistant" for m in messages)
    # the stale answer sits in the prompt of every later turn: none of them is replayed
    assert (len(pool.examples), pool.left_out_stale) == (0, assistant_turns)


def test_choice_is_stable_capped_weighted_and_skips_golden_questions(tiny_corpus):
    training = [c for c in tiny_corpus.conversations if c.split == "base_train"]
    pool = replay_pool(training, corpus_claims(tiny_corpus.conversations), "tiny").examples
    chosen = choose_replay(pool, 10, 0.5)
    assert [e.example_id for e in chosen] == [e.example_id for e in choose_replay(list(reversed(pool)), 10, 0.5)]
    assert len(chosen) == 10 and {e.weight for e in chosen} == {0.5}
    assert len(choose_replay(pool, 10 * len(pool), 1.0)) == len(pool)
    assert choose_replay(pool, 0, 1.0) == []
    asked = chosen[0].prompt[-1]["content"]
    again = choose_replay(pool, 10, 0.5, excluded_questions=frozenset({asked}))
    assert len(again) == 10 and chosen[0].example_id not in {e.example_id for e in again}


def test_replay_joins_the_training_split_only_and_does_not_count_as_feedback(snapshot, tiny_corpus):  # noqa: F811
    snap, _ = snapshot
    training = [c for c in tiny_corpus.conversations if c.split == "base_train"]
    pool = replay_pool(training, corpus_claims(tiny_corpus.conversations), "tiny")
    config = replace(CONFIG, replay_ratio=0.5, replay_weight=0.7)
    plain = build_dataset(snap.turns, golden(tiny_corpus), CONFIG, scrub_with_counts)
    mixed = build_dataset(snap.turns, golden(tiny_corpus), config, scrub_with_counts, replay=pool)
    feedback = len(plain.splits["train"])
    replayed = [e for e in mixed.splits["train"] if e.source == SOURCE]
    assert len(replayed) == round(0.5 * feedback) > 0 and {e.weight for e in replayed} == {0.7}
    assert mixed.splits["train"][:feedback] == plain.splits["train"]
    assert all(e.source != SOURCE for name in ("validation", "test") for e in mixed.splits[name])
    assert mixed.splits["validation"] == plain.splits["validation"] and mixed.splits["test"] == plain.splits["test"]
    description = {"report": mixed.report}
    assert feedback_train_examples(description) == feedback
    assert mixed.report["replay"] == {"available": len(pool.examples), "left_out_stale": 0, "source": "tiny",
                                      "added": len(replayed)}
    assert mixed.sha256 != plain.sha256
