"""Which conversations the simulator plays: deterministic, spread over the kinds, replayed turn by turn."""

import pytest

from corpus.generate import generate_corpus
from corpus.policy import load_policy
from simulator.plan import Exchange, PlanError, exchanges_of, plan_conversations


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(load_policy(None), seed=0, n_conversations=1200)


@pytest.mark.parametrize("messages, expected", [
    ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], (Exchange("a", "b"),)),
    ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
      {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}], (Exchange("a", "b"), Exchange("c", "d"))),
])
def test_exchanges_pair_each_user_message_with_the_answer_after_it(messages, expected):
    assert exchanges_of(messages) == expected


def test_only_the_simulator_split_is_played_and_the_plan_is_deterministic(corpus):
    plan = plan_conversations(corpus, 30, seed=1)
    simulator_ids = {c.id for c in corpus if c.split == "simulator"}
    assert {p.corpus_id for p in plan} <= simulator_ids
    assert plan == plan_conversations(corpus, 30, seed=1)
    assert plan != plan_conversations(corpus, 30, seed=2)


def test_a_short_plan_already_meets_every_hard_case_and_multi_turn(corpus):
    kinds = {p.kind for p in plan_conversations(corpus, 7, seed=0)}
    assert kinds == {"ambiguous", "back_reference", "impossible", "unconventional", "wrong_claim", "multi_turn",
                     "single_turn"}


def test_references_are_the_corpus_answers_in_order(corpus):
    by_id = {c.id: c for c in corpus}
    for planned in plan_conversations(corpus, 20, seed=0):
        messages = by_id[planned.corpus_id].messages
        assert [e.user for e in planned.exchanges] == [m["content"] for m in messages[::2]]
        assert [e.reference for e in planned.exchanges] == [m["content"] for m in messages[1::2]]


def test_a_plan_longer_than_the_material_repeats_with_unique_keys(corpus):
    available = sum(1 for c in corpus if c.split == "simulator")
    plan = plan_conversations(corpus, available + 3, seed=0)
    assert len({p.key for p in plan}) == len(plan) and plan[-1].key.endswith("#2")


@pytest.mark.parametrize("count", [0, -1])
def test_a_bad_count_is_refused(corpus, count):
    with pytest.raises(PlanError, match="at least 1"):
        plan_conversations(corpus, count, seed=0)


def test_a_corpus_without_simulator_material_is_refused(corpus):
    with pytest.raises(PlanError, match="no conversations"):
        plan_conversations([c for c in corpus if c.split != "simulator"], 3, seed=0)


def test_a_plan_can_keep_to_some_intents_and_names_the_known_ones_for_a_typo(corpus):
    plan = plan_conversations(corpus, 40, seed=0, intents=("returns_refunds", "shipping_delivery"))
    assert len(plan) == 40 and {p.intent for p in plan} == {"returns_refunds", "shipping_delivery"}
    with pytest.raises(PlanError, match="unknown intent.*returns; the simulator split has .*returns_refunds"):
        plan_conversations(corpus, 3, seed=0, intents=("returns",))
