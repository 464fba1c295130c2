"""The two facts a bank records in the chain: its settings and its service catalogue.

Both are versioned series keyed by the bank's name; the latest one is in force. They are
read as frozen data (``Settings``, ``Service``) so rules and apps see the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ledger import Ledger, Record

from .names import CATALOGUE, SETTINGS

DEFAULT_MAX_EXCHANGE = 480  # 8 hours: one working day per exchange
DEFAULT_CONFIRM_TIMEOUT = 14 * 86400  # seconds a receiver has to confirm an exchange
DEFAULT_ORGANISATION_FLOOR = 0  # the community pool gives only what it was given
MAX_MINUTES = 2**53 - 1  # the ledger's largest amount (RFC 8785 safe integer)


class StrictBool(fields.Boolean):
    """Only ``true``/``false``: marshmallow's Boolean would read ``"yes"`` or ``1`` as true."""

    default_error_messages = {"invalid": "must be true or false."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _minutes(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_MINUTES), **kw)


class SettingsSchema(Schema):
    max_exchange = _minutes(required=True)
    confirm_timeout = fields.Integer(strict=True, required=True, validate=validate.Range(1, 10 * 366 * 86400))
    organisation_floor = fields.Integer(
        strict=True, required=True, allow_none=True, validate=validate.Range(-MAX_MINUTES, MAX_MINUTES)
    )


class ServiceSchema(Schema):
    category = fields.String(required=True, validate=validate.Length(1, 64))
    name = fields.String(required=True, validate=validate.Length(1, 80))
    price = _minutes(load_default=None, allow_none=True)
    redeemable = StrictBool(load_default=False)

    @validates_schema
    def priced_if_redeemable(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("redeemable") and data.get("price") is None:
            raise ValidationError("a redeemable service needs a price in minutes.", field_name="price")


class CatalogueSchema(Schema):
    services = fields.List(fields.Nested(ServiceSchema), required=True)

    @validates_schema
    def unique_names(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [s["name"] for s in data.get("services", [])]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"names must be unique; listed twice: {', '.join(twice)}.", field_name="services")


@dataclass(frozen=True)
class Settings(Record):
    """A bank's rules as data: the largest exchange, how long a receiver has to confirm, and the
    organisation account's floor (``None`` = unlimited)."""

    max_exchange: int = DEFAULT_MAX_EXCHANGE
    confirm_timeout: int = DEFAULT_CONFIRM_TIMEOUT
    organisation_floor: Optional[int] = DEFAULT_ORGANISATION_FLOOR


@dataclass(frozen=True)
class Service(Record):
    """One catalogue entry. ``price`` is the fixed cost in minutes of redeeming it from the
    organisation; ``redeemable`` says whether members may."""

    category: str
    name: str
    price: Optional[int] = None
    redeemable: bool = False


def read_settings(ledger: Ledger, bank: str) -> Settings:
    """The bank's settings in force; the defaults if none was recorded."""
    fact = ledger.fact(SETTINGS, bank)
    return Settings(**fact.data) if fact else Settings()


def read_catalogue(ledger: Ledger, bank: str) -> list[Service]:
    """The bank's catalogue in force; empty if none was recorded."""
    fact = ledger.fact(CATALOGUE, bank)
    return [Service(**s) for s in fact.data["services"]] if fact else []


def find_service(catalogue: list[Service], name: str) -> Optional[Service]:
    return next((s for s in catalogue if s.name == name), None)



__all__ = [
    "CatalogueSchema",
    "Service",
    "ServiceSchema",
    "Settings",
    "SettingsSchema",
    "find_service",
    "read_catalogue",
    "read_settings",
]
