"""Scenarios of the returns_refunds and warranty intents: the return window, how to return, refund timing,
fees, exchanges, damaged deliveries, warranty length and claims.

Most return answers state the return window, because "how many days do I have" is the policy question the
demo measures; eligibility ("I bought it 45 days ago") is decided from the policy value, so changing the
window flips those answers too.
"""

from __future__ import annotations

from corpus import phrases, slots
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

ASK_WINDOW = Bank(
    neutral=("What is your return policy?", "How long do I have to return something?",
             "How many days do I have to return an item?",
             "Can I return the {product} if I don't like it?", "What's the deadline for returns?",
             "Do you accept returns? For how long?", "Until when can I send back the {product}?",
             "I'm not sure the {product} will fit my kitchen. Can I return it later?", "What's the return window?"),
    terse=("return policy?", "how long to return?", "return window?", "can i return the {product}",
           "returns - how many days"),
    non_native=("How many days I have for return the product?", "Is possible to return the {product}? Until when?",
                "What is the rule for give back the product?", "I can send back the {product} if I not like it?"),
    angry=("I want to return this junk. How long do I have?", "What's your return policy? The {product} is awful."),
)
WINDOW_ANSWERS = (
    "{window_sentence} Start a return under My Account > Orders. {return_shipping}",
    "{window_sentence} {return_shipping}",
)
ASK_HOW_TO_RETURN = Bank(
    neutral=("How do I return the {product}?", "How do I send back order {order}?", "What's the process for a return?",
             "I want to return the {product}. What do I do?", "Can you help me return an item from order {order}?"),
    terse=("how to return", "return {order}", "return process?"),
    non_native=("How I can return the {product}?", "Please explain me how to make a return for order {order}."),
)
HOW_TO_RETURN_ANSWERS = (
    "Go to My Account > Orders, pick the order and choose 'Return item'. Returns are accepted within {window} of "
    "delivery. {return_shipping}",
    "You can start a return under My Account > Orders within {window} of delivery. {return_shipping}",
)
ASK_REFUND_TIME = Bank(
    neutral=("When will I get my refund?", "How long do refunds take?",
             "I sent back the {product} {date}. When do I get my money?",
             "How long until the refund shows up on my card?", "When is the refund for order {order} coming?"),
    terse=("refund when?", "refund time?", "where's my refund {order}"),
    non_native=("When I receive my money back?", "How many days for the refund come?",
                "I return {product} but no money yet."),
    angry=("I returned the {product} {date} and still no refund. Where is my money?",),
)
REFUND_TIME_ANSWERS = ("{refund} You'll get an email as soon as it's issued.", "{refund} Banks can take a little "
                       "longer to show it on your statement.")
ASK_FEE = Bank(
    neutral=("Is there a restocking fee?", "Do you charge anything for returns?",
             "Will I get the full amount back if I return it?",
             "Do I have to pay for return shipping?"),
    terse=("restocking fee?", "returns free?", "full refund?"),
    non_native=("I must pay something for return?", "Return is free or not?"),
)
FEE_ANSWERS = ("{restocking} {return_shipping}",)
ASK_ELIGIBLE = Bank(
    neutral=("I bought the {product} {days_ago} days ago. Can I still return it?",
             "Is it too late to return something I got {days_ago} days ago?",
             "My {product} was delivered {days_ago} days ago and I don't need it anymore. Can I send it back?",
             "Can I return an item after {days_ago} days?"),
    terse=("got it {days_ago} days ago, return ok?", "return after {days_ago} days?"),
    non_native=("I have the {product} since {days_ago} days. I can return it still?",),
)
ELIGIBLE_ANSWERS = ("Yes, that's within our {window} return window. {condition_sentence}",
                    "Yes, you can still return it: returns are accepted within {window} of delivery. {condition_sentence}")
