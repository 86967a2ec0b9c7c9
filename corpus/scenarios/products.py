"""Scenarios of the product_question intent: catalog attributes (price, colors, material, size, care),
stock, products we don't carry and gift wrapping.

Answers come from corpus/catalog.py, not from the policy: product facts don't change with store policy,
so product conversations have empty policy_facts and stay identical when the policy changes.
"""

from __future__ import annotations

from corpus.catalog import ATTRIBUTE_QUESTIONS
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

ATTRIBUTES = tuple(ATTRIBUTE_QUESTIONS)
TERSE_ATTRIBUTE_QUESTIONS = {
    "price": ("{product} price?", "how much {product}"),
    "colors": ("{product} colors?", "other colors for {product}?"),
    "material": ("{product} material?", "what's the {product} made of"),
    "size": ("{product} size?", "{product} dimensions"),
    "care": ("how to clean {product}?", "{product} dishwasher safe?"),
}
NON_NATIVE_ATTRIBUTE_QUESTIONS = {
    "price": ("How much cost the {product}?",), "colors": ("Which colors have the {product}?",),
    "material": ("From what material is the {product}?",), "size": ("How big is the {product}, what size?",),
    "care": ("How I must clean the {product}?",),
}
ANSWER_TAILS = (" You'll find photos and reviews on its product page.", " The product page has full details and reviews.",
                " Let me know if you'd like details on anything else.", "")
ASK_STOCK = Bank(
    neutral=("Is the {product} in stock?", "When will the {product} be back in stock?",
             "Do you have the {product} available right now?",
             "The {product} says sold out. Will you restock it?"),
    terse=("{product} in stock?", "{product} restock when?"),
    non_native=("The {product} is available now or not?", "When the {product} come back in stock?"),
)
STOCK_ANSWERS = (
    "Stock changes quickly, so the product page always shows live availability for the {product}. If it's sold out, "
    "tap 'Notify me' there and we'll email you as soon as it's back.",
    "The {product} product page shows current stock. When an item is sold out, the 'Notify me' button sends you an "
    "email the moment it's restocked.",
)
ASK_NOT_CARRIED = Bank(
    neutral=("Do you sell {item}?", "Can I buy {item} from you?", "I'm looking for {item}. Do you have any?",
             "Do you carry {item}?"),
    terse=("sell {item}?", "got {item}?"),
    non_native=("You have {item} for sell?", "I search {item}, you have?"),
)
NOT_CARRIED_ANSWERS = (
    "I'm sorry, we don't carry {item}. {store} focuses on home, kitchen, outdoor, pet and electronics products; "
    "the search bar on our site shows everything we stock.",
    "We don't sell {item}, I'm afraid. Our range covers home, kitchen, outdoor, pet and electronics products, "
    "and you can browse it all from the search bar.",
)
NOT_CARRIED_ITEMS = ("car tires", "groceries", "prescription medicine", "concert tickets", "furniture sofas",
                     "live plants", "gift cards from other stores", "mobile phone plans", "bicycles", "perfume")
ASK_GIFT = Bank(
    neutral=("Can you gift wrap the {product}?", "Is gift wrapping available?", "Can I add a gift note to my order?",
             "I'm sending the {product} as a present. Can you hide the price?"),
    terse=("gift wrap?", "gift note possible?"),
    non_native=("You can make gift package for the {product}?",),
)
GIFT_ANSWERS = (
    "Yes, you can add gift wrapping and a personal note at checkout, and gift orders never include a price on the "
    "packing slip.",
    "At checkout, tick 'This is a gift' to add wrapping and a note; the packing slip then shows no prices.",
)
ASK_COMPARE = Bank(
    neutral=("What's the difference between the {product} and the {other}?",
             "Should I get the {product} or the {other}?"),
    terse=("{product} vs {other}?",),
    non_native=("Which is better, {product} or {other}?",),
)
COMPARE_ANSWERS = (
    "They're quite different: the {product} is made of {material} and costs {price}, while the {other} is made of "
    "{other_material} and costs {other_price}. It depends on what you need it for.",
)


def attribute_bank(attribute: str) -> Bank:
    questions, _ = ATTRIBUTE_QUESTIONS[attribute]
    return Bank(neutral=questions, terse=TERSE_ATTRIBUTE_QUESTIONS[attribute],
                non_native=NON_NATIVE_ATTRIBUTE_QUESTIONS[attribute])


def attribute_answer(ctx: ConversationContext, product, attribute: str) -> str:
    """The fixed answer sentence for one attribute of one product, plus an optional tail."""
    _, answers = ATTRIBUTE_QUESTIONS[attribute]
    return ctx.reply(answers, product=product.name, value=getattr(product, attribute)) + ctx.pick(ANSWER_TAILS)


def product_attribute(ctx: ConversationContext) -> Turn:
    attribute = ctx.pick(ATTRIBUTES)
    user = ctx.ask(attribute_bank(attribute), product=ctx.product.name)
    return Turn(user, attribute_answer(ctx, ctx.product, attribute))


def stock(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_STOCK, product=ctx.product.name)
    return Turn(user, ctx.reply(STOCK_ANSWERS, product=ctx.product.name))


def not_carried(ctx: ConversationContext) -> Turn:
    item = ctx.pick(NOT_CARRIED_ITEMS)
    user = ctx.ask(ASK_NOT_CARRIED, item=item)
    return Turn(user, ctx.reply(NOT_CARRIED_ANSWERS, item=item, store=ctx.policy.store_name))


def gift_wrap(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_GIFT, product=ctx.product.name)
    return Turn(user, ctx.reply(GIFT_ANSWERS))


def compare(ctx: ConversationContext) -> Turn:
    first, other = ctx.product, ctx.second_product
    user = ctx.ask(ASK_COMPARE, product=first.name, other=other.name)
    return Turn(user, ctx.reply(COMPARE_ANSWERS, product=first.name, material=first.material, price=first.price,
                                other=other.name, other_material=other.material, other_price=other.price))


PRODUCT_TOPICS = (product_attribute, product_attribute, product_attribute, product_attribute, product_attribute,
                  stock, stock, not_carried, gift_wrap, compare)
