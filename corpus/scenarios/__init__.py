"""Scenario registry: which topic functions, multi-turn flows and hard-case builders produce each intent.

A topic function turns a ConversationContext into one Turn; a flow returns several Turns that belong
together (ask for the order number, get it, answer); a hard-case builder returns (intent, turns). Listing a
topic twice in a tuple doubles its share, which is how the policy questions the demo measures (return
window, shipping options) get many conversations.
"""

from __future__ import annotations

from corpus.scenarios import (account, ambiguous, back_reference, corrections, off_domain, orders, products,
                              promotions, returns, shipping)

TOPICS = {
    "order_tracking": orders.TRACKING_TOPICS,
    "shipping_delivery": shipping.SHIPPING_TOPICS,
    "product_question": products.PRODUCT_TOPICS,
    "payment_problem": account.PAYMENT_TOPICS,
    "returns_refunds": returns.RETURNS_TOPICS,
    "account_login": account.ACCOUNT_TOPICS,
    "warranty": returns.WARRANTY_TOPICS,
    "cancellation": orders.CANCELLATION_TOPICS,
    "discounts_promotions": promotions.PROMOTION_TOPICS,
    "contact_support": promotions.SUPPORT_TOPICS,
}
FLOWS = {
    "order_tracking": orders.TRACKING_FLOWS,
    "cancellation": orders.CANCELLATION_FLOWS,
}
HARD_CASE_BUILDERS = {
    "unconventional": off_domain.unconventional,
    "impossible": off_domain.impossible,
    "wrong_claim": corrections.wrong_claim,
    "ambiguous": ambiguous.ambiguous,
    "back_reference": back_reference.back_reference,
}
CLOSING_TOPIC = promotions.thanks