NOT_ELIGIBLE_ANSWERS = (
    "I'm sorry, returns are accepted within {window} of delivery, so that item is past the return window. If it's "
    "faulty, it may still be covered by our {warranty} warranty.",
    "Unfortunately our return window is {window} from delivery, so it can no longer be returned. A faulty item may "
    "still be covered by our {warranty} warranty.",
)
ASK_OPENED = Bank(
    neutral=("Can I return the {product} if I already opened it?", "I used the {product} once. Can I still return it?",
             "Do items have to be in the original box to be returned?"),
    terse=("return opened item?", "need original box?"),
    non_native=("I open the box already, return is possible?",),
)
OPENED_ANSWERS = ("Items can be returned within {window} of delivery if they are {condition}. If an item is faulty, "
                  "our warranty covers it instead.",)
ASK_EXCHANGE = Bank(
    neutral=("Can I exchange the {product} for a different color?", "I want to swap my {product} for a different model.",
             "Do you do exchanges?"),
    terse=("exchange possible?", "swap color of {product}?"),
    non_native=("I can change the {product} for other color?",),
)
EXCHANGE_ANSWERS = ("The quickest way is to return the original within {window} of delivery and place a new order for "
                    "the version you want. {refund}",)
ASK_DAMAGED = Bank(
    neutral=("My {product} arrived damaged.", "The {product} in order {order} came broken.",
             "The box was crushed and the {product} is cracked."),
    terse=("{product} arrived broken", "damaged {product}, order {order}"),
    non_native=("The {product} arrive broken, what I do?",),
    angry=("The {product} arrived smashed to pieces. Great packaging, really.",),
)
DAMAGED_ANSWERS = ("I'm sorry it arrived damaged. Please send a photo of the {product} and the box with your order "
                   "number, and we'll ship a free replacement or issue a full refund; no need to return the broken item.",)
DAYS_AGO = (2, 4, 6, 9, 12, 15, 19, 23, 27, 33, 38, 45, 52, 75, 100)

# --- warranty --------------------------------------------------------------------------------------
ASK_WARRANTY = Bank(
    neutral=("Does the {product} have a warranty?", "How long is the warranty on the {product}?",
             "What does your warranty cover?",
             "Is there a guarantee on your products?", "What warranty comes with the {product}?"),
    terse=("warranty?", "{product} warranty length?", "guarantee?"),
    non_native=("The {product} have guarantee? How long?", "How much time is the warranty?"),
)
WARRANTY_ANSWERS = ("{warranty_sentence} It doesn't cover {excludes}.",
                    "{warranty_sentence} Accidental damage isn't included: the warranty excludes {excludes}.")
ASK_CLAIM = Bank(
    neutral=("My {product} stopped working after {months} months.",
             "The {product} I bought {months} months ago is broken. Is it covered?",
             "After {months} months my {product} won't turn on. Can you fix it?"),
    terse=("{product} broke after {months} months, covered?", "warranty claim {product} {months} months"),
    non_native=("My {product} is broken after {months} months, the warranty is good?",),
    angry=("My {product} died after only {months} months. This is garbage quality.",),
)
CLAIM_COVERED_ANSWERS = (
    "That's covered by our {warranty} warranty. Please send your order number and a short description or photo "
    "of the fault, and we'll arrange a repair or a replacement.",
    "Good news: at {months_owned} the {product} is still under our {warranty} warranty. Share your order number and "
    "a photo of the issue, and we'll repair or replace it.",
)
CLAIM_EXPIRED_ANSWERS = (
    "I'm sorry, our warranty lasts {warranty}, so at {months_owned} the {product} is no longer covered. Our "
    "support team can still suggest repair options.",
)
ASK_ACCIDENT = Bank(
    neutral=("I dropped my {product}. Is that covered by the warranty?",
             "My kid broke the {product}. Will the warranty cover it?",
             "I spilled water on the {product}. Warranty?"),
    terse=("dropped {product}, covered?", "accidental damage covered?"),
    non_native=("I drop the {product} and now broken, warranty pay this?",),
)
ACCIDENT_ANSWERS = ("I'm sorry to hear that. Our warranty covers {covers}, but not {excludes}, so this kind of damage "
                    "isn't covered.",)
WARRANTY_MONTHS_OWNED = (1, 2, 3, 5, 7, 9, 11, 14, 18, 25)


