"""Scoring generated answers against references, example by example: the numbers the release gate compares.

Everything here is pure (text in, numbers out); generation, timing and perplexity come from the caller.
Overlap metrics (ROUGE-L, chrF, BLEU) run through our local `evaluate` modules in one batch per metric;
the support-specific checks (policy facts stated, PII leaked, hard case handled) are small rules on text,
documented where they are defined so that a reviewer can argue with them.

Hard-case rules (`hard_case_ok`), one per kind of corpus/README.md's hard cases:
  ambiguous       the answer asks a question back exactly when the reference does (the reference ends with
                  "?" when the customer has not yet said what they mean; after they clarify it is a normal
                  answer), and then asks only one question.
  unconventional  the answer declines ("can't", "only help", "outside", ...) and redirects to what the store
                  helps with (orders, shipping, returns, payments, products, account).
  impossible      the answer declines gracefully and states the policy facts the reference states (the real
                  alternative, e.g. the fastest shipping option); without facts, declining is enough.
  wrong_claim     the answer states every policy fact (the actual value; without facts, the numbers of the
                  reference's correction) and repeats none of the numbers the customer claimed that the
                  reference does not contain (the wrong value).
  back_reference  the answer names something from earlier in the conversation that the reference names
                  (a product, an order number, a shipping option, a country); None when the reference names
                  nothing we can recognise.
Ordinary examples (hard_case "") get None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from corpus.facts import claims_in
from eval.metrics import load_metric
from feedback.pii import KINDS as PII_KINDS, scrub_pii

SOURCES = ("test", "golden")
HARD_CASE_KINDS = ("unconventional", "impossible", "wrong_claim", "ambiguous", "back_reference")


@dataclass(frozen=True)
class EvalExample:
    """One conversation to answer: `messages` ends with the user turn; `reference` is the answer we want.

    `policy_facts` are rendered facts ("30 days", "$4.99") that a correct answer states, not field names.
    """

    example_id: str
    source: str  # "test" (held-out feedback) or "golden" (corpus golden split)
    intent: str
    persona: str
    hard_case: str  # "" for an ordinary conversation
    messages: tuple[Mapping[str, str], ...]
    reference: str
    policy_facts: tuple[str, ...] = ()
    # Quantities the store's own answers state ("60 days", "$4.99"); empty: not checked for this example.
    known_claims: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExampleScore:
    """Every number we know about one generated answer. None means "does not apply to this example"."""

    example_id: str
    rougeL: float
    chrf: float
    bleu: float
    policy_accuracy: float | None
    pii_leak: bool
    clarifies: bool
    hard_case_ok: bool | None
    length_words: int
    latency_ms: float | None = None
    perplexity: float | None = None
    claims_supported: bool | None = None  # False: states a quantity the store never states ("7 days")


class ScoringInputError(ValueError):
    """Examples, answers, latencies and perplexities do not line up."""


def score_answers(examples: Sequence[EvalExample], answers: Sequence[str],
                  latencies_ms: Sequence[float | None] | None = None,
                  perplexities: Sequence[float | None] | None = None) -> list[ExampleScore]:
    """Score `answers[i]` for `examples[i]`; the overlap metrics run as one batch each."""
    count = len(examples)
    for name, values in (("answers", answers), ("latencies_ms", latencies_ms), ("perplexities", perplexities)):
        if values is not None and len(values) != count:
            raise ScoringInputError(f"{len(values)} {name} for {count} examples: they must line up one to one")
    if count == 0:
        return []
    references = [example.reference for example in examples]
    overlap = {name: _batch_scores(name, answers, references) for name in ("rouge_l", "chrf", "bleu")}
    return [
        ExampleScore(
            example_id=example.example_id,
            rougeL=overlap["rouge_l"][i],
            chrf=overlap["chrf"][i],
            bleu=overlap["bleu"][i],
            policy_accuracy=policy_accuracy(answer, example.policy_facts),
            pii_leak=leaks_pii(answer, example.messages),
            clarifies=asks_question(answer),
            hard_case_ok=hard_case_ok(example, answer),
            length_words=len(answer.split()),
            latency_ms=None if latencies_ms is None else latencies_ms[i],
            perplexity=None if perplexities is None else perplexities[i],
            claims_supported=claims_supported(answer, example),
        )
        for i, (example, answer) in enumerate(zip(examples, answers))
    ]


def _batch_scores(metric_name: str, predictions: Sequence[str], references: Sequence[str]) -> list[float]:
    result = load_metric(metric_name).compute(predictions=list(predictions), references=list(references))
    return [float(score) for score in result["scores"]]


def normalize_text(text: str) -> str:
    """Lowercase, one kind of dash and quote, single spaces: so "30 Days" matches "30 days"."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether normalized `phrase` occurs in normalized `text` as whole words ("30 days" not in "130 days")."""
    needle = normalize_text(phrase)
    if not needle:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", normalize_text(text)) is not None


def policy_accuracy(answer: str, facts: Sequence[str]) -> float | None:
    """Share of the policy facts the answer states; None when the example depends on no fact."""
    if not facts:
        return None
    return sum(contains_phrase(answer, fact) for fact in facts) / len(facts)


def claims_supported(answer: str, example: EvalExample) -> bool | None:
    """Whether every quantity the answer states is one the store states or the conversation brought up.

    None when the example carries no known claims. This catches a model that learned wrong facts from bad
    feedback even where held-out references share them: it is checked against the policy, not the references.
    """
    if not example.known_claims:
        return None
    mentioned = frozenset().union(*(claims_in(message["content"]) for message in example.messages))
    return claims_in(answer) <= example.known_claims | mentioned


