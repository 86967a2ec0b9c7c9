"""PII detection and scrubbing for exported and training text (pure functions, no IO, offline).

The recognition is done by maintained libraries; this module only finds candidates cheaply, asks the
library, resolves overlaps and writes typed placeholders that keep the sentence readable for training:
  [IBAN]     2 letters, 2 check digits and 11-30 letters/digits (spaces allowed) that python-stdnum's
             `stdnum.iban` accepts: mod-97 check and the country's BBAN format
  [CARD]     13-19 digits, optionally grouped by spaces or dashes, that pass python-stdnum's Luhn check
  [EMAIL]    name@domain.tld (a plain pattern: no library finds e-mail addresses better)
  [PHONE]    what `phonenumbers` (Google's libphonenumber) PhoneNumberMatcher finds with POSSIBLE leniency:
             international numbers ("+44 20 7946 0958") for every country, national ones ("(212) 555-0142",
             "555-0142", "4155550142", "020 7946 0958") for the regions in PHONE_REGIONS (US, GB);
             dates, numbers after $ € £ ¥ #, and numbers glued to letters (tracking codes like
             1Z999AA10123456784) are skipped
  [ADDRESS]  street addresses that `pyap` (the maintained pyap2 fork) parses for the US, GB and CA
             ("123 Main St, Springfield, IL 62704", "Flat 2, 10 Downing Street, London SW1A 2AA")
What it does NOT find: personal names ([NAME] exists as a kind, but nothing produces it: the libraries
that find names, Presidio, scrubadub and spaCy, need a spaCy or NLTK model that is not installable from
our offline package mirror, and name lists alone flag too many product and place words), addresses of
other countries or without a house number, national phone numbers of regions outside PHONE_REGIONS,
numbers spelled out in words. Kept on purpose, the model needs them: order numbers (#SN12345), dates
(2026-05-01), prices ($4.99), durations ("30 days"), times, versions, bare ZIP codes.
Checksums keep false positives rare, but a scrubber is a safety net, not a guarantee.

Speed: texts without a digit or "@" skip every matcher, and pyap only sees short windows around a
"house number ... street word" or postal-code candidate: ~2k texts/s on one core (100k in about a minute).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import phonenumbers
import pyap
from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn

KINDS = ("IBAN", "CARD", "EMAIL", "PHONE", "ADDRESS", "NAME")  # overlap priority: earlier kinds win
# Regions whose national formats are understood (international +cc numbers always are), with the leniency:
# POSSIBLE (right length) for the US so short local numbers like "555-0142" count; VALID (an assigned
# range) for GB, whose POSSIBLE lengths also fit dates and prices.
PHONE_REGIONS = (("US", phonenumbers.Leniency.POSSIBLE), ("GB", phonenumbers.Leniency.VALID))
ADDRESS_COUNTRIES = ("US", "GB", "CA")  # what pyap supports

_MAY_CONTAIN_PII = re.compile(r"[0-9@]")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", re.ASCII)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", re.ASCII)
# The lookbehind makes a match start only at the beginning of a run of local-part characters, so a long
# run without a valid address fails once instead of once per position (quadratic on hostile input).
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")  # unicode: jörg@example.de
_PHONE_CANDIDATE = re.compile(r"\d[\d ().-]{5,}\d")  # at least 7 phone-like characters
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_NOT_AFTER = set("$€£¥#")  # a number right after these is a price or an order number, not a phone
# A cheap gate before pyap (~4 ms per text and country): a house number followed within a few words by a
# street word, or a GB/CA postcode. pyap decides; the gate only has to let every real address through.
_ADDRESS_CANDIDATE = re.compile(
    r"\b\d{1,6}[A-Za-z]?\b(?:[ ,.]+[\w'.-]+){0,4}?[ ,.]+(?:st|street|rd|road|ave?|avenue|blvd|boulevard|dr|"
    r"drive|ln|lane|way|ct|court|pl|place|pkwy|parkway|sq|square|ter|terrace|cres|crescent|close|hwy|"
    r"highway|cir|circle|trl|trail|row|walk|mews|gardens|grove|hill|park|plaza|broadway|loop|pike|"
    r"route|suite|apt)\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b",
    re.IGNORECASE)
_WINDOW_BEFORE, _WINDOW_AFTER = 80, 160  # characters of context around an address candidate given to pyap


@dataclass(frozen=True)
class PiiSpan:
    """One piece of PII: its kind (one of KINDS) and its [start, end) character offsets in the text."""
    kind: str
    start: int
    end: int


def luhn_valid(digits: str) -> bool:
    return stdnum_luhn.is_valid(digits)


def iban_valid(candidate: str) -> bool:
    return stdnum_iban.is_valid(candidate)


def _ibans(text: str) -> list[PiiSpan]:
    return [PiiSpan("IBAN", m.start(), m.end()) for m in _IBAN.finditer(text) if iban_valid(m.group())]


def _cards(text: str) -> list[PiiSpan]:
    return [PiiSpan("CARD", m.start(), m.end()) for m in _CARD.finditer(text)
            if luhn_valid(m.group().replace(" ", "").replace("-", ""))]


def _emails(text: str) -> list[PiiSpan]:
    return [PiiSpan("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)] if "@" in text else []


def _glued_to_word(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum())


def _phones(text: str) -> list[PiiSpan]:
    if not _PHONE_CANDIDATE.search(text):
        return []
    spans = set()
    for region, leniency in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
            if not (_glued_to_word(text, match.start, match.end) or _DATE.match(match.raw_string)
                    or text[match.start - 1:match.start] in _NOT_AFTER):
                spans.add(PiiSpan("PHONE", match.start, match.end))
    return sorted(spans, key=lambda span: (span.start, span.end))


def _address_windows(text: str) -> list[tuple[int, int]]:
    """Merged [start, end) windows around address candidates, so pyap never reads the whole of a long text."""
    windows: list[tuple[int, int]] = []
    for match in _ADDRESS_CANDIDATE.finditer(text):
        start, end = max(0, match.start() - _WINDOW_BEFORE), min(len(text), match.end() + _WINDOW_AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _addresses(text: str) -> list[PiiSpan]:
    spans = set()
    for offset, window_end in _address_windows(text):
        window = text[offset:window_end]
        for country in ADDRESS_COUNTRIES:
            for address in pyap.parse(window, country=country):
                found = window[address.match_start:address.match_end]  # pyap may include leading spaces
                start = offset + address.match_start + len(found) - len(found.lstrip())
                spans.add(PiiSpan("ADDRESS", start, offset + address.match_start + len(found.rstrip())))
    return sorted(spans, key=lambda span: (span.start, span.end))


def find_pii(text: str) -> list[PiiSpan]:
    """The PII spans of `text`, sorted by position and never overlapping (see the module docstring for kinds)."""
    if not text or not _MAY_CONTAIN_PII.search(text):
        return []
    accepted: list[PiiSpan] = []
    for finder in (_ibans, _cards, _emails, _phones, _addresses):  # the order of KINDS
        for span in finder(text):
            if all(span.end <= other.start or other.end <= span.start for other in accepted):
                accepted.append(span)
    return sorted(accepted, key=lambda span: span.start)


def scrub_with_counts(text: str) -> tuple[str, Counter]:
    """The text with every PII span replaced by its placeholder ("[PHONE]"), and how many of each kind."""
    spans = find_pii(text)
    if not spans:
        return text, Counter()
    pieces, position = [], 0
    for span in spans:
        pieces += [text[position:span.start], f"[{span.kind}]"]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces), Counter(span.kind for span in spans)


def scrub_pii(text: str) -> str:
    """The text with IBANs, card numbers, e-mail addresses, phone numbers and street addresses replaced."""
    return scrub_with_counts(text)[0]
