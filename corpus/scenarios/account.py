"""Scenarios of the account_login and payment_problem intents: password resets, locked accounts, verification
codes, changing the account email, declined cards, accepted payment methods, double charges and invoices.

Customers here often paste personal data (emails, phone numbers, card numbers); the answers never repeat it,
and warn against sharing full card numbers.
"""

from __future__ import annotations

from corpus import phrases, slots
from corpus.context import ConversationContext, Turn
from corpus.personas import Bank

ASK_RESET = Bank(
    neutral=("I forgot my password.", "How do I reset my password?",
             "I can't remember my password. My email is {email}.",
             "I can't log in, I think I forgot my password.", "How can I change my password?",
             "I need a new password for my account."),
    terse=("forgot password", "reset pw?", "password reset", "cant login, forgot pw"),
    non_native=("I forget my password, what I do?", "How to make new password for my account?",
                "I not remember the password. Email is {email}."),
    angry=("I can't log in AGAIN. Your password system is a nightmare.",),
)
RESET_ANSWERS = ("{reset}", "No problem. {reset}")
ASK_RESET_EMAIL_MISSING = Bank(
    neutral=("I asked for a password reset but never got the email.", "The reset link isn't arriving. I use {email}.",
             "I didn't receive any password reset email.", "The password reset link says it expired."),
    terse=("no reset email", "reset link expired"),
    non_native=("The email for reset password not arrive to me.",),
)
RESET_EMAIL_ANSWERS = (
    "Reset emails usually arrive within a few minutes, so please check your spam folder and make sure you used the "
    "email address on your account. Links expire after {link_hours}, so request a fresh one if needed.",
)
ASK_LOCKED = Bank(
    neutral=("My account is locked.", "It says my account is temporarily locked. What do I do?",
             "I tried my password too many times and now I'm locked out."),
    terse=("account locked", "locked out"),
    non_native=("My account is block, please open it.",),
    angry=("You locked me out of my own account. Unlock it now.",),
)
LOCKED_ANSWERS = ("Accounts lock for your security after several failed sign-in attempts. Resetting your password "
                  "unlocks it right away: {steps}.",)
ASK_CODE = Bank(
    neutral=("I'm not getting the verification code on my phone {phone}.", "The sign-in code never arrives by text.",
             "My two-step verification code isn't coming. My number is {phone}."),
    terse=("no sms code", "verification code not arriving"),
    non_native=("The code for login not come on my phone {phone}.",),
)
CODE_ANSWERS = (
    "Codes can take a minute to arrive. If it still doesn't come, choose 'Send code by email' on the sign-in page, "
    "and check that the phone number under My Account > Security is current.",
)
ASK_CHANGE_EMAIL = Bank(
    neutral=("How do I change the email on my account? The current one is {email}.",
             "I want to use a new email address for my account.",
             "Can you update my account email?"),
    terse=("change account email", "new email for account"),
    non_native=("I want change my email in the account, how?",),
)
CHANGE_EMAIL_ANSWERS = ("You can change it under My Account > Settings > Email. We'll send a confirmation link to the new "
                        "address, and the change takes effect once you click it.",)
ASK_DELETE = Bank(
    neutral=("How do I delete my account?", "Please close my account and remove my data.",
             "I want to delete my profile on your site."),
    terse=("delete my account", "close account"),
    non_native=("Please remove my account, I not use anymore.",),
)
DELETE_ANSWERS = ("You can request deletion under My Account > Settings > Privacy. We'll confirm by email once your "
                  "account and personal data have been removed.",)

# --- payment problems ------------------------------------------------------------------------------
ASK_DECLINED = Bank(
    neutral=("My card keeps getting declined.", "Why was my payment declined? I used my card ending in {ending}.",
             "Checkout says payment failed.", "My card {card} was rejected at checkout.",
             "I can't pay, the payment doesn't go through."),
    terse=("card declined", "payment failed", "checkout error payment"),
    non_native=("My card is refuse when I pay.", "The payment not work, card ending {ending}."),
    angry=("Your checkout rejected my card three times. Fix your website.",),
)
DECLINED_ANSWERS = (
    "Sorry about that. Please check that the card details and billing address match what your bank has, or try "
    "another method: we accept {methods}.",
    "Declines usually come from the bank or a mismatched billing address, so please double-check those. You can "
    "also pay with {methods}.",
)
CARD_WARNING = " For your security, please never share full card numbers in chat; I don't need them to help."
ASK_METHOD = Bank(
    neutral=("Can I pay with {method}?", "Do you accept {method}?", "Is {method} an option at checkout?"),
    terse=("{method} accepted?", "pay with {method}?"),
    non_native=("I can pay with {method}?", "You take {method}?"),
)
METHOD_YES_ANSWERS = ("Yes, we accept {method}. Our payment options are {methods}.",)
METHOD_NO_ANSWERS = ("I'm sorry, we don't accept {method}. You can pay with {methods}.",
                     "I'm afraid {method} isn't available. We accept {methods}.")
