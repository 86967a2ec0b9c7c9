"""Hard cases `unconventional` and `impossible`.

Unconventional: requests outside customer support (a poem, a restaurant in the Sahara). The assistant says
politely that it only helps with the store's orders and products and names what it can do.
Impossible: requests no store can fulfil (a purple dog, delivery yesterday). The assistant says so gracefully
and offers the closest real alternative, taken from the catalog or the policy.
"""

from __future__ import annotations

from corpus import phrases
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

# (customer wordings, what the request is about, phrased to follow "help with")
OFF_DOMAIN_REQUESTS = (
    (("Can you recommend a restaurant in the Sahara?", "Where should I eat dinner tonight in Paris?",
      "What's the best pizza place near me?"), "restaurant recommendations"),
    (("Write me a poem about my cat.", "Can you write a birthday poem for my wife?", "Compose a short song about Mondays."),
     "writing poems or songs"),
    (("What's the weather going to be like tomorrow?", "Will it rain this weekend?", "Is it sunny in London right now?"),
     "weather forecasts"),
    (("What is 17 times 23?", "Can you help me with my history essay about the Romans?",
      "Solve x squared minus 4 equals 0."),
     "homework"),
    (("Which stocks should I buy this year?", "Is bitcoin going to go up?", "Should I invest in gold?"),
     "investment advice"),
    (("I have a headache. What medicine should I take?", "Is this rash on my arm serious?"), "medical advice"),
    (("Write a Python script that sorts a list.", "Can you fix the bug in my JavaScript code?"), "programming"),
    (("Who won the football game last night?", "What's the score of the tennis final?"), "sports results"),
    (("Book me a flight to Tokyo for next week.", "Find me a cheap hotel in Rome."), "travel bookings"),
    (("My girlfriend is mad at me. What should I do?", "How do I make new friends in a new city?"), "personal advice"),
    (("Tell me a joke.", "Say something funny, I'm bored."), "jokes"),
    (("How do I make lasagna from scratch?", "Give me a recipe for banana bread."), "recipes"),
    (("What is the capital of Australia?", "How far away is the Moon?", "Who painted the Mona Lisa?"),
     "general knowledge questions"),
    (("Translate 'good morning' into Japanese.", "How do you say thank you in German?"), "translations"),
    (("What is the meaning of life?", "Do you think robots have feelings?"), "philosophical questions"),
    (("Can you fix my neighbour's wifi?", "My TV remote doesn't work, I bought it at another store."),
     "devices or services from other companies"),
)
UNCONVENTIONAL_ANSWERS = (
    "I'm {store}'s support assistant, so I can't help with {topic}. I can help with orders, shipping, returns, "
    "payments and our products.",
    "Sorry, I can't help with {topic}: I only answer questions about {store} orders and products, such as "
    "tracking, returns, payments or product details.",
    "That's outside what I can do, as I only handle {store} questions. Feel free to ask me about an order, "
    "shipping, returns, your account or our products.",
)
INSIST = Bank(
    neutral=("Come on, just this once.", "Please, it will only take a second.",
             "Why not? You're a chatbot, aren't you?"),
    terse=("just do it", "pls just this once"),
    non_native=("Please, only one time, help me with this.",),
    angry=("Useless. Just answer the question.",),
)
INSIST_ANSWERS = ("I understand, but I really can only help with {store} shopping questions, like tracking an order, "
                  "starting a return or choosing a product.",)

# (customer wordings, answer) for products nobody can sell; each answer names a real catalog alternative.
IMPOSSIBLE_PRODUCTS = (
    (("I want to buy a purple dog.", "Do you sell purple puppies?", "Can I order a purple dog for my daughter?"),
     "I'm afraid we don't sell animals, purple or otherwise. If you're shopping for a dog, the SnugPaws Dog Bed "
     "comes in plum purple."),
    (("I'd like to buy a real dragon.", "Do you have a live dragon for sale?"),
     "Real dragons aren't something anyone can sell, but the Ember Dragon Plush is the closest thing we have: "
     "14 inches long, in green and red."),
    (("I need a blender that also does my taxes.", "Do you have a blender that cooks dinner by itself?"),
     "No blender can do that, I'm afraid. The AeroBlend Pro Blender is great for smoothies and soups, with a "
     "1.5-liter jar."),
    (("Sell me a tent that fits 20 people and weighs nothing.", "I want a tent that weighs zero pounds."),
     "A tent like that doesn't exist, unfortunately. Our SummitLite Camping Tent has room for 2 people and weighs "
     "4.2 pounds packed."),
    (("Do you have a power bank with unlimited battery?", "I want a power bank that never needs charging."),
     "No power bank can hold unlimited charge, but the RoamCharge Power Bank stores 10,000 mAh, enough to charge "
     "a phone about twice."),
    (("Is there a smart watch that can read my mind?", "I want a watch that tells me what my cat is thinking."),
     "No watch can do that yet! The PulseFit Smart Watch is our smartest option, with a 42 mm aluminum case in "
     "black, rose gold or navy."),
)
IMPOSSIBLE_DELIVERIES = (
    ("Can you deliver my order yesterday?", "I need it delivered yesterday.", "Please make sure it arrived last week."),
    ("Can you deliver it in 10 minutes?", "I need the package at my door in five minutes."),
    ("Can you teleport my package to me?", "Just beam the order to my house, please."),
    ("Do you ship to the Moon?", "Can you deliver to my friend on Mars?"),
)
IMPOSSIBLE_DELIVERY_ANSWERS = (
    "I'm afraid that isn't possible. Our fastest option is {label} ({details}).",
    "That's not something we can do, unfortunately. The quickest delivery we offer is {label} ({details}).",
)
IMPOSSIBLE_REFUNDS = ("I want a refund of double what I paid.", "Refund me twice the price, I deserve it.",
                      "Can I keep the item and get a refund plus a bonus?")
