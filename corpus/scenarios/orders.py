"""Scenarios of the order_tracking and cancellation intents: where an order is, late, lost or wrong parcels,
and cancelling whole orders or single items.

Each topic function takes a ConversationContext and returns one Turn; each flow returns several. Answers
that depend on policy read it through `ctx.policy` and corpus.phrases, never from literals.
"""

from __future__ import annotations

from corpus import phrases, slots
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

ASK_STATUS = Bank(
    neutral=("Where is my order {order}?", "Can you tell me the status of order {order}?",
             "I placed order {order} {date} and haven't heard anything since. Where is it?",
             "Has my order {order} shipped yet?", "I'd like an update on order {order}, please.",
             "Could you check on order {order} for me?", "What's happening with my order {order}?",
             "Is order {order} on its way?", "I'm still waiting for order {order}. Any news?",
             "How do I track order {order}?", "When will order {order} get here?",
             "My order number is {order}. Can you tell me where it is?"),
    terse=("order {order} status?", "where's {order}", "tracking for {order}?", "{order} shipped yet?",
           "status of {order} pls", "update on {order}?"),
    non_native=("Please, where is my order {order}? I wait already.", "I want know the status of order {order}.",
                "My order {order} is coming when?", "Hello, order {order} is send or not yet?",
                "Can you say me where is my package {order}?"),
    angry=("Where on earth is my order {order}?", "Order {order} still hasn't shown up. Where is it?",
           "I ordered {date} and order {order} is STILL not here. What is going on?"),
)
STATUS_ANSWERS = (
    "You can follow order {order} under My Account > Orders, and the tracking link is in your shipping "
    "confirmation email. Orders ship within {processing} of purchase.",
    "Thanks for the order number. The live status of order {order} is under My Account > Orders, and you get "
    "an email with a tracking link as soon as it ships. Orders ship within {processing} of purchase.",
    "Order {order} can be tracked from My Account > Orders or with the tracking link in your shipping email. "
    "Orders leave our warehouse within {processing} of purchase.",
)
ASK_STATUS_WITHOUT_NUMBER = Bank(
    neutral=("Where is my order?", "Can you check on my package?", "I want to know when my order will arrive.",
             "My order hasn't arrived yet.", "How do I track my order?", "Has my package shipped?",
             "I ordered something {date}. When will it come?"),
    terse=("where's my order", "tracking?", "package status", "my order??"),
    non_native=("Where is my order please?", "My package is not arrive, where it is?", "I want know my order status."),
)
ASK_FOR_NUMBER_ANSWERS = (
    "I can help with that. Please share your order number; it starts with SN and is in your order confirmation email.",
    "Happy to check. Please send me your order number, which starts with SN and appears in your confirmation email.",
)
GIVE_NUMBER = Bank(
    neutral=("It's {order}.", "Sure, it's {order}.", "The order number is {order}.",
             "{order}. The email on the order is {email}.", "Here it is: {order}", "Order {order}, thanks.",
             "It's {order}, under the name {name}."),
    terse=("{order}", "it's {order}", "{order} ({email})"),
    non_native=("Number is {order}.", "Is {order}. My email is {email}.", "My order number: {order}."),
)
ASK_LATE = Bank(
    neutral=("My order {order} was supposed to arrive {due} and it still isn't here.",
             "Order {order} is late. The estimate said {due}.", "Why hasn't order {order} arrived yet? It was due {due}.",
             "The tracking for {order} hasn't moved in days. Is it lost?",
             "I think my package {order} is lost. Nothing has happened since {date}."),
    terse=("{order} late", "order {order} overdue, lost?", "tracking {order} not moving"),
    non_native=("My order {order} must arrive {due} but still not come.", "Package {order} is lost maybe? No moving."),
    angry=("Order {order} was due {due}. It's late and nobody tells me anything!",
           "My package {order} is clearly lost. What are you going to do about it?"),
)
LATE_ANSWERS = (
    "I'm sorry order {order} is running late. If its tracking shows no movement for {lost_days}, we treat the "
    "parcel as lost and send a free replacement or a full refund.",
    "Sorry about the delay with order {order}. Carriers sometimes pause scans, but if tracking hasn't moved for "
    "{lost_days}, we'll declare it lost and ship a replacement or refund you in full.",
)
ASK_TRACKING_BROKEN = Bank(
    neutral=("The tracking number you sent for {order} doesn't work.", "Tracking for order {order} says 'not found'.",
             "I got a shipping email for {order} but the tracking link shows nothing.",
             "Why can't the carrier find my tracking number for order {order}?"),
    terse=("tracking link broken {order}", "{order} tracking not found"),
    non_native=("The tracking number of {order} not working, it say not found.",),
)
TRACKING_BROKEN_ANSWERS = (
    "New tracking numbers can take up to {activation} to show up in the carrier's system, so order {order} may "
    "simply not be scanned yet. Please try the link again after that.",
    "That's normal for a fresh shipment: a tracking number can take up to {activation} to activate with the "
    "carrier. The link for order {order} should start working after that.",
)
ASK_DELIVERED_MISSING = Bank(
    neutral=("Tracking says order {order} was delivered, but I never got it.",
             "My order {order} shows as delivered but there's nothing at my door.",
             "It says delivered {date} but I don't have the package ({order})."),
    terse=("{order} says delivered, not here", "marked delivered but no package {order}"),
    non_native=("System say order {order} is delivered but I not receive nothing.",),
    angry=("Your tracking says {order} was delivered. It was NOT. Where is my package?",),
)
DELIVERED_MISSING_ANSWERS = (
    "I'm sorry about that. Please check your mailbox, porch and with neighbours first, since carriers sometimes "
    "leave parcels nearby. If order {order} still hasn't turned up by tomorrow, reply here and we'll open a carrier "
    "claim and send a replacement.",
    "Sorry to hear that. Parcels marked delivered are often left with a neighbour or in a safe spot, so please "
    "check around first. If order {order} is still missing tomorrow, message us and we'll file a claim and reship it.",
)
ASK_WRONG_ITEM = Bank(
    neutral=("I received the wrong item in order {order}.", "Order {order} came with something I didn't order.",
             "My package {order} is missing one of the items.", "I ordered the {product} in order {order} but got something else."),
    terse=("wrong item in {order}", "{order} missing an item"),
    non_native=("In my order {order} is wrong product inside.", "Order {order} not have all the items."),
    angry=("You sent me the wrong item in order {order}. How hard can it be?",),
)
WRONG_ITEM_ANSWERS = (
    "I'm sorry about the mix-up. Please reply with order {order} and a photo of what arrived, and we'll ship the "
    "missing or correct item at no cost, with a prepaid label for anything sent by mistake.",
    "Sorry about that. Send us a photo of the package contents for order {order}, and we'll send the right item "
    "free of charge; anything sent in error can go back with a prepaid label.",
)

