"""A small, predictable PII scrubber for exported and training text (pure functions, no IO, offline).

What it replaces, in this order, with a placeholder that keeps the sentence readable for training:
  [IBAN]   an IBAN (2 letters, 2 check digits, 11-30 letters/digits, spaces allowed) whose mod-97 check holds
  [CARD]   13-19 digits, optionally grouped by spaces or dashes, that pass the Luhn check
  [EMAIL]  name@domain.tld
  [PHONE]  7-15 digits in a phone-like shape: optional +country code, optional (area), groups joined by
           spaces, dots or dashes ("555-0142", "(212) 555-0142", "+1 415 555 0142"), or a bare run of
           10-15 digits; dates (2026-05-01) and amounts ($12.99) are left alone
What it does NOT find: names, street addresses, order numbers (#SN12345, kept on purpose: agents and the
model need them), numbers spelled out in words. Checksums keep false positives rare, but a scrubber
based on patterns is a safety net, not a guarantee; a model-based detector can replace this module later
behind the same `scrub_pii(text) -> text` function.
"""

from __future__ import annotations

import re

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w$.,/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){1,4}(?![\w/-])"
                    r"|(?<![\w$.])\+?\d{10,15}(?![\w.])")
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _replace_iban(match: re.Match) -> str:
    return "[IBAN]" if iban_valid(match.group()) else match.group()


def _replace_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group()


def _replace_phone(match: re.Match) -> str:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15 or _DATE.match(text):
        return text
    return "[PHONE]"


def scrub_pii(text: str) -> str:
    """The text with IBANs, card numbers, e-mail addresses and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = _IBAN.sub(_replace_iban, text)
    text = _CARD.sub(_replace_card, text)
    text = _EMAIL.sub("[EMAIL]", text)
    return _PHONE.sub(_replace_phone, text)


_PLACEHOLDER = re.compile(r"\[(IBAN|CARD|EMAIL|PHONE|ADDRESS|NAME)\]")


def scrub_with_counts(text: str):
    """`scrub_pii(text)` and a Counter of the placeholders it added per kind (for the dataset report)."""
    from collections import Counter

    scrubbed = scrub_pii(text)
    counts = Counter(_PLACEHOLDER.findall(scrubbed))
    counts.subtract(Counter(_PLACEHOLDER.findall(text or "")))
    return scrubbed, +counts
