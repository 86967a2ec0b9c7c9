"""The PII scrubber, as a table: what it replaces, and what it must leave alone."""

import pytest

from feedback.pii import iban_valid, luhn_valid, scrub_pii


@pytest.mark.parametrize("text, expected", [
    ("mail me at anna.smith+shop@example.co.uk please", "mail me at [EMAIL] please"),
    ("call 555-0142", "call [PHONE]"),
    ("or (212) 555-0142 after six", "or [PHONE] after six"),
    ("+1 415 555 0142", "[PHONE]"),
    ("+44 20 7946 0958.", "[PHONE]."),
    ("my number is 4155550142", "my number is [PHONE]"),
    ("card 4111 1111 1111 1111 expires", "card [CARD] expires"),
    ("card 5555-5555-5555-4444.", "card [CARD]."),
    ("amex 378282246310005", "amex [CARD]"),
    ("IBAN DE89 3704 0044 0532 0130 00, thanks", "IBAN [IBAN], thanks"),
    ("GB82WEST12345698765432", "[IBAN]"),
    ("a@b.c is not an address, x@y.io is", "a@b.c is not an address, [EMAIL] is"),
])
def test_pii_is_replaced(text, expected):
    assert scrub_pii(text) == expected


@pytest.mark.parametrize("text", [
    "order #SN12345 placed on 2026-05-01 cost $129.99",
    "4111111111111112 fails the Luhn check",
    "DE00 3704 0044 0532 0130 00 fails the IBAN check",
    "open 09:00-18:00, 7 days a week; 30 days to return",
    "version 1.2.3 of the app, ZIP 10001, 3 items",
    "",
    "<script>alert(1)</script> x'); DROP TABLE turns; --",
])
def test_ordinary_text_is_left_alone(text):
    assert scrub_pii(text) == text


def test_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE00370400440532013000")