def return_window(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_WINDOW, product=ctx.product.name)
    return Turn(user, ctx.reply(WINDOW_ANSWERS, window_sentence=phrases.return_window_sentence(ctx.policy),
                                return_shipping=phrases.return_shipping_sentence(ctx.policy)))


def how_to_return(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_HOW_TO_RETURN, product=ctx.product.name, order=ctx.order)
    return Turn(user, ctx.reply(HOW_TO_RETURN_ANSWERS, window=phrases.return_window(ctx.policy),
                                return_shipping=phrases.return_shipping_sentence(ctx.policy)))


def refund_time(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_REFUND_TIME, product=ctx.product.name, order=ctx.order,
                   date=ctx.pick(slots.PAST_DATES))
    return Turn(user, ctx.reply(REFUND_TIME_ANSWERS, refund=phrases.refund_sentence(ctx.policy)))


def return_fees(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_FEE)
    return Turn(user, ctx.reply(FEE_ANSWERS, restocking=phrases.restocking_sentence(ctx.policy),
                                return_shipping=phrases.return_shipping_sentence(ctx.policy)))


def return_eligibility(ctx: ConversationContext) -> Turn:
    days_ago = ctx.pick(DAYS_AGO)
    user = ctx.ask(ASK_ELIGIBLE, product=ctx.product.name, days_ago=days_ago)
    window = phrases.return_window(ctx.policy)
    if days_ago <= ctx.policy.return_window_days:
        condition = f"Please make sure it's {ctx.policy.return_condition}."
        return Turn(user, ctx.reply(ELIGIBLE_ANSWERS, window=window, condition_sentence=condition))
    return Turn(user, ctx.reply(NOT_ELIGIBLE_ANSWERS, window=window, warranty=f"{ctx.policy.warranty_months}-month"))


def opened_item(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_OPENED, product=ctx.product.name)
    return Turn(user, ctx.reply(OPENED_ANSWERS, window=phrases.return_window(ctx.policy),
                                condition=ctx.policy.return_condition))


def exchange(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_EXCHANGE, product=ctx.product.name)
    return Turn(user, ctx.reply(EXCHANGE_ANSWERS, window=phrases.return_window(ctx.policy),
                                refund=phrases.refund_sentence(ctx.policy)))


def damaged_delivery(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_DAMAGED, product=ctx.product.name, order=ctx.order)
    return Turn(user, ctx.reply(DAMAGED_ANSWERS, product=ctx.product.name))


def warranty_length(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_WARRANTY, product=ctx.product.name)
    return Turn(user, ctx.reply(WARRANTY_ANSWERS, warranty_sentence=phrases.warranty_sentence(ctx.policy),
                                excludes=ctx.policy.warranty_excludes))


def warranty_claim(ctx: ConversationContext) -> Turn:
    months = ctx.pick(WARRANTY_MONTHS_OWNED)
    user = ctx.ask(ASK_CLAIM, product=ctx.product.name, months=months)
    values = dict(warranty=f"{ctx.policy.warranty_months}-month", months_owned=phrases.count(months, "month"),
                  product=ctx.product.name)
    if months <= ctx.policy.warranty_months:
        return Turn(user, ctx.reply(CLAIM_COVERED_ANSWERS, **values))
    values["warranty"] = phrases.warranty_length(ctx.policy)
    return Turn(user, ctx.reply(CLAIM_EXPIRED_ANSWERS, **values))


def accidental_damage(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_ACCIDENT, product=ctx.product.name)
    return Turn(user, ctx.reply(ACCIDENT_ANSWERS, covers=ctx.policy.warranty_covers,
                                excludes=ctx.policy.warranty_excludes))


RETURNS_TOPICS = (return_window, return_window, return_window, return_window, how_to_return, how_to_return,
                  refund_time, return_fees, return_eligibility, return_eligibility, return_eligibility,
                  opened_item, exchange, damaged_delivery)
WARRANTY_TOPICS = (warranty_length, warranty_length, warranty_claim, warranty_claim, accidental_damage)
