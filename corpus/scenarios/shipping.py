"""Scenarios of the shipping_delivery intent: shipping options, times, prices, free shipping, same-day and
international delivery, and changing a delivery address.

Every option, time and price comes from policy.shipping_options, so adding an option to policy.toml (say a
"Same-Day" one) changes the option lists and turns "we don't offer same-day delivery" into an offer.
"""

from __future__ import annotations

from corpus import phrases, slots
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

ASK_OPTIONS = Bank(
    neutral=("What shipping options do you have?", "How much is shipping?", "What are my delivery options?",
             "How long does delivery take?", "What does shipping cost and how fast is it?",
             "Which shipping methods do you offer?", "How fast can you ship an order?",
             "Can you explain your shipping options?", "What are the delivery times and prices?",
             "I'm about to order the {product}. How long will shipping take?"),
    terse=("shipping options?", "shipping cost?", "delivery times?", "how fast is shipping", "shipping prices"),
    non_native=("Which kind of shipping you have?", "How many days is the delivery and how much cost?",
                "Please tell me the shipping options.", "How long take the delivery to my home?"),
    angry=("Why is it so hard to find your shipping prices? What are they?",),
)
OPTIONS_ANSWERS = (
    "{options} Orders ship within {processing} of purchase.",
    "{options} Every order leaves our warehouse within {processing}.",
)
ASK_OPTION = Bank(
    neutral=("How long does {option} take?", "How much does {option} cost?", "What's the delivery time for {option}?",
             "If I choose {option}, when will my order arrive?", "Tell me about {option}.",
             "Is {option} worth it? How fast is it?"),
    terse=("{option} how long?", "{option} price?", "{option} time?"),
    non_native=("How many days is {option}?", "{option} is how much money?", "What is {option}, how fast?"),
)
OPTION_ANSWERS = (
    "{label} costs {price}, and the delivery estimate is {days}.",
    "With {label}, the delivery estimate is {days}, and it costs {price}.",
)
ASK_FREE_SHIPPING = Bank(
    neutral=("Do you offer free shipping?", "How much do I need to spend for free shipping?",
             "Is shipping free if I spend enough?", "My cart is {amount}. Do I get free shipping?",
             "What's the minimum order for free delivery?"),
    terse=("free shipping?", "free shipping minimum?", "min for free delivery"),
    non_native=("There is free shipping? From how much?", "How much I must buy for free delivery?"),
)
FREE_SHIPPING_ANSWERS = (
    "{free} The other options are charged at their normal price.",
    "Yes. {free}",
)
ASK_INTERNATIONAL = Bank(
    neutral=("Do you ship to {country}?", "Can I order from {country}?",
             "Do you deliver internationally, for example to {country}?",
             "I live in {country}. Can you send my order there?", "How long does shipping to {country} take?"),
    terse=("ship to {country}?", "{country} delivery?", "international shipping?"),
    non_native=("You send to {country}? I live there.", "Is possible delivery in {country}?",
                "How many days for shipping to {country}?"),
)
INTERNATIONAL_ANSWERS = (
    "Yes, we ship to {country}. {international}",
    "We do deliver to {country}. {international}",
)
NO_INTERNATIONAL_ANSWERS = ("I'm sorry, we can't deliver to {country}. {international}",)
ASK_FASTEST = Bank(
    neutral=("I need my order by {deadline}. What's your fastest shipping?", "What is the quickest delivery option?",
             "Can you rush my order? I need it by {deadline}.", "How fast can I get the {product}?"),
    terse=("fastest shipping?", "need it by {deadline}", "rush delivery?"),
    non_native=("I need the order before {deadline}, what is most fast shipping?",),
)
FASTEST_ANSWERS = (
    "Our fastest option is {label} ({details}). Orders ship within {processing} of purchase, so order soon to "
    "make your date.",
    "The quickest choice is {label}: {details}. Orders leave our warehouse within {processing}.",
)
ASK_SAME_DAY = Bank(
    neutral=("Do you offer same-day delivery?", "Can I get my order today?", "Is there a same-day option?",
             "If I order the {product} now, can it arrive today?"),
    terse=("same day delivery?", "delivery today?"),
    non_native=("Is possible to receive today, same day?", "You have delivery in same day?"),
)
SAME_DAY_ANSWERS = ("Yes, we offer {label} ({details}). Choose it at checkout.",
                    "We do: {label} is available ({details}). You can pick it at checkout.")
