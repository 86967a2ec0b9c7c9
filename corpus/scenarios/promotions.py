"""Scenarios of the discounts_promotions and contact_support intents, and the "thanks, that's all" closing
turn that ends many multi-turn conversations.
"""

from __future__ import annotations

from corpus import phrases, slots
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

ASK_CODE_FAILS = Bank(
    neutral=("My promo code {code} isn't working.", "The discount code {code} says invalid.",
             "Why won't my coupon {code} apply?",
             "I have a code, {code}, but checkout doesn't take it."),
    terse=("code {code} not working", "{code} invalid?", "coupon won't apply"),
    non_native=("The code {code} is not accept in checkout.", "My discount code {code} not work, why?"),
    angry=("Your promo code {code} doesn't work. Is this some kind of scam?",),
)
CODE_FAILS_ANSWERS = (
    "Please check the code's expiry date and any minimum spend in the email it came with, and make sure there are no "
    "extra spaces. Note that only {limit} can be used per order.",
    "Codes usually fail because they've expired, the cart is below the minimum spend, or another code is already "
    "applied; only {limit} works per order.",
)
ASK_COMBINE = Bank(
    neutral=("Can I use two promo codes on one order?", "Can I combine {code} with another discount code?",
             "Is it possible to stack coupons?"),
    terse=("stack codes?", "2 promo codes ok?"),
    non_native=("I can use two codes together in one order?",),
)
COMBINE_ANSWERS = ("You can use {limit} per order, so codes can't be combined. Checkout keeps the one that saves you "
                   "the most if you try another.",)
ASK_PRICE_MATCH = Bank(
    neutral=("I saw the {product} cheaper at another store. Do you price match?", "Do you match competitors' prices?",
             "The {product} is {amount} somewhere else. Can you match that?",
             "The price of the {product} dropped right after I bought it. Can I get the difference?"),
    terse=("price match?", "{product} cheaper elsewhere, match?"),
    non_native=("Other shop sell the {product} more cheap, you can make same price?",),
)
PRICE_MATCH_ANSWERS = (
    "Yes: we match the price of an identical item from a major retailer within {days} of purchase, including our own "
    "price drops. Send us the link and your order number and we'll refund the difference.",
)
NO_PRICE_MATCH_ANSWERS = ("I'm sorry, we don't offer price matching at the moment, but our newsletter sends a "
                          "{percent}% code for your first order.",)
ASK_DISCOUNT = Bank(
    neutral=("Do you have any discounts right now?", "Is there a discount for new customers?",
             "How can I get a coupon?", "Do you have a welcome offer?"),
    terse=("any discounts?", "coupon?", "first order discount?"),
    non_native=("There is some discount for new client?",),
)
DISCOUNT_ANSWERS = (
    "Sign up for our newsletter and you'll get {percent}% off your first order. Current promotions are listed on our "
    "Deals page.",
    "New customers get {percent}% off their first order by subscribing to our newsletter, and the Deals page shows "
    "every running promotion.",
)

ASK_HUMAN = Bank(
    neutral=("Can I talk to a human?", "I want to speak to a real person.", "What are your customer service hours?",
             "When is your support team available?", "Is there someone I can call? My number is {phone}.",
             "Can an agent call me back?"),
    terse=("human please", "agent", "support hours?"),
    non_native=("I want speak with a person, not robot.", "What time the support team is working?"),
    angry=("Stop wasting my time and get me a real human.", "I want a manager. Now."),
)
HUMAN_ANSWERS = (
    "{hours} You can reach a person through the 'Contact us' page, and I'm happy to help with anything in the "
    "meantime.",
    "{hours} Leave a message through 'Contact us' and an agent will reply during those hours.",
)
ASK_FEEDBACK = Bank(
    neutral=("I want to leave some feedback about my experience.", "Where can I send a complaint?",
             "I'd like to compliment the delivery driver."),
    terse=("complaint", "feedback where?"),
    non_native=("Where I can write my opinion about the service?",),
)
FEEDBACK_ANSWERS = ("Thank you for taking the time. You can send feedback or a complaint through the 'Contact us' page, "
                    "and our team reads every message.",)
THANKS = Bank(
    neutral=("Great, thanks!", "Perfect, that's all I needed.", "Thank you, that helps.", "Okay, thanks for your help.",
             "Got it, thanks.", "That answers my question. Thank you!"),
    terse=("ok thx", "thanks", "k", "got it"),
    non_native=("Thank you very much, you help me a lot.", "Ok, I understand. Thanks."),
    angry=("Fine. Whatever.", "Okay. Let's hope that actually works.", "Fine, I'll try that."),
)
THANKS_ANSWERS = ("You're welcome! If anything else comes up, just message us here.",
                  "Glad I could help. Have a great day, and reach out anytime you need us.",
                  "You're welcome. I'm here if you need anything else with your order.")
ANGRY_THANKS_ANSWERS = ("I understand, and I'm sorry again for the trouble. I'm here if you need anything else.",)


def promo_code_fails(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_CODE_FAILS, code=ctx.pick(slots.PROMO_CODES))
    return Turn(user, ctx.reply(CODE_FAILS_ANSWERS, limit=phrases.promo_limit(ctx.policy)))


def combine_codes(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_COMBINE, code=ctx.pick(slots.PROMO_CODES))
    return Turn(user, ctx.reply(COMBINE_ANSWERS, limit=phrases.promo_limit(ctx.policy)))


def price_match(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_PRICE_MATCH, product=ctx.product.name, amount=slots.amount(ctx.rng))
    if ctx.policy.price_match:
        return Turn(user, ctx.reply(PRICE_MATCH_ANSWERS, days=phrases.count(ctx.policy.price_match_days, "day")))
    return Turn(user, ctx.reply(NO_PRICE_MATCH_ANSWERS, percent=ctx.policy.newsletter_discount_percent))


def discounts(ctx: ConversationContext) -> Turn:
    return Turn(ctx.ask(ASK_DISCOUNT), ctx.reply(DISCOUNT_ANSWERS, percent=ctx.policy.newsletter_discount_percent))


def talk_to_human(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_HUMAN, phone=ctx.phone)
    return Turn(user, ctx.reply(HUMAN_ANSWERS, hours=phrases.support_hours_sentence(ctx.policy)))


def feedback(ctx: ConversationContext) -> Turn:
    return Turn(ctx.ask(ASK_FEEDBACK), ctx.reply(FEEDBACK_ANSWERS))


def thanks(ctx: ConversationContext) -> Turn:
    """The closing turn of a multi-turn conversation."""
    user = ctx.ask(THANKS, connect=False)
    answers = ANGRY_THANKS_ANSWERS if ctx.persona == "angry" else THANKS_ANSWERS
    return Turn(user, ctx.reply(answers))


PROMOTION_TOPICS = (promo_code_fails, promo_code_fails, combine_codes, price_match, price_match, discounts, discounts)
SUPPORT_TOPICS = (talk_to_human, talk_to_human, talk_to_human, feedback)
