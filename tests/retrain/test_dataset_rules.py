"""Table tests of the dataset rules: which feedback becomes a target, a preference pair or a good/bad label."""

import pytest

from retrain.dataset_rules import FeedbackTurn, RuleSettings, apply_rules, judge_turn, primary_intent

SETTINGS = RuleSettings(min_agent_stars=4, correction_weight=1.0, agent_rated_weight=0.8,
                        customer_thumbs_weight=0.3, max_examples_per_customer=2)


def answer(**feedback) -> FeedbackTurn:
    return FeedbackTurn(turn_id="a1", conversation_id="c1", customer_id="cust", turn_index=1, role="assistant",
                        text="Returns are accepted within 30 days.", **feedback)


@pytest.mark.parametrize("feedback, source, weight, label, reason", [
    (dict(correction="Returns are accepted within 60 days."), "correction", 1.0, None, "corrected"),
    (dict(correction="   "), None, 0.0, None, "no_signal"),  # a blank correction is no correction
    (dict(agent_stars=5.0), "agent_rating", 0.8, True, "agent_good"),
    (dict(agent_stars=4.0, customer_down=3), "agent_rating", 0.8, True, "agent_good"),  # agent overrides customers
    (dict(agent_stars=3.0, customer_up=5), None, 0.0, None, "agent_neutral"),  # ... both ways
    (dict(agent_stars=1.5, customer_up=9), None, 0.0, False, "agent_bad"),
    (dict(agent_up=1), "agent_rating", 0.8, True, "agent_good"),
    (dict(agent_down=1, customer_up=1), None, 0.0, False, "agent_bad"),
    (dict(customer_up=1), "customer_thumbs", 0.3, True, "customer_good"),
    (dict(customer_up=2, customer_down=1), "customer_thumbs", 0.3, True, "customer_good"),
    (dict(customer_down=1), None, 0.0, False, "customer_bad"),  # thumbs down never becomes a target
    (dict(customer_up=1, customer_down=1), None, 0.0, None, "customer_tie"),
    (dict(), None, 0.0, None, "no_signal"),
])
def test_judge_turn(feedback, source, weight, label, reason):
    judgement = judge_turn(answer(**feedback), SETTINGS)
    assert (judgement.source, judgement.weight, judgement.label, judgement.reason) == (source, weight, label, reason)


def conversation(conversation_id, customer, *answers_feedback, excluded_at=None, intents=()):
    turns = []
    for index, feedback in enumerate(answers_feedback):
        turns.append(FeedbackTurn(f"{conversation_id}-u{index}", conversation_id, customer, 2 * index, "user",
                                  f"question {index} of {conversation_id}", excluded=excluded_at == 2 * index,
                                  intents=intents))
        turns.append(FeedbackTurn(f"{conversation_id}-a{index}", conversation_id, customer, 2 * index + 1,
                                  "assistant", f"answer {index}", excluded=excluded_at == 2 * index + 1,
                                  intents=intents, **feedback))
    return turns


def test_correction_gives_example_pair_and_labels_with_the_conversation_as_prompt():
    turns = conversation("c1", "cust", {}, {"correction": "better answer 1"})
    outcome = apply_rules(turns, SETTINGS)
    (example,) = outcome.examples
    assert example.source == "correction" and example.target == "better answer 1"
    assert [m["content"] for m in example.prompt] == ["question 0 of c1", "answer 0", "question 1 of c1"]
    (pair,) = outcome.pairs
    assert (pair.chosen, pair.rejected) == ("better answer 1", "answer 1")
    assert sorted((label.completion, label.label) for label in outcome.labels) == [
        ("answer 1", False), ("better answer 1", True)]


def test_excluded_turn_removes_itself_and_everything_after_it():
    turns = conversation("c1", "cust", {"agent_stars": 5.0}, {"agent_stars": 5.0}, {"agent_stars": 5.0},
                         excluded_at=2)
    outcome = apply_rules(turns, SETTINGS)
    assert [e.example_id for e in outcome.examples] == ["c1-a0"]
    assert outcome.counts["excluded"] == 2


def test_customer_cap_keeps_a_stable_subset_and_never_caps_agents():
    turns = conversation("c1", "eager", *([{"customer_up": 1}] * 5), {"agent_stars": 5.0}, {"correction": "x y z"})
    turns += conversation("c2", "other", {"customer_up": 1})
    outcome = apply_rules(turns, SETTINGS)
    sources = [(e.customer_id, e.source) for e in outcome.examples]
    assert sources.count(("eager", "customer_thumbs")) == 2
    assert ("eager", "agent_rating") in sources and ("eager", "correction") in sources
    assert ("other", "customer_thumbs") in sources
    assert outcome.counts["customer_cap"] == 3
    assert [e.example_id for e in apply_rules(turns, SETTINGS).examples] == [e.example_id for e in outcome.examples]


def test_answer_without_a_question_before_it_is_not_used():
    turns = [FeedbackTurn("a0", "c1", "cust", 0, "assistant", "Hello! How can I help?", agent_stars=5.0)]
    outcome = apply_rules(turns, SETTINGS)
    assert outcome.examples == () and outcome.counts["no_question"] == 1


@pytest.mark.parametrize("own, conversation_intents, expected", [
    ((), (), "unknown"), (("shipping",), ("refund",), "shipping"), ((), ("refund", "account"), "account")])
def test_primary_intent(own, conversation_intents, expected):
    turn = FeedbackTurn("t", "c", "x", 1, "assistant", "a", intents=own)
    assert primary_intent(turn, conversation_intents) == expected


def test_truncated_answers_are_marked():
    assert answer(completion_tokens=160, max_tokens=160).truncated
    assert not answer(completion_tokens=40, max_tokens=160).truncated
    assert not answer().truncated
