"""Policy facts rendered as the short phrases and sentences answers are built from.

Every function takes the conversation's `PolicyView` (corpus/context.py), so using a phrase records the
facts it states. Keeping the wording of each fact in one place makes answers consistent across intents,
which is what lets a small model learn them, and makes a policy change reach every answer that states it.
"""

from __future__ import annotations

from corpus.policy import ShippingOption


def join_words(items: list[str] | tuple[str, ...]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def money(policy, value: float) -> str:
    symbol = policy.currency_symbol
    return f"{symbol}{value:.0f}" if float(value).is_integer() else f"{symbol}{value:.2f}"


# --- returns and refunds --------------------------------------------------------------------------
def return_window(policy) -> str:
    return count(policy.return_window_days, "day")


def refund_time(policy) -> str:
    return count(policy.refund_processing_days, "business day")


def return_window_sentence(policy) -> str:
    return (f"You can return items within {return_window(policy)} of delivery, as long as they are "
            f"{policy.return_condition}.")


def refund_sentence(policy) -> str:
    return (f"Refunds go back to your original payment method within {refund_time(policy)} "
            "after we receive the return.")


def return_shipping_sentence(policy) -> str:
    if policy.free_return_shipping:
        return "Return shipping is free: we email you a prepaid label."
    return "Return shipping is paid by the customer."


def restocking_sentence(policy) -> str:
    if policy.restocking_fee_percent == 0:
        return "There is no restocking fee."
    return f"A {policy.restocking_fee_percent}% restocking fee is deducted from the refund."


# --- shipping -------------------------------------------------------------------------------------
def option_label(option: ShippingOption) -> str:
    """ "Express shipping"; a name that already says shipping or delivery is used as is."""
    lowered = option.name.lower()
    return option.name if ("shipping" in lowered or "delivery" in lowered) else f"{option.name} shipping"


def option_details(policy, option: ShippingOption) -> str:
    """ "3-5 business days, $4.99, free on orders over $50" """
    details = f"{option.days}, {money(policy, option.price)}"
    if option.name == policy.free_shipping_option:
        details += f", free on orders over {money(policy, policy.free_shipping_threshold)}"
    return details


def options_sentence(policy) -> str:
    parts = [f"{option_label(o)} ({option_details(policy, o)})" for o in policy.shipping_options]
    return f"We offer {join_words(parts)}."


def free_shipping_sentence(policy) -> str:
    option = find_option(policy, policy.free_shipping_option)
    return (f"{option_label(option)} is free on orders over {money(policy, policy.free_shipping_threshold)}; "
            f"below that it costs {money(policy, option.price)}.")


def find_option(policy, name: str) -> ShippingOption:
    return next(option for option in policy.shipping_options if option.name == name)


def fastest_option(policy) -> ShippingOption:
    """policy.toml lists options from slowest to fastest."""
    return policy.shipping_options[-1]


def same_day_option(policy) -> ShippingOption | None:
    for option in policy.shipping_options:
        text = f"{option.name} {option.days}".lower()
        if "same" in text or "today" in text:
            return option
    return None


def processing_time(policy) -> str:
    return count(policy.order_processing_days, "business day")


def international_sentence(policy) -> str:
    if not policy.international_shipping:
        return f"{policy.store_name} currently ships only within the United States."
    return (f"International delivery takes {policy.international_shipping_days} and costs "
            f"{money(policy, policy.international_shipping_price)}; import duties may apply.")


# --- orders, warranty, payments, account, support ---------------------------------------------------
def cancellation_window(policy) -> str:
    return count(policy.cancellation_window_hours, "hour")


def cancellation_sentence(policy) -> str:
    return (f"Orders can be cancelled within {cancellation_window(policy)} of purchase, as long as "
            "they haven't shipped.")


def warranty_length(policy) -> str:
    return count(policy.warranty_months, "month")


def warranty_sentence(policy) -> str:
    return (f"Every {policy.store_name} product comes with a {policy.warranty_months}-month warranty "
            f"covering {policy.warranty_covers}.")


def payment_methods(policy) -> str:
    return join_words(policy.payment_methods)


def password_reset_sentence(policy) -> str:
    steps = policy.password_reset_steps
    return (f"To reset your password, {steps}. The reset link is valid for "
            f"{count(policy.password_reset_link_hours, 'hour')}.")


def support_hours_sentence(policy) -> str:
    return f"Our support team is available {policy.support_hours}."


def promo_limit(policy) -> str:
    n = policy.promo_codes_per_order
    return "one promo code" if n == 1 else f"up to {n} promo codes"
