"""How good an answer is against the corpus reference, and what simulated people do about it. Pure.

The score is ROUGE-L F1 (rouge_score, stemmed) of the answer against the reference, multiplied by the share
of the reference's policy facts the answer states. The facts matter more than the wording: after a policy
change (a return window of 30 → 60 days) an answer saying "30 days" differs from the new reference by one
token, so ROUGE-L alone would call it good; the fact check calls it wrong, and the agent corrects it.

A fact's "markers" are the strings of its policy value (numbers, amounts, names, phrases) that the
reference actually contains; numbers match as whole words, text case-insensitively.

An answer about the wrong product is wrong too, as an agent sees at a glance: one that names a catalog product
the conversation never mentioned ("the PulseFit Smart Watch is $129.00" to a question about a pillow's
warranty) is poor whatever its wording. Approving such answers taught the model to swap products.

An answer that states an order number the conversation never gave ("#SN74197" when the customer asked about
#SN28410) is held to three stars: never good enough to become a training target, since agents approving such
answers taught the model to quote wrong order numbers (12 of 162 targets in one demo night stated one), but
not rewritten either: the self-built 2.4M-parameter model cannot copy a five-digit number, so correcting the
number cannot teach it (that was tried, and tracking answers still fell from 0.83 to 0.63-0.67 of their facts).
With a real base model, a wrong order number should make the answer poor, like a wrong product.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass

from rouge_score import rouge_scorer

from corpus.catalog import PRODUCTS

# Stars from the score: the lowest score that earns 5, 4, 3 and 2 stars (below the last: 1 star).
STAR_FLOORS = (0.8, 0.6, 0.4, 0.2)
POOR_STARS = 2  # an answer rated this or lower gets a correction (the reference answer)
THUMBS_UP_STARS = 3  # customers are content from this many stars on (before noise)

ORDER_NUMBER = re.compile(r"#SN\d+")
_SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)  # stateless; safe to share between threads


@dataclass(frozen=True)
class Judgement:
    rouge_l: float
    markers: tuple[str, ...]  # policy-fact strings the reference states
    missing: tuple[str, ...]  # ... and the answer does not
    score: float  # rouge_l x share of markers stated (1 when there are none)
    stars: int  # 1-5
    wrong_names: tuple[str, ...] = ()  # catalog products the answer names but the conversation did not
    wrong_orders: tuple[str, ...] = ()  # order numbers the answer states but the conversation did not

    @property
    def facts_stated(self) -> float | None:
        return None if not self.markers else 1 - len(self.missing) / len(self.markers)

    @property
    def poor(self) -> bool:
        return self.stars <= POOR_STARS


def fact_markers(policy, fact_names: Iterable[str], reference: str) -> tuple[str, ...]:
    """The strings of the named policy facts' values that occur in `reference`, in a stable order."""
    found: list[str] = []
    for name in sorted(set(fact_names)):
        for candidate in _value_strings(getattr(policy, name, None)):
            if candidate not in found and _contains(reference, candidate):
                found.append(candidate)
    return tuple(found)


def judge_answer(answer: str, reference: str, markers: Sequence[str], conversation: Sequence[str] = ()) -> Judgement:
    """Score `answer` against `reference`; `conversation` holds the texts before it (products it may name)."""
    rouge_l = _SCORER.score(reference, answer)["rougeL"].fmeasure if answer.strip() else 0.0
    missing = tuple(m for m in markers if not _contains(answer, m))
    stated = 1.0 if not markers else 1 - len(missing) / len(markers)
    score = rouge_l * stated
    stars = stars_for(score)
    context = " ".join([reference, *conversation])
    known = names_in(context)
    wrong = tuple(name for name in names_in(answer) if name not in known)
    if missing or wrong:  # a wrong fact or a wrong product is never more than a poor answer, however close the wording
        stars = min(stars, POOR_STARS)
    known_orders = set(ORDER_NUMBER.findall(context))
    wrong_orders = tuple(n for n in dict.fromkeys(ORDER_NUMBER.findall(answer)) if n not in known_orders)
    if wrong_orders:  # not an answer to hold up as an example (no 4-5 stars), not worth rewriting either
        stars = min(stars, THUMBS_UP_STARS)
    return Judgement(rouge_l=round(rouge_l, 4), markers=tuple(markers), missing=missing, score=round(score, 4),
                     stars=stars, wrong_names=wrong, wrong_orders=wrong_orders)


def names_in(text: str) -> tuple[str, ...]:
    """The catalog products `text` names (case-insensitively), in catalog order."""
    folded = text.casefold()
    return tuple(product.name for product in PRODUCTS if product.name.casefold() in folded)


def stars_for(score: float) -> int:
    for stars, floor in zip((5, 4, 3, 2), STAR_FLOORS):
        if score >= floor:
            return stars
    return 1


def noise_draw(seed: int, *key: object) -> float:
    """A uniform number in [0, 1) fixed by the seed and the key: the same draw whatever the thread order."""
    digest = hashlib.sha256(repr((seed, *key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def customer_thumbs(judgement: Judgement, noise: float, draw: float) -> bool:
    """Thumbs up when the answer earns THUMBS_UP_STARS or more, flipped when `draw` < `noise`."""
    content = judgement.stars >= THUMBS_UP_STARS
    return (not content) if draw < noise else content


def agent_correction(judgement: Judgement, reference: str) -> str | None:
    """What the agent writes as the answer the bot should have given: the reference, for poor answers only."""
    return reference if judgement.poor else None


def _value_strings(value) -> list[str]:
    if value is None or isinstance(value, bool):
        return []  # yes/no facts have no words of their own to look for
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        return list(dict.fromkeys([f"{value:.2f}", f"{value:g}"]))
    if isinstance(value, str):
        return [value]
    if is_dataclass(value):
        return [s for f in fields(value) for s in _value_strings(getattr(value, f.name))]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _value_strings(item)]
    return []


def _contains(text: str, marker: str) -> bool:
    if re.fullmatch(r"[\d.]+", marker):  # "30" must not match "300" or "1.30"
        return re.search(rf"(?<![\d.]){re.escape(marker)}(?![\d]|\.\d)", text) is not None
    return marker.casefold() in text.casefold()
