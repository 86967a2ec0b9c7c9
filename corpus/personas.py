"""Customer personas: how the same request is worded by a polite, terse, angry, verbose, non-native or typo-prone
customer.

A `Bank` holds the customer wordings of one request, with optional persona-specific registers; the functions
here pick a register, add persona openers and closers, and apply deterministic typos or non-native phrasing
with the conversation's seeded RNG. Only customer text is styled: the assistant keeps one calm, concise voice
(angry customers get a short acknowledgement first, see `ANGRY_ACKNOWLEDGEMENTS`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    """Customer wordings of one request: `neutral` always, the other registers where they read better."""

    neutral: tuple[str, ...]
    terse: tuple[str, ...] = ()
    non_native: tuple[str, ...] = ()
    angry: tuple[str, ...] = ()

    def register(self, persona: str) -> tuple[tuple[str, ...], bool]:
        """The wordings for a persona, and whether they were written for it (False: neutral fallback)."""
        own = {"terse": self.terse, "non_native": self.non_native, "angry": self.angry}.get(persona, ())
        return (own, True) if own else (self.neutral, False)


OPENERS = {
    "polite": ("Hi, ", "Hello! ", "Good morning, ", "Hi there, ", "Hello, I hope you're well. ", "Good afternoon! ",
               "Hi, I hope you can help. "),
    "angry": ("This is ridiculous. ", "I'm really annoyed. ", "Seriously? ", "I'm fed up. ", "Unbelievable. ",
              "I've had enough. ", "What a mess. ", "I am NOT happy. "),
    "verbose": ("I hope this message finds you well. ", "I was going to call, but I thought I'd try the chat first. ",
                "I've been shopping with you for a couple of years and rarely need to write in. ",
                "My sister recommended your store and I've been happy with it so far. ",
                "Okay, so this might take a moment to explain. ", "Thanks for being here, I know you're busy. "),
    "non_native": ("Hello sir, ", "Dear support, ", "Good day. ", "Hello, please help. ", "Hi, excuse me, "),
    "typos": ("hi ", "hey, ", "hello ", "hey there "),
}
CLOSERS = {
    "polite": (" Thank you!", " Thanks in advance.", " Thanks so much for your help.", " Much appreciated.",
               " Thank you for your time."),
    "angry": (" Fix this now.", " This is terrible service.", " I want an answer today.",
              " I'm about to give up on this store.", " Unacceptable.", " Sort it out."),
    "verbose": (" Sorry for the long message, I just wanted to give you all the details.",
                " I'd really appreciate any help, since this has been on my mind all week.",
                " Thanks a lot for taking the time to read all of this.",
                " Let me know if you need anything else from me."),
    "non_native": (" Thank you very much.", " Please answer me.", " Thanks for help.", " Waiting your answer."),
    "typos": (" thx", " thanks", " ty"),
}
VERBOSE_DETAILS = (
    "I tried to figure this out myself first. ",
    "I'm not very good with websites, so please bear with me. ",
    "I've been meaning to ask about this for a few days now. ",
    "My partner says I'm overthinking it, but I'd rather ask. ",
    "I read the FAQ page but couldn't find a clear answer. ",
    "I'm asking for my mother too, since she shops here as well. "
)
CONNECTORS = {
    "neutral": ("Also, ", "One more question: ", "Another thing: ", "Ok, and ", "Thanks. ", "Got it. ",
                "Great. ", "And "),
    "terse": ("also ", "and ", "ok. ", "k, "),
    "non_native": ("Also ", "And other question: ", "Ok. Also ", "Thank you. And "),
    "angry": ("And another thing: ", "Also, ", "Fine. ", "Whatever. "),
    "verbose": ("Oh, and while I have you, ", "Thanks, that helps. One more thing: ", "That's good to know. Also, "),
    "typos": ("also ", "ok and ", "thx. "),
}
CLARIFICATION_LEADS = {
    "neutral": ("I mean, ", "Sorry, I meant: ", "Oh, sorry. ", "Right, ", "Yes. ", "Sorry for being vague. "),
    "terse": ("i mean ", "", "yes. "),
    "non_native": ("I mean ", "Sorry, ", "Yes, "),
    "angry": ("Obviously. ", "I mean, ", "Isn't it clear? "),
    "typos": ("i mean ", "sry, ", "yes "),
}
ANGRY_ACKNOWLEDGEMENTS = (
    "I'm sorry for the frustration.",
    "I understand this is frustrating, and I'm sorry.",
    "I'm sorry about this experience.",
    "I hear you, and I'm sorry for the trouble.",
)
# First words that may be lower-cased after a connector ("Also, where is ..."); anything else (a product
# name, "I") keeps its capital.
LOWERABLE_STARTS = frozenset(
    "what what's where where's when why how which who can could would will do does did is are was were has have "
    "my the it it's its this that that's there there's please should any just so your you our a an and also as "
    "at after for from if in since still too all some someone something tracking order orders refund refunds "
    "return returns shipping free stop cancel check book tell write say give sell put make extend help problem "
    "login hello thanks okay ok yes no translate compose solve find fix is isn't other number".split()
)
COMMON_MISSPELLINGS = {
    "receive": "recieve", "received": "recieved", "address": "adress", "definitely": "definately",
    "because": "becuase", "the": "teh", "order": "oder", "package": "pakage", "tomorrow": "tommorow",
    "until": "untill", "which": "wich", "really": "realy", "shipping": "shiping", "password": "pasword",
    "account": "acount", "warranty": "waranty", "cancel": "cancle", "please": "pls", "you": "u", "your": "ur",
    "what": "waht", "with": "wiht", "there": "thier", "refund": "refudn", "already": "allready",
    "separate": "seperate", "money": "mony", "about": "abuot", "know": "kno", "return": "retrun",
}
# (pattern, replacement) rewrites that turn fluent English into plausible learner English.
NON_NATIVE_REWRITES = (
    (r"\bI don't\b", "I not"), (r"\bdoesn't\b", "not"), (r"\bhasn't\b", "not"), (r"\bhaven't\b", "not"),
    (r"\bCan I\b", "Is possible I"), (r"\bHow long does it take\b", "How many time it take"),
    (r"\bHow long\b", "How much time"), (r"\bI'd like to\b", "I want"), (r"\bwant to\b", "want"),
    (r"\bDo you\b", "You"), (r"\bdo I\b", "I"), (r"\bWhat's\b", "What is"), (r"\bit's\b", "it is"),
    (r"\barrived\b", "arrive"), (r"\breceived\b", "receive"), (r"\bthe \b", ""), (r"\bI'm\b", "I am"),
)


def style_user_text(text: str, persona: str, rng: random.Random, first_turn: bool, native_register: bool) -> str:
    """A customer message in the persona's voice: openers and closers on the first turn, typos, rewrites."""
    if persona == "non_native" and not native_register:
        text = non_native_rewrite(text, rng)
    if persona == "terse":
        return text if native_register else terse_rewrite(text)
    if first_turn:
        text = _wrap_first_turn(text, persona, rng)
    elif persona in CLOSERS and persona != "angry" and rng.random() < 0.12:
        text += rng.choice(CLOSERS[persona])
    if persona == "typos":
        text = add_typos(text, rng)
    return text


