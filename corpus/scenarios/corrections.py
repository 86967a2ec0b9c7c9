"""Hard case `wrong_claim`: the customer states something that contradicts the policy ("your site says returns
are accepted for 90 days") and the assistant corrects it politely with the actual policy value.

The claimed value is drawn from a fixed list minus the actual value, so a claim is always wrong whatever the
policy says. Answers state the correct value and do not repeat the wrong one, so the model learns the fact,
not the customer's number.
"""

from __future__ import annotations

from corpus import phrases
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

CORRECTION_OPENERS = ("Just to clarify, ", "Actually, ", "Thanks for checking! In fact, ",
                      "I understand the confusion, but ", "Let me correct that: ")

RETURN_CLAIMS = Bank(
    neutral=("Your site says returns are accepted for {claimed} days, right?",
             "I know I have {claimed} days to return things, so I'll wait a bit.",
             "Since your return policy is {claimed} days, I can send the {product} back later, correct?",
             "Someone told me I get {claimed} days to return anything.", "The return window is {claimed} days, isn't it?"),
    terse=("returns {claimed} days right?", "{claimed} day return window yes?"),
    non_native=("I read the return is {claimed} days, it is true?", "You give {claimed} days for return, yes?"),
    angry=("Your own website says {claimed} days for returns, so don't tell me otherwise.",),
)
RETURN_CLAIM_ANSWERS = ("{opener}our return window is {window} from delivery, and items must be {condition}.",
                        "{opener}you can return items within {window} of delivery, as long as they are {condition}.")
REFUND_CLAIMS = Bank(
    neutral=("You said refunds take only {claimed} days, so where is mine?",
             "Refunds are instant at your store, right?",
             "I was told my refund would arrive within {claimed} days."),
    terse=("refund takes {claimed} days right?",),
    non_native=("The refund come in {claimed} days, yes?",),
)
REFUND_CLAIM_ANSWERS = ("{opener}refunds reach your original payment method within {refund_time} after we receive "
                        "the return.",)
FREE_SHIPPING_CLAIMS = Bank(
    neutral=("Shipping is free on every order, right?", "Free shipping starts at {amount}, doesn't it?",
             "Your ad said free delivery on everything."),
    terse=("shipping always free?", "free shipping from {amount}?"),
    non_native=("The shipping is free always, no?",),
)
FREE_SHIPPING_CLAIM_ANSWERS = ("{opener}{free}",)
OPTION_PRICE_CLAIMS = Bank(
    neutral=("{label} is only {amount}, right?", "I thought {label} cost {amount}.",
             "Your site said {label} was {amount}."),
    terse=("{label} {amount} right?",),
    non_native=("{label} cost {amount}, yes?",),
)
OPTION_PRICE_CLAIM_ANSWERS = ("{opener}{label} costs {price}, with a delivery estimate of {days}.",)
WARRANTY_CLAIMS = Bank(
    neutral=("All your products have a {claimed} warranty, right?",
             "I remember the {product} came with a {claimed} warranty.",
             "Your site promises a {claimed} guarantee."),
    terse=("{claimed} warranty yes?",),
    non_native=("The warranty is {claimed}, correct?",),
)
WARRANTY_CLAIM_ANSWERS = ("{opener}{warranty}", "{opener}the warranty is {length}: {warranty}")
CANCEL_CLAIMS = Bank(
    neutral=("I can cancel my order any time within {claimed}, right?", "Your policy lets me cancel within {claimed}.",
             "I'll cancel tomorrow, I have {claimed} anyway."),
    terse=("can cancel within {claimed} right?",),
    non_native=("I have {claimed} for cancel, yes?",),
)
CANCEL_CLAIM_ANSWERS = ("{opener}{cancellation} After that, you can return the order within {return_window} of delivery.",)
FEE_CLAIMS = Bank(
    neutral=("You charge a {claimed}% restocking fee, which is unfair.",
             "I don't want to pay your {claimed}% restocking fee."),
    terse=("{claimed}% restocking fee?",),
    non_native=("Why you take {claimed}% fee for return?",),
)
FEE_CLAIM_ANSWERS = ("{opener}{restocking} {return_shipping}",)
PAYMENT_CLAIMS = Bank(
    neutral=("You don't accept {method}, right?", "I heard you stopped taking {method}.",
             "Too bad you don't take {method}."),
    terse=("no {method}?",),
    non_native=("{method} is not accepted here, no?",),
)
PAYMENT_CLAIM_ANSWERS = ("{opener}we do accept {method}. Our payment options are {methods}.",)
HOURS_CLAIMS = Bank(
    neutral=("Your support is open 24/7, right?", "I can reach an agent at any time of night, can't I?",
             "Your agents work weekends too, right?"),
    terse=("support 24/7?",),
    non_native=("The support is working all the time, yes?",),
)
HOURS_CLAIM_ANSWERS = ("{opener}{hours} Outside those hours, I'm here to help with most questions.",)

RETURN_DAY_CLAIMS = (7, 14, 45, 60, 90, 120, 180, 365)
REFUND_DAY_CLAIMS = (1, 2, 3)
CANCEL_HOUR_CLAIMS = (2, 6, 48, 72, 168)
FEE_CLAIMS_PERCENT = (10, 15, 20, 25)
WARRANTY_MONTH_CLAIMS = (3, 6, 24, 36, 60, 120)