NO_SAME_DAY_ANSWERS = ("We don't offer same-day delivery right now. Our fastest option is {label} ({details}).",
                       "Same-day delivery isn't available at the moment; the quickest choice is {label} ({details}).")
ASK_CHANGE_ADDRESS = Bank(
    neutral=("Can I change the delivery address for order {order}? It should go to {address}.",
             "This is {name}. Please ship order {order} to {address} instead of my old address.",
             "I entered the wrong address on order {order}.", "I moved. Can you send order {order} to {address} instead?",
             "How do I update the shipping address on order {order}?"),
    terse=("change address on {order}", "wrong address {order}, new one: {address}"),
    non_native=("I put wrong address in order {order}, can you change to {address}?",),
)
CHANGE_ADDRESS_ANSWERS = (
    "We can update the address on order {order} as long as it hasn't shipped: edit it under My Account > Orders. "
    "Once it's with the carrier, the address can only be changed through the carrier's tracking page.",
    "If order {order} hasn't shipped yet, you can change the delivery address under My Account > Orders. After it "
    "ships, please request a redirect from the carrier using the tracking link.",
)
DEADLINES = ("Friday", "Monday", "the weekend", "next Wednesday", "my mom's birthday on Saturday", "Thursday")


def shipping_options(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_OPTIONS, product=ctx.product.name)
    return Turn(user, ctx.reply(OPTIONS_ANSWERS, options=phrases.options_sentence(ctx.policy),
                                processing=phrases.processing_time(ctx.policy)))


def shipping_option(ctx: ConversationContext) -> Turn:
    option = ctx.pick(ctx.policy.shipping_options)
    label = phrases.option_label(option)
    user = ctx.ask(ASK_OPTION, option=label)
    return Turn(user, ctx.reply(OPTION_ANSWERS, label=label, days=option.days,
                                price=phrases.money(ctx.policy, option.price)))


def free_shipping(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_FREE_SHIPPING, amount=slots.amount(ctx.rng, 20, 90))
    return Turn(user, ctx.reply(FREE_SHIPPING_ANSWERS, free=phrases.free_shipping_sentence(ctx.policy)))


def international(ctx: ConversationContext) -> Turn:
    country = ctx.remember("country", lambda: ctx.pick(slots.COUNTRIES))
    user = ctx.ask(ASK_INTERNATIONAL, country=country)
    answers = INTERNATIONAL_ANSWERS if ctx.policy.international_shipping else NO_INTERNATIONAL_ANSWERS
    return Turn(user, ctx.reply(answers, country=country, international=phrases.international_sentence(ctx.policy)))


def fastest_shipping(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_FASTEST, deadline=ctx.pick(DEADLINES), product=ctx.product.name)
    option = phrases.fastest_option(ctx.policy)
    return Turn(user, ctx.reply(FASTEST_ANSWERS, label=phrases.option_label(option),
                                details=phrases.option_details(ctx.policy, option),
                                processing=phrases.processing_time(ctx.policy)))


def same_day(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_SAME_DAY, product=ctx.product.name)
    option = phrases.same_day_option(ctx.policy)
    answers = SAME_DAY_ANSWERS if option else NO_SAME_DAY_ANSWERS
    option = option or phrases.fastest_option(ctx.policy)
    return Turn(user, ctx.reply(answers, label=phrases.option_label(option),
                                details=phrases.option_details(ctx.policy, option)))


def change_address(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_CHANGE_ADDRESS, order=ctx.order, address=ctx.address, name=ctx.name)
    return Turn(user, ctx.reply(CHANGE_ADDRESS_ANSWERS, order=ctx.order))


SHIPPING_TOPICS = (shipping_options, shipping_options, shipping_options, shipping_option, shipping_option,
                   free_shipping, international, fastest_shipping, same_day, change_address)