def _wrap_first_turn(text: str, persona: str, rng: random.Random) -> str:
    if persona == "verbose":
        detail = rng.choice(VERBOSE_DETAILS) if rng.random() < 0.7 else ""
        closer = rng.choice(CLOSERS["verbose"]) if rng.random() < 0.7 else ""
        return rng.choice(OPENERS["verbose"]) + detail + text + closer
    opener_chance = {"polite": 0.85, "angry": 0.8, "non_native": 0.6, "typos": 0.4}.get(persona, 0.0)
    closer_chance = {"polite": 0.6, "angry": 0.6, "non_native": 0.5, "typos": 0.3}.get(persona, 0.0)
    if rng.random() < opener_chance:
        opener = rng.choice(OPENERS[persona])
        text = opener + (text if opener.rstrip().endswith((".", "!", "?")) else lower_first_word(text))
    if rng.random() < closer_chance:
        text += rng.choice(CLOSERS[persona])
    return text


def connect_follow_up(text: str, persona: str, rng: random.Random) -> str:
    """Prefix a later-turn question with a connector ("Also, ...") in the persona's voice."""
    connectors = CONNECTORS.get(persona, CONNECTORS["neutral"])
    connector = rng.choice(connectors)
    if not connector.rstrip().endswith((".", "!")):  # "Thanks. Where ..." keeps its capital
        text = lower_first_word(text)
    return connector + text