def wrong_claim(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    kind = ctx.pick(("return", "return", "return", "refund", "free_shipping", "option_price", "warranty",
                     "cancel", "fee", "payment", "hours"))
    builder = {"return": _return_claim, "refund": _refund_claim, "free_shipping": _free_shipping_claim,
               "option_price": _option_price_claim, "warranty": _warranty_claim, "cancel": _cancel_claim,
               "fee": _fee_claim, "payment": _payment_claim, "hours": _hours_claim}[kind]
    intent, user, answers, values = builder(ctx)
    opener = ctx.pick(CORRECTION_OPENERS)
    return intent, [Turn(user, ctx.reply(answers, opener=opener, **values))]


def _continue(sentence: str) -> str:
    """A policy sentence continuing the correction opener ("Actually, there is ..."), so lower-cased."""
    return sentence[0].lower() + sentence[1:]


def _wrong(ctx: ConversationContext, candidates: tuple[int, ...], actual: int) -> int:
    return ctx.pick(tuple(value for value in candidates if value != actual))


def _return_claim(ctx):
    claimed = _wrong(ctx, RETURN_DAY_CLAIMS, ctx.policy.return_window_days)
    user = ctx.ask(RETURN_CLAIMS, claimed=claimed, product=ctx.product.name)
    return "returns_refunds", user, RETURN_CLAIM_ANSWERS, dict(window=phrases.return_window(ctx.policy),
                                                               condition=ctx.policy.return_condition)


def _refund_claim(ctx):
    claimed = _wrong(ctx, REFUND_DAY_CLAIMS, ctx.policy.refund_processing_days)
    user = ctx.ask(REFUND_CLAIMS, claimed=claimed)
    return "returns_refunds", user, REFUND_CLAIM_ANSWERS, dict(refund_time=phrases.refund_time(ctx.policy))


def _free_shipping_claim(ctx):
    threshold = ctx.policy.free_shipping_threshold
    claimed = _wrong(ctx, (15, 25, 35, 75, 100), int(threshold))
    user = ctx.ask(FREE_SHIPPING_CLAIMS, amount=phrases.money(ctx.policy, claimed))
    return "shipping_delivery", user, FREE_SHIPPING_CLAIM_ANSWERS, dict(free=phrases.free_shipping_sentence(ctx.policy))


def _option_price_claim(ctx):
    option = ctx.pick(ctx.policy.shipping_options)
    claimed = round(option.price / 3, 2) if option.price >= 3 else option.price + 5
    label = phrases.option_label(option)
    user = ctx.ask(OPTION_PRICE_CLAIMS, label=label, amount=phrases.money(ctx.policy, claimed))
    return "shipping_delivery", user, OPTION_PRICE_CLAIM_ANSWERS, dict(
        label=label, price=phrases.money(ctx.policy, option.price), days=option.days)


def _warranty_claim(ctx):
    months = _wrong(ctx, WARRANTY_MONTH_CLAIMS, ctx.policy.warranty_months)
    claimed = f"{months // 12}-year" if months % 12 == 0 else f"{months}-month"
    user = ctx.ask(WARRANTY_CLAIMS, claimed=claimed, product=ctx.product.name)
    sentence = phrases.warranty_sentence(ctx.policy)
    return "warranty", user, WARRANTY_CLAIM_ANSWERS, dict(
        warranty=_continue(sentence), length=phrases.warranty_length(ctx.policy))


def _cancel_claim(ctx):
    hours = _wrong(ctx, CANCEL_HOUR_CLAIMS, ctx.policy.cancellation_window_hours)
    claimed = "a week" if hours == 168 else phrases.count(hours, "hour")
    user = ctx.ask(CANCEL_CLAIMS, claimed=claimed)
    return "cancellation", user, CANCEL_CLAIM_ANSWERS, dict(
        cancellation=_continue(phrases.cancellation_sentence(ctx.policy)), return_window=phrases.return_window(ctx.policy))


def _fee_claim(ctx):
    claimed = _wrong(ctx, FEE_CLAIMS_PERCENT, ctx.policy.restocking_fee_percent)
    user = ctx.ask(FEE_CLAIMS, claimed=claimed)
    return "returns_refunds", user, FEE_CLAIM_ANSWERS, dict(
        restocking=_continue(phrases.restocking_sentence(ctx.policy)),
        return_shipping=phrases.return_shipping_sentence(ctx.policy))


def _payment_claim(ctx):
    method = ctx.pick(ctx.policy.payment_methods)
    user = ctx.ask(PAYMENT_CLAIMS, method=method)
    return "payment_problem", user, PAYMENT_CLAIM_ANSWERS, dict(method=method, methods=phrases.payment_methods(ctx.policy))


def _hours_claim(ctx):
    user = ctx.ask(HOURS_CLAIMS)
    return "contact_support", user, HOURS_CLAIM_ANSWERS, dict(hours=_continue(phrases.support_hours_sentence(ctx.policy)))
