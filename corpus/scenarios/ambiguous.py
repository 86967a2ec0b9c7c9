"""Hard case `ambiguous`: a message too vague to answer ("where is it?", "it doesn't work"). The assistant asks
exactly ONE clarifying question (its answer ends with "?" and contains no other question mark). In half of
these conversations the customer then clarifies and gets a normal answer from the matching intent's topics.

Clarifying questions are the only assistant answers in the corpus that end with a question mark, which keeps
"ask when unsure" a clear, learnable behaviour.
"""

from __future__ import annotations

from corpus.context import ConversationContext, Turn
from corpus.personas import Bank
from corpus.scenarios import account, orders, products, promotions, returns, shipping


def _price_question(ctx: ConversationContext) -> Turn:
    """Resolves "how much?": the price of one product."""
    user = ctx.ask(products.attribute_bank("price"), product=ctx.product.name)
    return Turn(user, products.attribute_answer(ctx, ctx.product, "price"))


def _store_question(ctx: ConversationContext) -> Turn:
    """Resolves "can you look this up on another site?": the customer asks about a store order instead."""
    return orders.track_order(ctx)


# (intent, vague wordings, clarifying questions, topics that resolve the clarification)
VAGUE_REQUESTS = (
    ("order_tracking",
     Bank(neutral=("Where is it?", "It's not here yet.", "Still nothing.", "Where's my stuff?", "Any news?"),
          terse=("where is it", "??", "still nothing"), non_native=("Where it is?", "It not come yet.")),
     ("I'd be glad to check. Which order do you mean, ideally with its order number?",
      "Happy to help. Could you share the order number of the package you're waiting for?"),
     (orders.track_order, orders.late_order)),
    ("warranty",
     Bank(neutral=("It doesn't work.", "It's broken.", "It stopped working.", "This thing is not working properly."),
          terse=("broken", "doesn't work"), non_native=("It is not working.", "Is broken now.")),
     ("I'm sorry to hear that. Which product isn't working, and what happens when you try to use it?",
      "Sorry about that. Could you tell me which product it is and what the problem looks like?"),
     (returns.warranty_claim, returns.accidental_damage)),
    ("out_of_scope",
     Bank(neutral=("Can you find information on Amazon?", "Can you look something up on eBay for me?",
                   "Check this other website for me."),
          terse=("search amazon for me",), non_native=("You can search in Amazon for me?",)),
     ("I can only look up {store} orders and products. Is there something from {store} I can check for you?",),
     (_store_question,)),
    ("shipping_delivery",
     Bank(neutral=("I want to change it.", "Can I change that?", "I need to update something."),
          terse=("change it", "need to change something"), non_native=("I want to make change.",)),
     ("Sure. What would you like to change: the delivery address, the items in an order, or your account details?",),
     (shipping.change_address,)),
    ("product_question",
     Bank(neutral=("How much?", "How much is it?", "What's the price?"), terse=("price?", "how much"),
          non_native=("How much it cost?",)),
     ("Which product would you like the price of?", "Happy to help. Which item are you asking about?"),
     (_price_question,)),
    ("product_question",
     Bank(neutral=("Is it available?", "Do you have it?", "Is it in stock?"), terse=("in stock?", "available?"),
          non_native=("You have it in stock?",)),
     ("Which product are you asking about?", "I can check that. Which item do you have in mind?"),
     (products.stock,)),
    ("cancellation",
     Bank(neutral=("Cancel it.", "Please stop it.", "I don't want it anymore."), terse=("cancel", "stop it"),
          non_native=("Please cancel.",)),
     ("Which order would you like to cancel (the order number starts with SN)?",),
     (orders.cancel_order,)),
    ("discounts_promotions",
     Bank(neutral=("The code.", "What about the discount?", "The coupon thing."), terse=("code?", "discount"),
          non_native=("About the code...",)),
     ("Are you having trouble applying a promo code, or looking for current discounts?",),
     (promotions.promo_code_fails, promotions.discounts)),
    ("returns_refunds",
     Bank(neutral=("Refund?", "What about my money?", "I want my money."), terse=("refund", "my money"),
          non_native=("My money back?",)),
     ("Are you asking how to request a refund, or about a refund for something you've already sent back?",),
     (returns.refund_time, returns.how_to_return)),
    ("account_login",
     Bank(neutral=("I can't get in.", "It won't let me in.", "Login problem."), terse=("cant get in", "login"),
          non_native=("I cannot enter.",)),
     ("Do you mean you can't sign in to your {store} account?",),
     (account.password_reset, account.account_locked)),
    ("payment_problem",
     Bank(neutral=("Problem with the payment.", "The payment thing again.", "Something is wrong with my card."),
          terse=("payment issue",), non_native=("Problem with pay.",)),
     ("Sorry about that. Was your card declined at checkout, or were you charged in a way you didn't expect?",),
     (account.card_declined, account.double_charge)),
    ("shipping_delivery",
     Bank(neutral=("How long does it take?", "How long?", "When will it come?"), terse=("how long", "when"),
          non_native=("How much time it take?",)),
     ("Do you mean delivery time for a new order, or for an order you've already placed?",),
     (shipping.shipping_options, orders.track_order)),
    ("contact_support",
     Bank(neutral=("I need help.", "Hello?", "Help me please.", "I have a problem."), terse=("help", "hello?"),
          non_native=("Please I need help.",)),
     ("I'm here to help. Is your question about an order, a return, a payment or one of our products?",),
     (orders.track_order, returns.return_window, account.card_declined, products.product_attribute)),
    ("warranty",
     Bank(neutral=("Is it covered?", "Does the guarantee apply?"), terse=("covered?",), non_native=("Is covered or not?",)),
     ("Which product do you mean, and is it a fault or accidental damage?",),
     (returns.warranty_length, returns.warranty_claim, returns.accidental_damage)),
)


def ambiguous(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    intent, vague, questions, resolutions = ctx.pick(VAGUE_REQUESTS)
    turns = [Turn(ctx.ask(vague), ctx.reply(questions, store=ctx.policy.store_name))]
    if ctx.chance(0.5):
        ctx.clarify_next()
        turns.append(ctx.pick(resolutions)(ctx))
    return intent, turns