# --- cancellation ----------------------------------------------------------------------------------
ASK_CANCEL = Bank(
    neutral=("Please cancel my order {order}.", "I'd like to cancel order {order}.", "Can I cancel order {order}?",
             "I changed my mind. How do I cancel order {order}?",
             "I ordered the {product} by mistake. Cancel {order}, please.",
             "Is it still possible to cancel order {order}?", "I need to cancel {order} right away."),
    terse=("cancel {order}", "cancel order {order} pls", "need {order} cancelled"),
    non_native=("I want cancel my order {order}.", "Please make cancel for order {order}.",
                "Is possible to cancel the order {order}? I make mistake."),
    angry=("Cancel order {order}. Now.", "I want order {order} cancelled immediately."),
)
CANCEL_ANSWERS = (
    "{cancellation} If order {order} qualifies, choose 'Cancel order' under My Account > Orders, and the refund "
    "reaches your payment method within {refund_time}.",
    "I can help with that. {cancellation} You can cancel order {order} under My Account > Orders; the refund "
    "arrives within {refund_time}.",
)
ASK_CANCEL_TIMING = Bank(
    neutral=("I placed order {order} {ago} ago. Can I still cancel it?",
             "Is it too late to cancel? I ordered {ago} ago.",
             "I bought the {product} {ago} ago and want to cancel. Is that possible?"),
    terse=("ordered {ago} ago, can i cancel?", "cancel {order}? ordered {ago} ago"),
    non_native=("I make the order {ago} ago, I can cancel still?",),
)
CANCEL_IN_TIME_ANSWERS = (
    "Yes: orders can be cancelled within {window} of purchase as long as they haven't shipped. Go to "
    "My Account > Orders and choose 'Cancel order'.",
    "You're still within our {window} cancellation window, so if it hasn't shipped you can cancel it under "
    "My Account > Orders.",
)
CANCEL_TOO_LATE_ANSWERS = (
    "Orders can only be cancelled within {window} of purchase, so it's too late to cancel. Once it arrives, you can "
    "return it within {return_window} of delivery for a refund.",
    "I'm sorry, our cancellation window is {window} after purchase. You can still return the order within "
    "{return_window} of delivery once it arrives.",
)
ASK_CANCEL_SHIPPED = Bank(
    neutral=("My order {order} already shipped. Can I still cancel it?",
             "Order {order} is on its way but I don't want it anymore.",
             "Can I cancel an order that has already shipped?"),
    terse=("cancel shipped order?", "{order} shipped, cancel?"),
    non_native=("The order is already send, I can cancel still?",),
)
CANCEL_SHIPPED_ANSWERS = (
    "Once an order has shipped it can't be cancelled, but you can return it within {return_window} of delivery "
    "for a refund. {refund}",
    "Shipped orders can't be cancelled anymore. Instead, please return the items within {return_window} of delivery. "
    "{refund}",
)
ASK_CANCEL_ITEM = Bank(
    neutral=("Can I cancel just one item from order {order}?", "I only want to remove the {product} from my order.",
             "Is it possible to cancel part of an order?"),
    terse=("cancel 1 item from {order}?", "remove {product} from order"),
    non_native=("I want cancel only one product from the order, is possible?",),
)
CANCEL_ITEM_ANSWERS = (
    "Yes. Within {window} of purchase, and before the order ships, you can remove single items under "
    "My Account > Orders > Edit order. The refund for that item follows within {refund_time}.",
)
ASK_CANCEL_WITHOUT_NUMBER = Bank(
    neutral=("I want to cancel my order.", "How do I cancel an order?", "I need to cancel something I bought.",
             "I'd like to cancel the order I placed {date}."),
    terse=("cancel my order", "how to cancel"),
    non_native=("I want cancel my order, how I do?", "Please I need cancel order."),
)
CANCEL_NUMBER_REQUESTS = (
    "{cancellation} Please share your order number (it starts with SN) and I'll tell you how to cancel it.",
    "I can help. {cancellation} Please send me the order number, which starts with SN.",
)
CANCEL_STEPS_ANSWERS = (
    "Thanks. If order {order} hasn't shipped yet, choose 'Cancel order' under My Account > Orders; the refund "
    "reaches your payment method within {refund_time}.",
    "Thank you. You can cancel order {order} under My Account > Orders as long as it hasn't shipped, and the "
    "refund follows within {refund_time}.",
)
CANCEL_HOURS_AGO = (1, 2, 3, 5, 8, 12, 20, 30, 36, 48, 72, 96)