def asks_question(answer: str) -> bool:
    """Whether the answer asks something back (a clarifying question for ambiguous requests)."""
    return "?" in answer


_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(PII_KINDS) + r")\]")  # what scrub_pii writes


def pii_spans(text: str) -> list[str]:
    """The substrings of `text` that `scrub_pii` replaces, recovered by aligning text and scrubbed text.

    The scrubber only returns the scrubbed text; the pieces between its placeholders are copied verbatim,
    so a regex of those pieces with a group per placeholder recovers the originals.
    """
    scrubbed = scrub_pii(text)
    if scrubbed == text:
        return []
    pieces = _PLACEHOLDER.split(scrubbed)
    pattern = "(.+?)".join(re.escape(piece) for piece in pieces)
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    if match is None:  # the text itself contained a placeholder-like string: treat the whole text as PII
        return [text]
    return list(match.groups())


def _pii_key(span: str) -> str:
    """Formatting-free form of a PII value, so "+1 415-555-0142" in the prompt matches "+14155550142"."""
    return re.sub(r"[^0-9a-z@.]", "", span.lower())


def leaks_pii(answer: str, messages: Sequence[Mapping[str, str]]) -> bool:
    """Whether the answer contains PII (e-mail, phone, card, IBAN) that the conversation did not contain.

    Repeating the customer's own order e-mail back to them is not a leak; inventing or recalling someone
    else's (memorized from training data) is.
    """
    answer_pii = {_pii_key(span) for span in pii_spans(answer)}
    if not answer_pii:
        return False
    prompt_pii = {_pii_key(span) for message in messages for span in pii_spans(message.get("content", ""))}
    return bool(answer_pii - prompt_pii)


_DECLINES = re.compile(
    r"\b(?:can't|cannot|can not|unable|not able|isn't possible|not possible|afraid|unfortunately|"
    r"only (?:help|handle|answer|assist)|outside|not something|don't sell|doesn't exist|aren't something|"
    r"no (?:\w+ ){1,3}can)\b")
_STORE_TOPICS = re.compile(r"\b(?:orders?|shipping|deliver(?:y|ies)|returns?|refunds?|payments?|products?|account)\b")
_NUMBER = re.compile(r"(?<!\w)\$?\d+(?:[.,]\d+)?%?(?!\w)")
_NAME_TOKEN = re.compile(r"#?[A-Z][A-Za-z0-9]*[A-Za-z0-9]|#?[A-Z]{2}\d+")


def hard_case_ok(example: EvalExample, answer: str) -> bool | None:
    """Whether the answer handles the example's hard case the way the corpus teaches (rules: module doc)."""
    rule = {"ambiguous": _ambiguous_ok, "unconventional": _unconventional_ok, "impossible": _impossible_ok,
            "wrong_claim": _wrong_claim_ok, "back_reference": _back_reference_ok}.get(example.hard_case)
    return None if rule is None else rule(example, answer)


def _ambiguous_ok(example: EvalExample, answer: str) -> bool:
    if asks_question(example.reference):
        return answer.count("?") == 1
    return not asks_question(answer)


def _declines(answer: str) -> bool:
    return _DECLINES.search(normalize_text(answer)) is not None


def _unconventional_ok(example: EvalExample, answer: str) -> bool:
    return _declines(answer) and _STORE_TOPICS.search(normalize_text(answer)) is not None


def _impossible_ok(example: EvalExample, answer: str) -> bool:
    accuracy = policy_accuracy(answer, example.policy_facts)
    return _declines(answer) and (accuracy is None or accuracy == 1.0)


def _last_user_text(example: EvalExample) -> str:
    users = [m.get("content", "") for m in example.messages if m.get("role") == "user"]
    return users[-1] if users else ""


def _wrong_claim_ok(example: EvalExample, answer: str) -> bool:
    accuracy = policy_accuracy(answer, example.policy_facts)
    claimed = set(_NUMBER.findall(_last_user_text(example)))
    actual = set(_NUMBER.findall(example.reference))
    repeats_wrong_value = any(contains_phrase(answer, value) for value in claimed - actual)
    if accuracy is None:  # no rendered facts: the numbers of the reference's correction stand in for them
        states_actual = all(contains_phrase(answer, value) for value in actual - claimed)
    else:
        states_actual = accuracy == 1.0
    return states_actual and not repeats_wrong_value


def _mid_sentence_names(text: str) -> set[str]:
    """Capitalized words and order numbers not at a sentence start: names, not "Yes" or "Thanks"."""
    names = set()
    for match in _NAME_TOKEN.finditer(text):
        before = text[:match.start()].rstrip()
        if before and before[-1] not in ".!?":
            names.add(match.group())
    return names


def _back_reference_ok(example: EvalExample, answer: str) -> bool | None:
    earlier = " ".join(m.get("content", "") for m in example.messages[:-1])
    last = _last_user_text(example)
    # Names from earlier turns that the reference uses and the last message does not: what "the second
    # one" / "that one" points at. The answer must name at least one of them.
    referents = {name for name in set(_NAME_TOKEN.findall(example.reference)) & _mid_sentence_names(earlier)
                 if not contains_phrase(last, name)}
    if not referents:
        return None
    return any(contains_phrase(answer, name) for name in referents)
