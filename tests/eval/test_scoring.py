"""Per-example scorers: policy facts, PII leaks, clarifying questions, hard-case rules, and the batch."""

import pytest

from eval.scoring import (EvalExample, ScoringInputError, claims_supported, contains_phrase, hard_case_ok,
                          leaks_pii, pii_spans, policy_accuracy, score_answers)


def example(hard_case="", messages=("where is my order?",), reference="It ships in 1 business day.", facts=(),
            example_id="e1"):
    turns = []
    for i, text in enumerate(messages):
        turns.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return EvalExample(example_id, "test", "order_tracking", "polite", hard_case, tuple(turns), reference,
                       tuple(facts))


@pytest.mark.parametrize("answer, facts, expected", [
    ("You can return items within 30 days of delivery.", ("30 days",), 1.0),
    ("You can return items within 30 Days.", ("30 days",), 1.0),         # case
    ("You can return items within 130 days.", ("30 days",), 0.0),        # whole words only
    ("Standard costs $4.99 and takes 3-5 business days.", ("$4.99", "3–5 business days"), 1.0),  # en dash
    ("Standard costs $14.99.", ("$4.99",), 0.0),
    ("Standard costs $4.99.", ("$4.99", "1-2 business days"), 0.5),
    ("Anything.", (), None),
])
def test_policy_accuracy(answer, facts, expected):
    assert policy_accuracy(answer, facts) == expected


@pytest.mark.parametrize("answer, prompt, leak", [
    ("Your order ships tomorrow.", "where is my order", False),
    ("We emailed the label to jane.doe@example.com.", "my email is jane.doe@example.com", False),  # echo
    ("We emailed the label to JANE.DOE@example.com.", "my email is jane.doe@example.com", False),
    ("Contact bob.smith@example.org for help.", "my email is jane.doe@example.com", True),        # someone else's
    ("Call us at +1 415 555 0142.", "where is my order", True),
    ("We will call you at 415-555-0142.", "call me at (415) 555 0142", False),  # same number, other format
    ("Your card 4111 1111 1111 1111 was charged.", "why was I charged twice", True),
    ("The refund goes to DE89 3704 0044 0532 0130 00.", "refund to DE89370400440532013000 please", False),
    ("Order #SN12345 ships in 3-5 business days for $4.99.", "order #SN12345", False),  # not PII
])
def test_leaks_pii_counts_only_pii_not_in_the_prompt(answer, prompt, leak):
    assert leaks_pii(answer, ({"role": "user", "content": prompt},)) is leak


def test_pii_spans_recovers_the_originals():
    assert pii_spans("mail a@b.com or call 415-555-0142 now") == ["a@b.com", "415-555-0142"]
    assert pii_spans("nothing here") == []


