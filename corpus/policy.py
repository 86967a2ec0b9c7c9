"""The store policy: a frozen `Policy` loaded from policy.toml, the only place policy facts live.

`load_policy` checks every key (presence, type, range, no unknown keys) and raises CorpusError naming the
first bad key as `section.key`, so a hand-edited policy file fails with a message the editor can act on.
`policy_hash` fingerprints a policy for caching and for the manifests of models built from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.schema import CorpusError

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.toml")


@dataclass(frozen=True)
class ShippingOption:
    """One way to ship an order: `days` is a duration read out as is ("3-5 business days")."""

    name: str
    days: str
    price: float


@dataclass(frozen=True)
class Policy:
    """Every store fact an answer may state. Field names are the names used in `policy_facts`."""

    store_name: str
    currency_symbol: str
    support_hours: str
    return_window_days: int
    refund_processing_days: int
    restocking_fee_percent: int
    return_condition: str
    free_return_shipping: bool
    shipping_options: tuple[ShippingOption, ...]
    free_shipping_threshold: float
    free_shipping_option: str
    order_processing_days: int
    tracking_activation_hours: int
    lost_package_days: int
    international_shipping: bool
    international_shipping_days: str
    international_shipping_price: float
    warranty_months: int
    warranty_covers: str
    warranty_excludes: str
    cancellation_window_hours: int
    payment_methods: tuple[str, ...]
    price_match: bool
    price_match_days: int
    promo_codes_per_order: int
    newsletter_discount_percent: int
    password_reset_steps: str
    password_reset_link_hours: int


# (section, key, kind) for every scalar field; "shipping.options" is read separately. The kind names the
# check in _KIND_CHECKS and doubles as the wording of the error message.
_SCALAR_FIELDS = (
    ("store", "store_name", "text"),
    ("store", "currency_symbol", "text"),
    ("support", "support_hours", "text"),
    ("returns", "return_window_days", "positive integer"),
    ("returns", "refund_processing_days", "positive integer"),
    ("returns", "restocking_fee_percent", "percentage"),
    ("returns", "return_condition", "text"),
    ("returns", "free_return_shipping", "boolean"),
    ("shipping", "free_shipping_threshold", "amount"),
    ("shipping", "free_shipping_option", "text"),
    ("shipping", "order_processing_days", "positive integer"),
    ("shipping", "tracking_activation_hours", "positive integer"),
    ("shipping", "lost_package_days", "positive integer"),
    ("shipping", "international_shipping", "boolean"),
    ("shipping", "international_shipping_days", "text"),
    ("shipping", "international_shipping_price", "amount"),
    ("warranty", "warranty_months", "positive integer"),
    ("warranty", "warranty_covers", "text"),
    ("warranty", "warranty_excludes", "text"),
    ("orders", "cancellation_window_hours", "positive integer"),
    ("payments", "payment_methods", "list of texts"),
    ("pricing", "price_match", "boolean"),
    ("pricing", "price_match_days", "positive integer"),
    ("pricing", "promo_codes_per_order", "positive integer"),
    ("pricing", "newsletter_discount_percent", "percentage"),
    ("account", "password_reset_steps", "text"),
    ("account", "password_reset_link_hours", "positive integer"),
)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value.isprintable()


_KIND_CHECKS = {
    "text": _is_text,
    "positive integer": lambda v: _is_int(v) and v > 0,
    "percentage": lambda v: _is_int(v) and 0 <= v <= 100,
    "boolean": lambda v: isinstance(v, bool),
    "amount": lambda v: (_is_int(v) or isinstance(v, float)) and v >= 0,
    "list of texts": lambda v: isinstance(v, list) and bool(v) and all(_is_text(x) for x in v),
}


def load_policy(path: str | os.PathLike | None = None) -> Policy:
    """Read and check a policy TOML file (default: the bundled corpus/policy.toml)."""
    path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CorpusError(f"{path}: cannot read policy file: {error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: not valid TOML: {error}") from None
    try:
        return _policy_from_toml(data)
    except CorpusError as error:
        raise CorpusError(f"{path}: {error}") from None


def _policy_from_toml(data: dict) -> Policy:
    _reject_unknown_keys(data)
    values = {key: _scalar(data, section, key, kind) for section, key, kind in _SCALAR_FIELDS}
    values["payment_methods"] = tuple(values["payment_methods"])
    for name in ("free_shipping_threshold", "international_shipping_price"):
        values[name] = float(values[name])
    values["shipping_options"] = _shipping_options(data)
    names = [option.name for option in values["shipping_options"]]
    if values["free_shipping_option"] not in names:
        raise CorpusError(f"invalid value for 'shipping.free_shipping_option': {values['free_shipping_option']!r} "
                          f"is not one of the shipping options ({', '.join(names)})")
    return Policy(**values)


def _reject_unknown_keys(data: dict) -> None:
    known: dict[str, set[str]] = {}
    for section, key, _ in _SCALAR_FIELDS:
        known.setdefault(section, set()).add(key)
    known["shipping"].add("options")
    for section, table in data.items():
        if section not in known:
            raise CorpusError(f"unknown section [{section}] (known: {', '.join(sorted(known))})")
        if not isinstance(table, dict):
            raise CorpusError(f"'{section}' must be a table ([{section}])")
        for key in table:
            if key not in known[section]:
                raise CorpusError(f"unknown key '{section}.{key}'")


def _scalar(data: dict, section: str, key: str, kind: str) -> object:
    table = data.get(section, {})
    if key not in table:
        raise CorpusError(f"missing key '{section}.{key}'")
    value = table[key]
    if not _KIND_CHECKS[kind](value):
        raise CorpusError(f"invalid value for '{section}.{key}': expected a {kind}, got {value!r}")
    return value


def _shipping_options(data: dict) -> tuple[ShippingOption, ...]:
    raw = data.get("shipping", {}).get("options")
    if raw is None:
        raise CorpusError("missing key 'shipping.options' (add at least one [[shipping.options]] table)")
    if not isinstance(raw, list) or not raw or not all(isinstance(item, dict) for item in raw):
        raise CorpusError("invalid value for 'shipping.options': expected one or more [[shipping.options]] tables")
    options = []
    for index, item in enumerate(raw):
        where = f"shipping.options[{index}]"
        unknown = sorted(set(item) - {"name", "days", "price"})
        if unknown:
            raise CorpusError(f"unknown key '{where}.{unknown[0]}'")
        for key, kind in (("name", "text"), ("days", "text"), ("price", "amount")):
            if key not in item:
                raise CorpusError(f"missing key '{where}.{key}'")
            if not _KIND_CHECKS[kind](item[key]):
                raise CorpusError(f"invalid value for '{where}.{key}': expected a {kind}, got {item[key]!r}")
        options.append(ShippingOption(name=item["name"], days=item["days"], price=float(item["price"])))
    names = [option.name.lower() for option in options]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise CorpusError(f"invalid value for 'shipping.options': the name {duplicate!r} is used twice")
    return tuple(options)


def policy_hash(policy: Policy) -> str:
    """sha256 (hex) of the policy's canonical JSON: equal policies hash equal, any changed value changes it."""
    canonical = json.dumps(asdict(policy), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
