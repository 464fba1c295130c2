"""The facts a carbon scheme records: settings, the versioned rate table, verifiers, merchant
catalogues, stock, and the plugin's own cap tallies and spend markers.

Each is a series keyed by its subject; the latest is in force. Readers return frozen data so the
rules, the API and the statements see the same figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ledger import Ledger

from .names import MERCHANT, NAME_RE, NAME_RULE, RATES, SETTINGS, STOCK, VERIFIER, stock_subject, verifier_subject

DEFAULT_EXPIRY_DAYS = 365  # points live about twelve months, as municipal schemes publish
MAX_INT = 2**53 - 1  # the ledger's largest amount (RFC 8785 safe integer)
STOCK_REASONS = ("restock", "adjustment", "redemption")


def _name(**kw: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(NAME_RE, error=f"must be {NAME_RULE}."), **kw)


def _count(low: int = 0, **kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(low, MAX_INT), **kw)


class SettingsSchema(Schema):
    expiry_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 10 * 366))


class BehaviourSchema(Schema):
    behaviour = _name(required=True)
    unit = fields.String(required=True, validate=validate.Length(1, 32))
    points_per_unit = _count(1, required=True)
    co2e_g_per_unit = _count(0, required=True)
    daily_cap = _count(1, load_default=None, allow_none=True)
    monthly_cap = _count(1, load_default=None, allow_none=True)


class RatesSchema(Schema):
    behaviours = fields.List(fields.Nested(BehaviourSchema), required=True)

    @validates_schema
    def unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [b["behaviour"] for b in data.get("behaviours", [])]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"behaviours must be unique; listed twice: {', '.join(twice)}.", "behaviours")


class VerifierSchema(Schema):
    behaviours = fields.List(_name(), required=True)  # what it may attest; empty = suspended


class ItemSchema(Schema):
    item = _name(required=True)
    price = _count(1, required=True)
    description = fields.String(load_default="", validate=validate.Length(0, 200))


class MerchantSchema(Schema):
    items = fields.List(fields.Nested(ItemSchema), required=True)

    @validates_schema
    def unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [i["item"] for i in data.get("items", [])]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"items must be unique; listed twice: {', '.join(twice)}.", "items")


class StockSchema(Schema):
    stock = _count(0, required=True)  # never negative: the schema itself refuses it
    change = fields.Integer(strict=True, required=True, validate=validate.Range(-MAX_INT, MAX_INT))
    reason = fields.String(required=True, validate=validate.OneOf(STOCK_REASONS))


class TallySchema(Schema):
    day = fields.String(required=True, validate=validate.Regexp(r"\d{4}-\d{2}-\d{2}\Z"))
    day_points = _count(0, required=True)
    month = fields.String(required=True, validate=validate.Regexp(r"\d{4}-\d{2}\Z"))
    month_points = _count(0, required=True)


class SpendSchema(Schema):
    transfer_id = fields.String(required=True, validate=validate.Length(1, 128))


@dataclass(frozen=True)
class Rate:
    """One row of the rate table: points and grams of CO2e per unit of activity, and the caps in points."""

    behaviour: str
    unit: str
    points_per_unit: int
    co2e_g_per_unit: int
    daily_cap: Optional[int] = None
    monthly_cap: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RateTable:
    """The rate table in force and its version (the fact's version in its series; 0 = none yet)."""

    version: int
    rates: dict[str, Rate]


@dataclass(frozen=True)
class Item:
    item: str
    price: int
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_expiry_days(ledger: Ledger, scheme: str) -> int:
    fact = ledger.fact(SETTINGS, scheme)
    return fact.data["expiry_days"] if fact else DEFAULT_EXPIRY_DAYS


def read_rates(ledger: Ledger, scheme: str) -> RateTable:
    fact = ledger.fact(RATES, scheme)
    if fact is None:
        return RateTable(0, {})
    return RateTable(fact.version, {b["behaviour"]: Rate(**b) for b in fact.data["behaviours"]})


def read_verifier(ledger: Ledger, scheme: str, verifier: str) -> Optional[list[str]]:
    """The behaviours a verifier may attest, or ``None`` if it was never registered."""
    fact = ledger.fact(VERIFIER, verifier_subject(scheme, verifier))
    return list(fact.data["behaviours"]) if fact else None


def read_catalogue(ledger: Ledger, merchant_account: str) -> Optional[dict[str, Item]]:
    """A merchant's catalogue by item, or ``None`` if the account is not a merchant."""
    fact = ledger.fact(MERCHANT, merchant_account)
    return None if fact is None else {i["item"]: Item(**i) for i in fact.data["items"]}


def read_stock(ledger: Ledger, merchant_account: str, item: str) -> int:
    fact = ledger.fact(STOCK, stock_subject(merchant_account, item))
    return fact.data["stock"] if fact else 0



__all__ = [
    "DEFAULT_EXPIRY_DAYS",
    "Item",
    "MerchantSchema",
    "Rate",
    "RateTable",
    "RatesSchema",
    "SettingsSchema",
    "SpendSchema",
    "StockSchema",
    "TallySchema",
    "VerifierSchema",
    "read_catalogue",
    "read_expiry_days",
    "read_rates",
    "read_stock",
    "read_verifier",
]
