"""The judge: scores, policy facts, stars, thumbs with noise, corrections. Tables of cases, no IO."""

import dataclasses

import pytest

from corpus.policy import load_policy
from simulator.judge import (THUMBS_UP_STARS, agent_correction, customer_thumbs, fact_markers, judge_answer, noise_draw,
                             stars_for)

POLICY = load_policy(None)
RETURNS = "You can return items within 30 days of delivery, as long as they are unused and in the original packaging."


@pytest.mark.parametrize("facts, reference, expected", [
    (["return_window_days", "return_condition"], RETURNS, ("unused and in the original packaging", "30")),
    (["shipping_options"], "Express shipping: 1-2 business days, $12.99.", ("Express", "1-2 business days", "12.99")),
    (["free_return_shipping"], "Return shipping is free.", ()),  # yes/no facts have no words to look for
    (["warranty_months"], "Our warranty lasts 120 days.", ()),  # 12 only as a whole number
    ([], RETURNS, ()),
])
def test_fact_markers_are_the_policy_values_the_reference_states(facts, reference, expected):
    assert fact_markers(POLICY, facts, reference) == expected


@pytest.mark.parametrize("answer, stars, missing", [
    (RETURNS, 5, ()),
    (RETURNS.replace("30", "60"), 2, ("30",)),  # one token off, but the fact is wrong: poor
    ("You can return items within 300 days.", 1, ("unused and in the original packaging", "30")),
    ("", 1, ("unused and in the original packaging", "30")),
])
def test_a_wrong_fact_makes_an_answer_poor_however_close_the_wording(answer, stars, missing):
    markers = fact_markers(POLICY, ["return_window_days", "return_condition"], RETURNS)
    judgement = judge_answer(answer, RETURNS, markers)
    assert (judgement.stars, judgement.missing) == (stars, missing)
    assert judgement.poor == (stars <= 2)


def test_after_a_policy_change_the_old_answer_is_corrected_with_the_new_reference():
    new_policy = dataclasses.replace(POLICY, return_window_days=60)
    new_reference = RETURNS.replace("30", "60")
    judgement = judge_answer(RETURNS, new_reference, fact_markers(new_policy, ["return_window_days"], new_reference))
    assert judgement.rouge_l > 0.9 and judgement.score == 0 and agent_correction(judgement, new_reference) == new_reference


@pytest.mark.parametrize("score, stars", [(1.0, 5), (0.8, 5), (0.79, 4), (0.6, 4), (0.4, 3), (0.2, 2), (0.19, 1), (0, 1)])
def test_stars_follow_the_score(score, stars):
    assert stars_for(score) == stars


@pytest.mark.parametrize("answer, noise, draw, thumbs", [
    (RETURNS, 0.0, 0.5, True), ("no idea", 0.0, 0.5, False),
    (RETURNS, 0.3, 0.2, False), ("no idea", 0.3, 0.2, True),  # the draw falls in the noise: flipped
    (RETURNS, 0.3, 0.3, True),
])
def test_customer_thumbs_follow_the_judge_flipped_by_noise(answer, noise, draw, thumbs):
    assert customer_thumbs(judge_answer(answer, RETURNS, ()), noise, draw) is thumbs


def test_good_answers_get_no_correction():
    assert agent_correction(judge_answer(RETURNS, RETURNS, ()), RETURNS) is None


def test_noise_draws_are_fixed_by_seed_and_key_and_flip_about_the_share_asked():
    assert noise_draw(1, "c1", 0) == noise_draw(1, "c1", 0) != noise_draw(2, "c1", 0)
    draws = [noise_draw(0, f"c{i}", 0) for i in range(2000)]
    assert 0.17 < sum(d < 0.2 for d in draws) / len(draws) < 0.23


PILLOW_WARRANTY = "Every ShopNest product, the CloudRest Memory Foam Pillow included, comes with a 12-month warranty."


@pytest.mark.parametrize("answer, conversation, wrong", [
    (PILLOW_WARRANTY, (), ()),
    (PILLOW_WARRANTY.replace("CloudRest Memory Foam Pillow", "PulseFit Smart Watch"), (), ("PulseFit Smart Watch",)),
    (PILLOW_WARRANTY + " So is the Trailhead 30L Backpack.", ("Is the Trailhead 30L Backpack covered too?",), ()),
])
def test_an_answer_naming_a_product_the_conversation_did_not_is_poor(answer, conversation, wrong):
    judgement = judge_answer(answer, PILLOW_WARRANTY, (), conversation)
    assert judgement.wrong_names == wrong
    assert judgement.poor == bool(wrong)
    assert judgement.rouge_l > 0.7  # the wording alone would have earned four or five stars


@pytest.mark.parametrize("conversation, wrong_orders", [
    (("Where is order #SN28410?",), ("#SN74197",)),
    (("Where is order #SN74197?",), ()),
])
def test_a_wrong_order_number_keeps_a_good_answer_from_being_a_training_target(conversation, wrong_orders):
    reference = "Order #SN28410 shipped with UPS and should arrive within 3 business days."
    answer = reference.replace("#SN28410", "#SN74197")
    judgement = judge_answer(answer, reference, (), conversation)
    assert judgement.wrong_orders == wrong_orders
    assert judgement.rouge_l > 0.8  # the wording alone earns five stars
    assert judgement.stars == (THUMBS_UP_STARS if wrong_orders else 5)
    assert not judgement.poor  # ... and no correction: the small model cannot learn to copy the number
