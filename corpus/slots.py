"""Slot fillers for customer messages: order numbers, dates, countries and obviously fake personal data.

All personal data is synthetic and reserved for fiction: emails at example.com/.org/.net, phone numbers in
the 555-01xx range, street addresses in made-up towns, and card numbers that are well-known test numbers.
The assistant never repeats any of it; customers mention it because real customers do.
"""

from __future__ import annotations

import random

FIRST_NAMES = ("jane", "john", "maria", "ahmed", "li", "sofia", "kwame", "emma", "raj", "olga", "diego", "aiko",
               "fatima", "lucas", "nora", "tom", "priya", "omar", "hannah", "mateo")
LAST_NAMES = ("doe", "smith", "garcia", "khan", "chen", "rossi", "mensah", "brown", "patel", "ivanova",
              "lopez", "tanaka", "ali", "silva", "berg", "miller", "sharma", "haddad", "weber", "cruz")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
STREET_NAMES = ("Maple", "Oak", "Cedar", "Elm", "Willow", "Lakeview", "Hillcrest", "Sunset", "River", "Pine")
STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court")
TOWNS = ("Springfield", "Riverton", "Maplewood", "Fairview", "Brookside", "Lakeside", "Greenville", "Oakdale")
# Standard payment-processor test numbers: they pass format checks but can never charge anyone.
TEST_CARD_NUMBERS = ("4242 4242 4242 4242", "4111 1111 1111 1111", "5555 5555 5555 4444")
TEST_CARD_ENDINGS = ("4242", "1111", "4444", "0005")

COUNTRIES = ("Canada", "Mexico", "the UK", "Germany", "France", "Spain", "Italy", "Australia", "Japan",
             "Brazil", "India", "Ireland", "the Netherlands", "Sweden", "New Zealand", "South Korea")
PAST_DATES = ("yesterday", "two days ago", "three days ago", "last Monday", "last Tuesday", "last Friday",
              "last week", "on March 3", "on the 12th", "ten days ago", "over a week ago", "on Sunday")
DUE_DATES = ("yesterday", "on Monday", "last Friday", "two days ago", "on the 5th", "by the weekend")
PROMO_CODES = ("SAVE15", "WELCOME10", "SPRING20", "FREESHIP", "NEST25", "HOLIDAY30", "VIP5", "BDAY15")


def order_number(rng: random.Random) -> str:
    return f"#SN{rng.randint(10000, 99999)}"


def customer_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES).title()} {rng.choice(LAST_NAMES).title()}"


def email_address(rng: random.Random) -> str:
    separator = rng.choice((".", "_", ""))
    return f"{rng.choice(FIRST_NAMES)}{separator}{rng.choice(LAST_NAMES)}@{rng.choice(EMAIL_DOMAINS)}"


def phone_number(rng: random.Random) -> str:
    line = f"555-01{rng.randint(0, 99):02d}"
    return rng.choice((line, f"(212) {line}", f"+1 {rng.randint(200, 989)} {line}"))


def street_address(rng: random.Random) -> str:
    return (f"{rng.randint(2, 980)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}, "
            f"{rng.choice(TOWNS)}")


def card_number(rng: random.Random) -> str:
    return rng.choice(TEST_CARD_NUMBERS)


def card_ending(rng: random.Random) -> str:
    return rng.choice(TEST_CARD_ENDINGS)


def amount(rng: random.Random, low: int = 12, high: int = 240) -> str:
    return f"${rng.randint(low, high)}.{rng.choice(('00', '49', '95', '99'))}"