METHODS_ASKED_ABOUT = ("PayPal", "Apple Pay", "Visa", "Mastercard", "American Express", "Bitcoin", "a personal check",
                       "Venmo", "Google Pay", "cash on delivery", "Klarna")
ASK_DOUBLE_CHARGE = Bank(
    neutral=("I was charged twice for order {order}.", "There are two charges of {amount} on my card for one order.",
             "Why did you take my money twice?"),
    terse=("charged twice {order}", "double charge {amount}"),
    non_native=("You take money two times for order {order}.",),
    angry=("You charged me TWICE for order {order}. I want my money back now.",),
)
DOUBLE_CHARGE_ANSWERS = (
    "I'm sorry about that. A second charge is often a temporary authorization that your bank releases by itself; "
    "if both charges are final, we refund the duplicate within {refund_time}.",
)
ASK_INVOICE = Bank(
    neutral=("Can I get an invoice for order {order}?", "I need a receipt for my company.",
             "Where do I find the invoice?"),
    terse=("invoice {order}", "receipt?"),
    non_native=("I need the invoice of order {order} please.",),
)
INVOICE_ANSWERS = ("You can download the invoice for any order under My Account > Orders > Invoice. It includes the "
                   "company name and tax details you entered at checkout.",
                   "Every order has a downloadable invoice under My Account > Orders > Invoice, with the company and "
                   "tax details from checkout.")


def password_reset(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_RESET, email=ctx.email)
    return Turn(user, ctx.reply(RESET_ANSWERS, reset=phrases.password_reset_sentence(ctx.policy)))


def reset_email_missing(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_RESET_EMAIL_MISSING, email=ctx.email)
    link_hours = phrases.count(ctx.policy.password_reset_link_hours, "hour")
    return Turn(user, ctx.reply(RESET_EMAIL_ANSWERS, link_hours=link_hours))


def account_locked(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_LOCKED)
    return Turn(user, ctx.reply(LOCKED_ANSWERS, steps=ctx.policy.password_reset_steps))


def verification_code(ctx: ConversationContext) -> Turn:
    return Turn(ctx.ask(ASK_CODE, phone=ctx.phone), ctx.reply(CODE_ANSWERS))


def change_email(ctx: ConversationContext) -> Turn:
    return Turn(ctx.ask(ASK_CHANGE_EMAIL, email=ctx.email), ctx.reply(CHANGE_EMAIL_ANSWERS))


def delete_account(ctx: ConversationContext) -> Turn:
    return Turn(ctx.ask(ASK_DELETE), ctx.reply(DELETE_ANSWERS))


def card_declined(ctx: ConversationContext) -> Turn:
    card = slots.card_number(ctx.rng)
    user = ctx.ask(ASK_DECLINED, ending=slots.card_ending(ctx.rng), card=card)
    answer = ctx.reply(DECLINED_ANSWERS, methods=phrases.payment_methods(ctx.policy))
    return Turn(user, answer + CARD_WARNING if card in user else answer)


def payment_method(ctx: ConversationContext) -> Turn:
    method = ctx.pick(METHODS_ASKED_ABOUT)
    user = ctx.ask(ASK_METHOD, method=method)
    accepted = method in ctx.policy.payment_methods
    answers = METHOD_YES_ANSWERS if accepted else METHOD_NO_ANSWERS
    return Turn(user, ctx.reply(answers, method=method, methods=phrases.payment_methods(ctx.policy)))


def double_charge(ctx: ConversationContext) -> Turn:
    user = ctx.ask(ASK_DOUBLE_CHARGE, order=ctx.order, amount=slots.amount(ctx.rng))
    return Turn(user, ctx.reply(DOUBLE_CHARGE_ANSWERS, refund_time=phrases.refund_time(ctx.policy)))


def invoice(ctx: ConversationContext) -> Turn:
    return Turn(ctx.ask(ASK_INVOICE, order=ctx.order), ctx.reply(INVOICE_ANSWERS))


ACCOUNT_TOPICS = (password_reset, password_reset, password_reset, reset_email_missing, account_locked,
                  verification_code, change_email, delete_account)
PAYMENT_TOPICS = (card_declined, card_declined, payment_method, payment_method, payment_method, double_charge, invoice)