IMPOSSIBLE_REFUND_ANSWERS = ("Refunds are always for the amount you paid, so I can't go beyond that. {window}",)
IMPOSSIBLE_WARRANTIES = ("Extend my warranty to 50 years, please.", "I want a lifetime warranty on everything I buy.",
                         "Make my warranty last forever.")
IMPOSSIBLE_WARRANTY_ANSWERS = ("I can't extend the warranty that far. {warranty}",)
IMPOSSIBLE_FREEBIES = ("Give me everything in my cart for free.", "I want a 100% discount on my order.",
                       "Can I have the {product} for free?")
IMPOSSIBLE_FREEBIE_ANSWERS = ("I can't make orders free, I'm afraid, but you can get {percent}% off your first order by "
                              "signing up for our newsletter.",)
IMPOSSIBLE_CONTACTS = ("Put me through to your CEO right now.", "I want the owner of the company to call me at 3am.")
IMPOSSIBLE_CONTACT_ANSWERS = ("I can't connect you with our CEO directly, but our team will make sure your message "
                              "is heard. {hours}",)


def unconventional(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    wordings, topic = ctx.pick(OFF_DOMAIN_REQUESTS)
    store = ctx.policy.store_name
    turns = [Turn(ctx.ask(Bank(neutral=wordings)), ctx.reply(UNCONVENTIONAL_ANSWERS, store=store, topic=topic))]
    if ctx.chance(0.3):
        turns.append(Turn(ctx.ask(INSIST, connect=False), ctx.reply(INSIST_ANSWERS, store=store)))
    return "out_of_scope", turns


def impossible(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    kind = ctx.pick(("product", "product", "delivery", "delivery", "refund", "warranty", "freebie", "contact"))
    return {"product": _impossible_product, "delivery": _impossible_delivery, "refund": _impossible_refund,
            "warranty": _impossible_warranty, "freebie": _impossible_freebie, "contact": _impossible_contact}[kind](ctx)


def _impossible_product(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    wordings, answer = ctx.pick(IMPOSSIBLE_PRODUCTS)
    return "product_question", [Turn(ctx.ask(Bank(neutral=wordings)), ctx.reply((answer,)))]


def _impossible_delivery(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    user = ctx.ask(Bank(neutral=ctx.pick(IMPOSSIBLE_DELIVERIES)))
    option = phrases.fastest_option(ctx.policy)
    answer = ctx.reply(IMPOSSIBLE_DELIVERY_ANSWERS, label=phrases.option_label(option),
                       details=phrases.option_details(ctx.policy, option))
    return "shipping_delivery", [Turn(user, answer)]


def _impossible_refund(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    user = ctx.ask(Bank(neutral=IMPOSSIBLE_REFUNDS))
    answer = ctx.reply(IMPOSSIBLE_REFUND_ANSWERS, window=phrases.return_window_sentence(ctx.policy))
    return "returns_refunds", [Turn(user, answer)]


def _impossible_warranty(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    user = ctx.ask(Bank(neutral=IMPOSSIBLE_WARRANTIES))
    answer = ctx.reply(IMPOSSIBLE_WARRANTY_ANSWERS, warranty=phrases.warranty_sentence(ctx.policy))
    return "warranty", [Turn(user, answer)]


def _impossible_freebie(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    user = ctx.ask(Bank(neutral=IMPOSSIBLE_FREEBIES), product=ctx.product.name)
    answer = ctx.reply(IMPOSSIBLE_FREEBIE_ANSWERS, percent=ctx.policy.newsletter_discount_percent)
    return "discounts_promotions", [Turn(user, answer)]


def _impossible_contact(ctx: ConversationContext) -> tuple[str, list[Turn]]:
    user = ctx.ask(Bank(neutral=IMPOSSIBLE_CONTACTS))
    answer = ctx.reply(IMPOSSIBLE_CONTACT_ANSWERS, hours=phrases.support_hours_sentence(ctx.policy))
    return "contact_support", [Turn(user, answer)]