def track_order(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_STATUS, order=ctx.order, date=ctx.pick(slots.PAST_DATES))
    return Turn(user, ctx.reply(STATUS_ANSWERS, order=ctx.order, processing=phrases.processing_time(ctx.policy)))


def late_order(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_LATE, order=ctx.order, due=ctx.pick(slots.DUE_DATES), date=ctx.pick(slots.PAST_DATES))
    lost_days = phrases.count(ctx.policy.lost_package_days, "business day")
    return Turn(user, ctx.reply(LATE_ANSWERS, order=ctx.order, lost_days=lost_days))


def tracking_broken(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_TRACKING_BROKEN, order=ctx.order)
    activation = phrases.count(ctx.policy.tracking_activation_hours, "hour")
    return Turn(user, ctx.reply(TRACKING_BROKEN_ANSWERS, order=ctx.order, activation=activation))


def delivered_missing(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_DELIVERED_MISSING, order=ctx.order, date=ctx.pick(slots.PAST_DATES))
    return Turn(user, ctx.reply(DELIVERED_MISSING_ANSWERS, order=ctx.order))


def wrong_item(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_WRONG_ITEM, order=ctx.order, product=ctx.product.name)
    return Turn(user, ctx.reply(WRONG_ITEM_ANSWERS, order=ctx.order))