def lead_in_clarification(text: str, persona: str, rng: random.Random) -> str:
    """Prefix the customer's answer to a clarifying question ("I mean, where is order #SN12345?")."""
    lead = rng.choice(CLARIFICATION_LEADS.get(persona, CLARIFICATION_LEADS["neutral"]))
    if lead and not lead.rstrip().endswith((".", "!", "?")):
        text = lower_first_word(text)
    return lead + text


def terse_rewrite(text: str) -> str:
    """Shorten a fluent wording for the terse persona: no pleasantries, lower case, no final period."""
    text = re.sub(r"^(Please|Hi|Hello|Sorry),? ", "", text)
    text = re.sub(r",? please\b", "", text)
    return lower_first_word(text).rstrip(".")


def lower_first_word(text: str) -> str:
    """Lower-case the first letter when the first word is a common sentence starter (never a name or "I")."""
    first = re.match(r"[A-Za-z']+", text)
    if first and first.group().lower() in LOWERABLE_STARTS:
        return text[0].lower() + text[1:]
    return text


def non_native_rewrite(text: str, rng: random.Random) -> str:
    """Apply a random subset of learner-English rewrites (each rule with probability 0.6)."""
    for pattern, replacement in NON_NATIVE_REWRITES:
        if re.search(pattern, text) and rng.random() < 0.6:
            text = re.sub(pattern, replacement, text)
    return re.sub(r"\s{2,}", " ", text).strip()


def add_typos(text: str, rng: random.Random) -> str:
    """Introduce 1-3 realistic typos, never inside order numbers, emails, amounts or capitalised names."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if _typo_safe(word)]
    for index in rng.sample(candidates, k=min(len(candidates), rng.randint(1, 3))):
        words[index] = _misspell(words[index], rng)
    text = " ".join(words)
    if rng.random() < 0.35:
        text = text.replace("I'm ", "im ").replace("I ", "i ")
    if rng.random() < 0.3:
        text = text.rstrip(".!")
    return text


def _typo_safe(word: str) -> bool:
    core = word.strip(".,!?:;()'\"")
    return len(core) >= 3 and core.isalpha() and core.islower()


def _misspell(word: str, rng: random.Random) -> str:
    match = re.match(r"^([^a-z]*)([a-z]+)(.*)$", word)
    if not match:
        return word
    prefix, core, suffix = match.groups()
    if core in COMMON_MISSPELLINGS and rng.random() < 0.7:
        return prefix + COMMON_MISSPELLINGS[core] + suffix
    position = rng.randrange(1, len(core))
    operation = rng.choice(("swap", "drop", "double"))
    if operation == "swap" and position < len(core) - 1:
        core = core[:position] + core[position + 1] + core[position] + core[position + 2:]
    elif operation == "drop" or operation == "swap":
        core = core[:position] + core[position + 1:]
    else:
        core = core[:position] + core[position] + core[position:]
    return prefix + core + suffix
