"""Tests of the bundled corpus: policy loading, generation (size, labels, determinism, splits, hard cases,
policy changes), the JSONL format and its validation, statistics and the CLI. Real files, no mocks."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections import Counter

import pytest

from corpus import (HARD_CASES, INTENTS, PERSONAS, SPLITS, Conversation, CorpusError, assign_split, corpus_stats,
                    format_stats, generate_corpus, load_policy, policy_hash, read_corpus, validate_conversation,
                    write_corpus)
from corpus.__main__ import main
from corpus.catalog import PRODUCTS
from corpus.facts import claims_in, known_claims
from corpus.generate import conversation_id
from corpus.policy import DEFAULT_POLICY_PATH, Policy, ShippingOption
from corpus.schema import POLICY_FACTS
from corpus.slots import COUNTRIES, TOWNS


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def corpus(policy) -> list[Conversation]:
    return generate_corpus(policy, seed=0)


def assistant_texts(conversations):
    return [m["content"] for c in conversations for m in c.messages if m["role"] == "assistant"]


def user_turns(conversation) -> int:
    return sum(m["role"] == "user" for m in conversation.messages)


# --- policy ---------------------------------------------------------------------------------------------------
def test_bundled_policy_has_the_documented_values(policy):
    assert policy.store_name == "ShopNest"
    assert policy.return_window_days == 30
    assert policy.warranty_months == 12
    assert [o.name for o in policy.shipping_options] == ["Standard", "Express"]
    assert policy.free_shipping_threshold == 50.0


def test_policy_facts_constant_matches_policy_fields():
    fields = {f.name for f in dataclasses.fields(Policy)} - {"store_name", "currency_symbol"}
    assert set(POLICY_FACTS) == fields


def test_policy_hash_is_stable_and_changes_with_any_value(policy):
    assert policy_hash(policy) == policy_hash(load_policy(DEFAULT_POLICY_PATH))
    assert re.fullmatch(r"[0-9a-f]{64}", policy_hash(policy))
    assert policy_hash(dataclasses.replace(policy, return_window_days=60)) != policy_hash(policy)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("return_window_days = 30", "", "missing key 'returns.return_window_days'"),
    ("return_window_days = 30", 'return_window_days = "thirty"', "invalid value for 'returns.return_window_days'"),
    ("return_window_days = 30", "return_window_days = -3", "invalid value for 'returns.return_window_days'"),
    ("warranty_months = 12", "warranty_months = 12\nwarranty_years = 1", "unknown key 'warranty.warranty_years'"),
    ("international_shipping = true", 'international_shipping = "yes"', "'shipping.international_shipping'"),
    ('free_shipping_option = "Standard"', 'free_shipping_option = "Turbo"', "'shipping.free_shipping_option'"),
    ("price = 12.99", "", "missing key 'shipping.options[1].price'"),
    ("[payments]", "[payment]", "unknown section [payment]"),
    ("store_name = ", "store_name == ", "not valid TOML"),
])
def test_load_policy_errors_name_the_bad_key(tmp_path, old, new, message):
    text = DEFAULT_POLICY_PATH.read_text()
    assert old in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CorpusError, match=re.escape(message)) as error:
        load_policy(path)
    assert str(path) in str(error.value)


def test_load_policy_reports_a_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.toml")


# --- size, labels, structure -----------------------------------------------------------------------------------
def test_default_corpus_is_large_and_covers_every_intent(corpus):
    assert len(corpus) == 3200
    intents = Counter(c.intent for c in corpus)
    assert set(intents) == set(INTENTS) and len(INTENTS) >= 8
    assert min(intents.values()) >= 100, intents


def test_every_label_appears_in_every_split(corpus):
    for split in SPLITS:
        part = [c for c in corpus if c.split == split]
        assert {c.intent for c in part} == set(INTENTS), split
        assert {c.persona for c in part} == set(PERSONAS), split
        assert {c.hard_case for c in part} - {None} == set(HARD_CASES), split


def test_hard_cases_have_enough_conversations(corpus):
    counts = Counter(c.hard_case for c in corpus)
    assert all(counts[hard_case] >= 60 for hard_case in HARD_CASES), counts


def test_messages_alternate_and_multi_turn_share(corpus):
    for c in corpus:
        roles = [m["role"] for m in c.messages]
        assert roles == ["user", "assistant"] * (len(roles) // 2), c.id
        assert 1 <= user_turns(c) <= 4, c.id
    multi = sum(user_turns(c) > 1 for c in corpus)
    assert multi / len(corpus) >= 0.30
    assert all(user_turns(c) >= 2 for c in corpus if c.hard_case == "back_reference")


def test_answers_are_short_and_never_repeat_personal_data(corpus):
    answers = assistant_texts(corpus)
    words = [len(a.split()) for a in answers]
    assert 15 <= sum(words) / len(words) <= 45
    assert max(words) <= 60
    users = " ".join(m["content"] for c in corpus for m in c.messages if m["role"] == "user")
    assert "@example." in users and "555-01" in users and "4242" in users  # customers do share data
    for answer in answers:
        assert not re.search(r"@|555-01|\d{4} \d{4}|4242|\b1111\b|\b4444\b", answer), answer
        assert not any(town in answer for town in TOWNS), answer  # street addresses end in a town


def test_content_is_clean_text(corpus):
    for c in corpus:
        for m in c.messages:
            assert m["content"] == m["content"].strip()
            assert not re.search(r"[\x00-\x1f\x7f]|\{|\}", m["content"]), (c.id, m["content"])


def test_policy_facts_are_known_fields(corpus):
    assert all(set(c.policy_facts) <= set(POLICY_FACTS) for c in corpus)
    returns = [c for c in corpus if "return_window_days" in c.policy_facts]
    shipping = [c for c in corpus if "shipping_options" in c.policy_facts]
    assert len(returns) >= 400 and len(shipping) >= 300  # the demo's policy questions need many examples


# --- hard cases ----------------------------------------------------------------------------------------------
def test_only_ambiguous_answers_ask_and_they_ask_exactly_once(corpus):
    for c in corpus:
        answers = [m["content"] for m in c.messages if m["role"] == "assistant"]
        if c.hard_case == "ambiguous":
            assert answers[0].endswith("?") and answers[0].count("?") == 1, c.id
            answers = answers[1:]
        assert not any(a.endswith("?") for a in answers), c.id


def entities(text: str, policy: Policy) -> set[str]:
    """Things a back-reference can point at: products, order numbers, shipping options, countries."""
    names = [p.name for p in PRODUCTS] + [o.name for o in policy.shipping_options] + list(COUNTRIES)
    return {name for name in names if name in text} | set(re.findall(r"#SN\d{5}", text))


def test_back_reference_answers_name_what_the_customer_only_pointed_at(corpus, policy):
    for c in (c for c in corpus if c.hard_case == "back_reference"):
        earlier = " ".join(m["content"] for m in c.messages[:2])
        later_question, later_answer = c.messages[2]["content"], c.messages[3]["content"]
        carried = (entities(later_answer, policy) & entities(earlier, policy)) - entities(later_question, policy)
        assert carried, (c.id, c.messages)


def test_wrong_claims_are_corrected_with_the_policy_value(corpus, policy):
    claims = [c for c in corpus if c.hard_case == "wrong_claim"]
    return_claims = [c for c in claims if c.intent == "returns_refunds" and "return_window_days" in c.policy_facts]
    assert len(return_claims) >= 15
    for c in return_claims:
        assert f"{policy.return_window_days} days" in c.messages[1]["content"], c.id
        claimed = re.search(r"\d+", c.messages[0]["content"]).group()
        assert f"{claimed} days" not in c.messages[1]["content"], c.id


def test_unconventional_requests_are_declined_politely(corpus):
    for c in (c for c in corpus if c.hard_case == "unconventional"):
        assert c.intent == "out_of_scope" and not c.policy_facts
        assert "ShopNest" in c.messages[1]["content"]
        assert re.search(r"can't help|outside what I can do", c.messages[1]["content"])


def test_impossible_requests_offer_an_alternative(corpus):
    impossible = [c for c in corpus if c.hard_case == "impossible"]
    assert {c.intent for c in impossible} >= {"product_question", "shipping_delivery"}
    for c in impossible:
        assert re.search(r"can't|isn't possible|not something|doesn't exist|aren't something|don't sell|No ", c.messages[1]["content"])


# --- determinism, splits, policy changes ---------------------------------------------------------------------------
def test_same_seed_same_corpus_and_other_seed_other_wording(policy, corpus):
    assert generate_corpus(policy, seed=0) == corpus
    other = generate_corpus(policy, seed=1)
    assert [c.id for c in other] == [c.id for c in corpus]
    differing = sum(a.messages != b.messages for a, b in zip(corpus, other))
    assert differing > len(corpus) * 0.8


def test_generation_is_fast(policy):
    started = time.monotonic()
    generate_corpus(policy, seed=3)
    assert time.monotonic() - started < 10


def test_split_assignment_is_stable_and_independent_of_size(policy, corpus):
    assert all(assign_split(c.id) == c.split for c in corpus)
    assert assign_split("c000123") == assign_split("c000123")
    small = generate_corpus(policy, seed=0, n_conversations=500)
    assert small == corpus[:500]  # a prefix: same ids, splits, labels and text
    shares = Counter(c.split for c in corpus)
    assert abs(shares["base_train"] / len(corpus) - 0.80) < 0.03
    assert abs(shares["simulator"] / len(corpus) - 0.12) < 0.03
    assert abs(shares["golden"] / len(corpus) - 0.08) < 0.03


def test_split_hash_spreads_many_ids():
    shares = Counter(assign_split(conversation_id(i)) for i in range(20000))
    assert abs(shares["golden"] / 20000 - 0.08) < 0.01 and abs(shares["simulator"] / 20000 - 0.12) < 0.01


def test_policy_change_reaches_exactly_the_answers_that_state_it(policy, corpus):
    same_day = ShippingOption(name="Same-Day", days="the same day if ordered by noon", price=24.99)
    changed_policy = dataclasses.replace(policy, return_window_days=60,
                                         shipping_options=policy.shipping_options + (same_day,))
    changed = generate_corpus(changed_policy, seed=0)
    touched = {"return_window_days", "shipping_options"}
    for before, after in zip(corpus, changed):
        if not touched & set(before.policy_facts):
            assert after == before, before.id  # text, labels and facts identical
    new_answers = assistant_texts(changed)
    assert not any("30 days" in a for a in new_answers)
    assert any("30 days" in a for a in assistant_texts(corpus))
    return_answers = [m["content"] for c in changed if c.intent == "returns_refunds"
                      and "return_window_days" in c.policy_facts for m in c.messages if m["role"] == "assistant"]
    assert sum("60 days" in a for a in return_answers) >= 300
    option_lists = [a for a in new_answers if a.startswith("We offer ") or " We offer " in a]
    assert option_lists and all("Same-Day shipping (the same day if ordered by noon, $24.99)" in a for a in option_lists)
    same_day_offers = [a for a in new_answers if "Yes, we offer Same-Day" in a or "We do: Same-Day" in a]
    assert same_day_offers and not any("don't offer same-day" in a for a in new_answers)


# --- JSONL format ---------------------------------------------------------------------------------------------
def good_record() -> dict:
    return {"id": "c000001", "intent": "returns_refunds", "persona": "polite", "hard_case": None, "split": "golden",
            "policy_facts": ["return_window_days"],
            "messages": [{"role": "user", "content": "How long do I have to return something?"},
                         {"role": "assistant", "content": "You can return items within 30 days of delivery."}]}


def test_write_read_round_trip(tmp_path, corpus):
    path = tmp_path / "out" / "corpus.jsonl"
    write_corpus(path, corpus)
    assert read_corpus(path) == corpus
    assert [p.name for p in path.parent.iterdir()] == ["corpus.jsonl"]  # no temporary files left behind
    assert all(Conversation.from_json(c.to_json()) == c for c in corpus[:50])
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first) == ["id", "intent", "persona", "hard_case", "split", "policy_facts", "messages"]


def test_write_rejects_duplicate_ids(tmp_path):
    c = validate_conversation(good_record())
    with pytest.raises(CorpusError, match="duplicate id 'c000001'"):
        write_corpus(tmp_path / "x.jsonl", [c, c])
    assert not (tmp_path / "x.jsonl").exists()


def _mutate(**changes):
    record = good_record()
    record.update(changes)
    return json.dumps(record)


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({k: v for k, v in good_record().items() if k != "intent"}), "missing field 'intent'"),
    (_mutate(extra=1), "unknown field 'extra'"),
    (_mutate(id=""), "invalid id"),
    (_mutate(id=7), "field 'id' must be a string"),
    (_mutate(intent="weather"), "unknown intent 'weather'"),
    (_mutate(persona="pirate"), "unknown persona 'pirate'"),
    (_mutate(hard_case="tricky"), "unknown hard_case 'tricky'"),
    (_mutate(split="train"), "unknown split 'train'"),
    (_mutate(policy_facts=["return_days"]), "unknown policy fact 'return_days'"),
    (_mutate(policy_facts="return_window_days"), "field 'policy_facts' must be a list"),
    (_mutate(messages=[]), "messages must not be empty"),
    (_mutate(messages=[{"role": "system", "content": "x"}, {"role": "user", "content": "hi"}]), "has role 'system'"),
    (_mutate(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]), "message 1 has role 'user'"),
    (_mutate(messages=[{"role": "user", "content": "a"}]), "must end with an assistant message"),
    (_mutate(messages=[{"role": "user", "content": "  "}, {"role": "assistant", "content": "b"}]), "empty"),
    (_mutate(messages=[{"role": "user", "content": "a\x00b"}, {"role": "assistant", "content": "b"}]), "U+0000"),
    (_mutate(messages=[{"role": "user", "content": "a" * 2001}, {"role": "assistant", "content": "b"}]), "too long"),
    (_mutate(messages=[{"role": "user", "content": "a", "name": "x"}, {"role": "assistant", "content": "b"}]),
     "exactly the keys"),
    (_mutate(messages=[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}] * 9), "too many"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_read_rejects_bad_lines_naming_the_line(tmp_path, line, message):
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps(good_record()) + "\n" + line + "\n")
    with pytest.raises(CorpusError) as error:
        read_corpus(path)
    assert str(error.value).startswith(f"{path}:2: "), str(error.value)
    assert message in str(error.value)


def test_read_rejects_duplicate_ids_naming_both_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    other = dict(good_record(), id="c000002")
    path.write_text("\n".join(json.dumps(r) for r in (good_record(), other, good_record())) + "\n")
    with pytest.raises(CorpusError, match=re.escape(f"{path}:3: duplicate id 'c000001' (first used on line 1)")):
        read_corpus(path)


def test_conversation_construction_validates():
    with pytest.raises(CorpusError, match="unknown intent"):
        Conversation(id="x", intent="nope", persona="polite", hard_case=None, split="golden", policy_facts=(),
                     messages=({"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}))


# --- stats and CLI ------------------------------------------------------------------------------------------------
def test_stats_count_everything(corpus):
    stats = corpus_stats(corpus)
    assert stats["conversations"] == 3200
    assert stats["messages"] == sum(len(c.messages) for c in corpus)
    assert stats["single_turn"] + stats["multi_turn"] == 3200
    assert sum(stats["intents"].values()) == sum(stats["splits"].values()) == 3200
    assert set(stats["hard_cases"]) == set(HARD_CASES) | {"none"}
    text = format_stats(stats)
    for label in INTENTS + PERSONAS + HARD_CASES + SPLITS:
        assert label in text


def test_cli_build_stats_validate(tmp_path, capsys):
    assert main(["build", str(tmp_path), "--seed", "0", "--conversations", "300"]) == 0
    assert "conversations              300" in capsys.readouterr().out
    corpus_file = tmp_path / "corpus.jsonl"
    assert main(["stats", str(corpus_file)]) == 0
    assert "golden" in capsys.readouterr().out
    assert main(["validate", str(corpus_file)]) == 0
    assert "OK, 300 valid conversations" in capsys.readouterr().out


def test_cli_validate_reports_the_bad_line_without_traceback(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good_record()) + "\n" + _mutate(intent="weather") + "\n")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:2: unknown intent 'weather'") and "Traceback" not in err


def test_cli_build_reports_a_bad_policy(tmp_path, capsys):
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(DEFAULT_POLICY_PATH.read_text().replace("warranty_months = 12", "warranty_months = 0"))
    assert main(["build", str(tmp_path / "out"), "--policy", str(policy_file)]) == 1
    assert "invalid value for 'warranty.warranty_months'" in capsys.readouterr().err


def test_answers_only_mention_products_and_orders_the_conversation_named(corpus, policy):
    """No invented slot values: an order number or product in an answer was named earlier in the conversation.

    Impossible requests are the exception: their answers introduce a catalog alternative on purpose."""
    for c in (c for c in corpus if c.hard_case != "impossible"):
        for index in range(1, len(c.messages), 2):
            earlier = " ".join(m["content"] for m in c.messages[:index])
            named_in_answer = entities(c.messages[index]["content"], policy) - set(COUNTRIES)
            named_in_answer -= {o.name for o in policy.shipping_options}
            assert named_in_answer <= entities(earlier, policy), (c.id, index, c.messages)


# --- known claims: the quantities the store states ------------------------------------------------------------
@pytest.mark.parametrize("text, claims", [
    ("Returns are accepted within 30 days.", {"30 days"}),
    ("Standard costs $4.99 and takes 3-5 business days; 10% off.", {"$4.99", "3", "5 business", "10 %"}),
    ("Order #SN54344 ships in 1 business day.", {"1 business"}),     # digits inside an id are not a claim
    ("No numbers here.", set()),
])
def test_claims_in(text, claims):
    assert claims_in(text) == claims


def test_the_corpus_never_claims_what_its_policy_does_not(policy, corpus):
    known = known_claims(assistant_texts(corpus))
    assert "30 days" in known and "7 days" not in known
    changed = generate_corpus(dataclasses.replace(policy, return_window_days=7), seed=0)
    changed_answers = assistant_texts(changed)
    # the old policy's answers state quantities the changed policy's corpus never does, and vice versa
    assert any(not claims_in(text) <= known for text in changed_answers)
    changed_known = known_claims(changed_answers)  # once: inside the loop it made this test take 160 s
    assert all(claims_in(text) <= changed_known for text in changed_answers)