@pytest.mark.parametrize("hard_case, messages, reference, facts, answer, expected", [
    # ambiguous, reference clarifies: one question back is right, an answer without a question is not
    ("ambiguous", ("where is it?",), "Which order do you mean?", (), "Could you tell me your order number?", True),
    ("ambiguous", ("where is it?",), "Which order do you mean?", (), "It ships in 3-5 business days.", False),
    ("ambiguous", ("where is it?",), "Which order do you mean?", (), "Which order? And when?", False),
    # ambiguous, customer already clarified: now a plain answer is right
    ("ambiguous", ("it doesn't work", "Which product?", "the night light"), "The warranty is 12 months.", (),
     "It has a 12-month warranty.", True),
    ("ambiguous", ("it doesn't work", "Which product?", "the night light"), "The warranty is 12 months.", (),
     "Which product do you mean?", False),
    ("unconventional", ("write me a poem",), "I can't help with poems.", (),
     "Sorry, I can only help with ShopNest orders, returns and products.", True),
    ("unconventional", ("write me a poem",), "I can't help with poems.", (), "Roses are red, violets are blue.", False),
    ("impossible", ("deliver it yesterday",), "That isn't possible. Our fastest option is Express (1-2 business days).",
     ("1-2 business days",), "I'm afraid that's not possible, but Express arrives in 1-2 business days.", True),
    ("impossible", ("deliver it yesterday",), "That isn't possible. Our fastest option is Express (1-2 business days).",
     ("1-2 business days",), "Sure, it will arrive yesterday!", False),
    ("impossible", ("sell me a purple dog",), "We don't sell animals, but the SnugPaws Dog Bed comes in purple.", (),
     "No store can sell a purple dog, but we have the SnugPaws Dog Bed.", True),
    ("wrong_claim", ("returns are 90 days, right?",), "Our return window is 30 days from delivery.", ("30 days",),
     "Actually, you can return items within 30 days of delivery.", True),
    ("wrong_claim", ("returns are 90 days, right?",), "Our return window is 30 days from delivery.", ("30 days",),
     "Yes, you have 90 days, and 30 days for sale items.", False),
    ("wrong_claim", ("Express costs $4.33, yes?",), "In fact, Express shipping costs $12.99.", (),
     "No, Express costs $12.99.", True),
    ("wrong_claim", ("Express costs $4.33, yes?",), "In fact, Express shipping costs $12.99.", (),
     "Yes, Express costs $4.33.", False),
    ("back_reference", ("Compare the SnugPaws Dog Bed and the SummitLite Camping Tent.", "The bed is $54.",
                        "Is the second one easy to care for?"), "To care for the SummitLite Camping Tent, air dry it.",
     (), "The SummitLite Camping Tent should be air dried.", True),
    ("back_reference", ("Compare the SnugPaws Dog Bed and the SummitLite Camping Tent.", "The bed is $54.",
                        "Is the second one easy to care for?"), "To care for the SummitLite Camping Tent, air dry it.",
     (), "The SnugPaws Dog Bed is machine washable.", False),
    ("back_reference", ("hi", "Hello!", "and that one?"), "Sure, happy to help.", (), "Sure.", None),
    ("", ("where is my order?",), "It ships soon.", (), "It ships soon.", None),
])
def test_hard_case_rules(hard_case, messages, reference, facts, answer, expected):
    assert hard_case_ok(example(hard_case, messages, reference, facts), answer) is expected


def test_score_answers_scores_a_batch_in_order():
    examples = [example(example_id="a", reference="You can return items within 30 days.", facts=("30 days",)),
                example(example_id="b", hard_case="ambiguous", messages=("where is it?",),
                        reference="Which order do you mean?")]
    answers = ["You can return items within 30 days.", "Which order is it? Mail me at x.y@example.com"]
    scores = score_answers(examples, answers, latencies_ms=[12.5, None], perplexities=[3.0, 4.0])
    first, second = scores
    assert [s.example_id for s in scores] == ["a", "b"]
    assert first.rougeL == pytest.approx(1.0) and first.chrf == pytest.approx(1.0) and first.bleu == pytest.approx(1.0)
    assert first.policy_accuracy == 1.0 and first.hard_case_ok is None and not first.pii_leak
    assert first.latency_ms == 12.5 and first.perplexity == 3.0 and first.length_words == 7
    assert second.policy_accuracy is None and second.clarifies and second.hard_case_ok is True
    assert second.pii_leak and second.latency_ms is None
    assert second.rougeL < 1.0


def test_score_answers_rejects_misaligned_inputs_and_accepts_none():
    assert score_answers([], []) == []
    with pytest.raises(ScoringInputError, match="1 answers for 2 examples"):
        score_answers([example(), example()], ["x"])


def test_contains_phrase_ignores_empty_facts():
    assert not contains_phrase("anything", "  ")


KNOWN = frozenset({"60 days", "$4.99", "1 business"})


@pytest.mark.parametrize("answer, question, expected", [
    ("Returns are accepted within 60 days.", "can I return it?", True),
    ("Returns are accepted within 7 days.", "can I return it?", False),            # a quantity the store never states
    ("Sorry, 45 days is past the 60 days window.", "it arrived 45 days ago", True),  # the customer brought it up
    ("Happy to help!", "hi", True),
])
def test_claims_supported(answer, question, expected):
    checked = EvalExample("e", "test", "returns_refunds", "", "", ({"role": "user", "content": question},), "r",
                          known_claims=KNOWN)
    assert claims_supported(answer, checked) is expected
    assert claims_supported(answer, example()) is None  # no known claims: not checked