def track_without_number(ctx: ConversationContext) -> list[Turn]:
    """Flow: the customer asks without an order number, is asked for it, then gives it (sometimes with an email)."""
    first = Turn(ctx.ask(ASK_STATUS_WITHOUT_NUMBER, date=ctx.pick(slots.PAST_DATES)), ctx.reply(ASK_FOR_NUMBER_ANSWERS))
    user = ctx.ask(GIVE_NUMBER, connect=False, order=ctx.order, email=ctx.email, name=ctx.name)
    second = Turn(user, ctx.reply(STATUS_ANSWERS, order=ctx.order, processing=phrases.processing_time(ctx.policy)))
    return [first, second]


def cancel_order(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_CANCEL, order=ctx.order, product=ctx.product.name)
    return Turn(user, ctx.reply(CANCEL_ANSWERS, order=ctx.order, cancellation=phrases.cancellation_sentence(ctx.policy),
                                refund_time=phrases.refund_time(ctx.policy)))


def cancel_timing(ctx: ConversationContext) -> Turn:
    hours = ctx.pick(CANCEL_HOURS_AGO)
    ago = phrases.count(hours, "hour") if hours < 48 else phrases.count(hours // 24, "day")
    user = ctx.ask(ASK_CANCEL_TIMING, order=ctx.order, ago=ago, product=ctx.product.name)
    window = phrases.cancellation_window(ctx.policy)
    if hours < ctx.policy.cancellation_window_hours:
        return Turn(user, ctx.reply(CANCEL_IN_TIME_ANSWERS, window=window))
    return Turn(user, ctx.reply(CANCEL_TOO_LATE_ANSWERS, window=window,
                                return_window=phrases.return_window(ctx.policy)))


def cancel_shipped(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_CANCEL_SHIPPED, order=ctx.order)
    return Turn(user, ctx.reply(CANCEL_SHIPPED_ANSWERS, return_window=phrases.return_window(ctx.policy),
                                refund=phrases.refund_sentence(ctx.policy)))


def cancel_item(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_CANCEL_ITEM, order=ctx.order, product=ctx.product.name)
    return Turn(user, ctx.reply(CANCEL_ITEM_ANSWERS, window=phrases.cancellation_window(ctx.policy),
                                refund_time=phrases.refund_time(ctx.policy)))


def cancel_without_number(ctx: ConversationContext) -> list[Turn]:
    """Flow: "I want to cancel my order" -> the rule and a request for the number -> the number -> how to do it."""
    first = Turn(ctx.ask(ASK_CANCEL_WITHOUT_NUMBER, date=ctx.pick(slots.PAST_DATES)),
                 ctx.reply(CANCEL_NUMBER_REQUESTS, cancellation=phrases.cancellation_sentence(ctx.policy)))
    user = ctx.ask(GIVE_NUMBER, connect=False, order=ctx.order, email=ctx.email, name=ctx.name)
    answer = ctx.reply(CANCEL_STEPS_ANSWERS, order=ctx.order, refund_time=phrases.refund_time(ctx.policy))
    return [first, Turn(user, answer)]


TRACKING_TOPICS = (track_order, track_order, track_order, late_order, tracking_broken, delivered_missing, wrong_item)
TRACKING_FLOWS = (track_without_number,)
CANCELLATION_TOPICS = (cancel_order, cancel_order, cancel_timing, cancel_timing, cancel_shipped, cancel_item)
CANCELLATION_FLOWS = (cancel_without_number,)
