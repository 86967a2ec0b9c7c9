"""Hard case `back_reference`: multi-turn conversations whose later customer message points back at something
named earlier ("and how long does that one take?", "what about the second item I mentioned?").

The later customer message never names the thing again; the assistant's answer does (the product, order,
shipping option or country from the earlier turn), so the model must carry context across turns.
"""

from __future__ import annotations

from corpus import phrases, slots
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank
from corpus.scenarios.orders import STATUS_ANSWERS
from corpus.scenarios.products import attribute_answer

TWO_PRODUCTS = Bank(
    neutral=("I'm deciding between the {first} and the {second}. How much are they?",
             "What do the {first} and the {second} cost?", "Can you compare prices for the {first} and the {second}?"),
    terse=("price {first} and {second}?",),
    non_native=("How much cost the {first} and the {second}?",),
)
TWO_PRICES_ANSWERS = ("The {first} costs {first_price} and the {second} costs {second_price}.",
                      "The {first} is {first_price}, and the {second} is {second_price}.")
ABOUT_ORDINAL = {
    "colors": ("What colors does the {ordinal} one come in?", "Does the {ordinal} one come in other colors?"),
    "material": ("What is the {ordinal} one made of?", "And the {ordinal} one, what material is it?"),
    "size": ("How big is the {ordinal} one?", "What size is the {ordinal} one I mentioned?"),
    "care": ("How do I clean the {ordinal} one?", "Is the {ordinal} one easy to care for?"),
}
AND_THE_OTHER = Bank(neutral=("And the other one?", "What about the other one?", "Same question for the other one."),
                     terse=("and the other?",), non_native=("And the other one?",))
OPTION_PRICE = Bank(neutral=("How much is {label}?", "What does {label} cost?"), terse=("{label} price?",),
                    non_native=("How much is the {label}?",))
OPTION_PRICE_ANSWERS = ("{label} costs {price}.", "{label} is {price} per order.")
HOW_LONG_THAT_ONE = Bank(
    neutral=("And how long does that one take?", "How fast is that one?", "And when would it arrive with that?"),
    terse=("how long for that one?",), non_native=("And that one take how many days?",))
THAT_ONE_ANSWERS = ("With {label}, the delivery estimate is {days}.", "{label} has a delivery estimate of {days}.")
TWO_ORDERS = Bank(
    neutral=("I have two orders, {first} and {second}. Where is the first one?",
             "I placed {first} and then {second}. Can you check on the first one?"),
    terse=("2 orders: {first}, {second}. status of first?",),
    non_native=("I have two order, {first} and {second}. The first one where is?",))
CANCEL_THE_OTHER = Bank(
    neutral=("And can I still cancel the other one?", "What about the second order? I'd like to cancel it.",
             "Can I cancel the second one I mentioned?"),
    terse=("cancel the other one?",), non_native=("The second order I can cancel?",))
OTHER_ORDER_CANCEL_ANSWERS = ("Order {order} can be cancelled within {window} of purchase, as long as it hasn't shipped: "
                              "use 'Cancel order' under My Account > Orders.",)
BOUGHT_TWO = Bank(
    neutral=("I bought the {first} and the {second} in order {order}.",
             "Order {order} had the {first} and the {second} in it."),
    terse=("order {order}: {first} + {second}",),
    non_native=("In order {order} I buy the {first} and the {second}.",))
BOUGHT_TWO_ANSWERS = ("Thanks for the details on order {order}. I can help with tracking, returns or questions about "
                      "either item.",)
RETURN_ORDINAL = Bank(
    neutral=("Can I return the {ordinal} item I mentioned?",
             "I'd like to send back the {ordinal} one. Is that possible?"),
    terse=("return the {ordinal} one?",), non_native=("The {ordinal} item, I can return it?",))
RETURN_PRODUCT_ANSWERS = ("Yes, the {product} can be returned within {window} of delivery, as long as it's {condition}.",)
OTHER_SAME_RULE_ANSWERS = ("The {product} follows the same rule: it can be returned within {window} of delivery if "
                           "it's {condition}.",)
SHIP_TO = Bank(neutral=("Do you ship to {country}?", "Can you deliver to {country}?"), terse=("ship to {country}?",),
               non_native=("You send to {country}?",))
SHIP_TO_ANSWERS = ("Yes, we ship to {country}, and international delivery costs {price}.",)
NO_SHIP_TO_ANSWERS = ("I'm sorry, {country} is outside our delivery area. {domestic}",)
HOW_LONG_THERE = Bank(neutral=("How long would it take to get there?", "And how many days would that take?"),
                      terse=("how long to get there?",), non_native=("How many days to arrive there?",))
STILL_NO_SHIP_ANSWERS = ("I'm sorry, we can't deliver to {country} at all right now. {domestic}",)
HOW_LONG_THERE_ANSWERS = ("Delivery to {country} takes {days}.", "Orders to {country} arrive in {days}.")
WARRANTY_FIRST = Bank(neutral=("Does the {product} have a warranty?", "Is the {product} covered by a guarantee?"),
                      terse=("{product} warranty?",), non_native=("The {product} have warranty?",))
WARRANTY_FIRST_ANSWERS = ("Yes, the {product} comes with our {months}-month warranty covering {covers}.",)
WHAT_IF_DROP = Bank(neutral=("What if I drop it?", "And if my kid breaks it by accident?"), terse=("and if i drop it?",),
                    non_native=("And if I drop it, it is covered?",))
DROP_ANSWERS = ("Accidental damage to the {product} isn't covered: the warranty excludes {excludes}.",)


def two_products(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    first, second = ctx.product, ctx.second_product
    user = ctx.ask(TWO_PRODUCTS, first=first.name, second=second.name)
    turns = [Turn(user, ctx.reply(TWO_PRICES_ANSWERS, first=first.name, first_price=first.price, second=second.name,
                                  second_price=second.price))]
    attribute = ctx.pick(tuple(ABOUT_ORDINAL))
    ordinal, referred, other = ctx.pick((("first", first, second), ("second", second, first)))
    ask = Bank(neutral=ABOUT_ORDINAL[attribute])
    turns.append(Turn(ctx.ask(ask, connect=False, ordinal=ordinal), attribute_answer(ctx, referred, attribute)))
    if ctx.chance(0.4):
        turns.append(Turn(ctx.ask(AND_THE_OTHER, connect=False), attribute_answer(ctx, other, attribute)))
    return "product_question", turns


def shipping_option_then_time(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    option = ctx.pick(ctx.policy.shipping_options)
    label = phrases.option_label(option)
    first = Turn(ctx.ask(OPTION_PRICE, label=label),
                 ctx.reply(OPTION_PRICE_ANSWERS, label=label, price=phrases.money(ctx.policy, option.price)))
    second = Turn(ctx.ask(HOW_LONG_THAT_ONE, connect=False), ctx.reply(THAT_ONE_ANSWERS, label=label, days=option.days))
    return "shipping_delivery", [first, second]


def two_orders(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    user = ctx.ask(TWO_ORDERS, first=ctx.order, second=ctx.second_order)
    status = ctx.reply(STATUS_ANSWERS, order=ctx.order, processing=phrases.processing_time(ctx.policy))
    second = Turn(ctx.ask(CANCEL_THE_OTHER, connect=False),
                  ctx.reply(OTHER_ORDER_CANCEL_ANSWERS, order=ctx.second_order,
                            window=phrases.cancellation_window(ctx.policy)))
    return "order_tracking", [Turn(user, status), second]


def return_mentioned_item(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    first, second = ctx.product, ctx.second_product
    turns = [Turn(ctx.ask(BOUGHT_TWO, first=first.name, second=second.name, order=ctx.order),
                  ctx.reply(BOUGHT_TWO_ANSWERS, order=ctx.order))]
    ordinal, referred, other = ctx.pick((("first", first, second), ("second", second, first)))
    values = dict(window=phrases.return_window(ctx.policy), condition=ctx.policy.return_condition)
    turns.append(Turn(ctx.ask(RETURN_ORDINAL, connect=False, ordinal=ordinal),
                      ctx.reply(RETURN_PRODUCT_ANSWERS, product=referred.name, **values)))
    if ctx.chance(0.4):
        turns.append(Turn(ctx.ask(AND_THE_OTHER, connect=False),
                          ctx.reply(OTHER_SAME_RULE_ANSWERS, product=other.name, **values)))
    return "returns_refunds", turns


def ship_to_country(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    country = ctx.pick(slots.COUNTRIES)
    user = ctx.ask(SHIP_TO, country=country)
    if not ctx.policy.international_shipping:
        domestic = phrases.international_sentence(ctx.policy)
        first = Turn(user, ctx.reply(NO_SHIP_TO_ANSWERS, country=country, domestic=domestic))
        second = Turn(ctx.ask(HOW_LONG_THERE, connect=False),
                      ctx.reply(STILL_NO_SHIP_ANSWERS, country=country, domestic=domestic))
        return "shipping_delivery", [first, second]
    price = phrases.money(ctx.policy, ctx.policy.international_shipping_price)
    first = Turn(user, ctx.reply(SHIP_TO_ANSWERS, country=country, price=price))
    second = Turn(ctx.ask(HOW_LONG_THERE, connect=False),
                  ctx.reply(HOW_LONG_THERE_ANSWERS, country=country, days=ctx.policy.international_shipping_days))
    return "shipping_delivery", [first, second]


def warranty_then_accident(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    product = ctx.product
    first = Turn(ctx.ask(WARRANTY_FIRST, product=product.name),
                 ctx.reply(WARRANTY_FIRST_ANSWERS, product=product.name, months=ctx.policy.warranty_months,
                           covers=ctx.policy.warranty_covers))
    second = Turn(ctx.ask(WHAT_IF_DROP, connect=False),
                  ctx.reply(DROP_ANSWERS, product=product.name, excludes=ctx.policy.warranty_excludes))
    return "warranty", [first, second]


def back_reference(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    scenario = ctx.pick((two_products, two_products, shipping_option_then_time, shipping_option_then_time, two_orders,
                         return_mentioned_item, return_mentioned_item, ship_to_country, warranty_then_accident))
    return scenario(ctx)
