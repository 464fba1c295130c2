"""The facts the grants plugin records, their schemas, and the frozen views read from them.

A fund is an account plus a ``grants.fund.v1`` fact; a grant is five fact series keyed by the
grant id: its award, its budget lines, its running tally, its lifecycle events and its expense
reports. Dates are ISO 8601 calendar dates (``2026-07-01``) stored as strings: facts are
canonical JSON. Amounts are integers in the unit's smallest step; floats and booleans are refused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Optional

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ledger import Ledger

from .names import BUDGET, CONDUIT, DIGEST_RE, FUND, GRANT, LIFECYCLE, LINE_RE, REPORT, STATUS, TALLY

MAX_AMOUNT = 2**53 - 1  # the ledger's largest amount (RFC 8785 safe integer)
MAX_TOLERANCE_BPS = 10_000  # a line may overrun its budget by at most 100 %
ACCOUNT = validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}\Z", error="must be a ledger account id.")
CURRENCY = validate.Regexp(r"[A-Z]{3}\Z", error="must be an ISO 4217 code such as EUR.")
LINE = validate.Regexp(LINE_RE, error="must be a budget line name: lowercase letters, digits, '_' or '-'.")
DIGEST = validate.Regexp(DIGEST_RE, error="must be a SHA-256 digest: 64 lowercase hex digits.")
REQUEST = validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}\Z", error="must be a ledger request id.")


class IsoDate(fields.String):
    """A calendar date kept as its ISO 8601 string."""

    default_error_messages = {"invalid": "must be an ISO 8601 date such as 2026-07-01."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise self.make_error("invalid") from None


class Amount(fields.Integer):
    """An integer in the unit's smallest step: a float or a bool is refused, never rounded.

    The message says "floats are refused", so the ledger raises ``FloatRefused`` for it.
    """

    default_error_messages = {
        "invalid": "must be an integer in the unit's smallest step.",
        "float": "must be an integer in the unit's smallest step; floats are refused.",
    }

    def __init__(self, **kw: Any) -> None:
        super().__init__(strict=True, **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float):
            raise self.make_error("float")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


def _amount(low: int = 1, **kw: Any) -> Amount:
    return Amount(validate=validate.Range(low, MAX_AMOUNT, error=f"must be between {low} and 2**53-1."), **kw)


def _count(**kw: Any) -> Amount:
    return Amount(validate=validate.Range(0, MAX_AMOUNT, error="must be 0 or more."), **kw)


def _lines(**kw: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=LINE), values=_amount(0), **kw)


class FundSchema(Schema):
    purpose = fields.String(load_default="", validate=validate.Length(max=200))
    currency = fields.String(required=True, validate=CURRENCY)
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class ConduitSchema(Schema):
    fund = fields.String(required=True, validate=ACCOUNT)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class GrantSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    funder = fields.String(required=True, validate=ACCOUNT)
    fund = fields.String(required=True, validate=ACCOUNT)
    total = _amount(required=True)
    currency = fields.String(required=True, validate=CURRENCY)
    purpose = fields.String(required=True, validate=validate.Length(1, 200))
    start = IsoDate(required=True)
    end = IsoDate(required=True)
    awarded_on = IsoDate(required=True)
    tolerance_bps = Amount(load_default=0, validate=validate.Range(0, MAX_TOLERANCE_BPS,
                                                                   error="must be from 0 to 10000 (100 %)."))
    identifier = fields.String(load_default="", validate=validate.Length(max=200))
    funder_name = fields.String(load_default="", validate=validate.Length(max=200))
    recipient_name = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("must not be before start.", field_name="end")


class MovedSchema(Schema):
    """A reallocation: ``amount`` of budget from line ``from`` to line ``to``."""

    source = fields.String(data_key="from", required=True, validate=LINE)
    target = fields.String(data_key="to", required=True, validate=LINE)
    amount = _amount(required=True)

    @validates_schema
    def distinct(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("source") is not None and data.get("source") == data.get("target"):
            raise ValidationError("must differ from the line the budget moves from.", field_name="to")


class BudgetSchema(Schema):
    """The award's lines (``moved`` empty), then one revision per reallocation (``moved`` set)."""

    lines = _lines(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    moved = fields.Dict(load_default=dict)
    request_id = fields.String(validate=REQUEST)

    @validates_schema
    def moved_shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("moved"):
            errors = MovedSchema().validate(data["moved"])
            if errors:
                raise ValidationError({"moved": errors})


class TallySchema(Schema):
    """Running totals net of corrections; the counters count movements recorded, reversals apart."""

    disbursed = _count(required=True)
    returned = _count(required=True)
    spent = _lines(required=True)
    tranches = _count(required=True)
    expenses = _count(required=True)
    returns = _count(required=True)
    reversals = _count(load_default=0)


class StatusSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(LIFECYCLE))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    report = fields.String(validate=DIGEST)  # the report submitted, rejected or accepted
    request_id = fields.String(validate=REQUEST)


class ReportSchema(Schema):
    """An expense report exactly as ``reports.compute_report`` builds it (the rule recomputes it)."""

    grant = fields.String(required=True)
    number = _amount(required=True)
    period = fields.Dict(keys=fields.String(), values=IsoDate(), required=True)
    as_of = _count(required=True)
    basis = fields.String(required=True)
    currency = fields.String(required=True, validate=CURRENCY)
    expenses = fields.List(fields.Dict(), required=True)
    corrections = fields.List(fields.Dict(), required=True)
    lines = fields.List(fields.Dict(), required=True)
    totals = fields.Dict(keys=fields.String(), values=Amount(), required=True)
    digest = fields.String(required=True, validate=DIGEST)


@dataclass(frozen=True)
class Fund:
    """A fund: an account whose purpose (``""`` = unrestricted) binds every outflow."""

    account: str
    purpose: str
    currency: str
    description: str

    @property
    def restricted(self) -> bool:
        return bool(self.purpose)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "restricted": self.restricted}


@dataclass(frozen=True)
class Grant:
    """A grant's award as recorded."""

    grant: str
    title: str
    funder: str
    fund: str
    total: int
    currency: str
    purpose: str
    start: str
    end: str
    awarded_on: str
    tolerance_bps: int
    identifier: str
    funder_name: str
    recipient_name: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Tally:
    """A grant's running totals; ``version`` is the fact series' version (0: none yet)."""

    disbursed: int = 0
    returned: int = 0
    spent: dict[str, int] = field(default_factory=dict)
    tranches: int = 0
    expenses: int = 0
    returns: int = 0
    reversals: int = 0
    version: int = 0

    @property
    def unspent(self) -> int:
        return self.disbursed - sum(self.spent.values()) - self.returned

    def data(self) -> dict[str, Any]:
        data = asdict(self)
        del data["version"]
        return data


def allowance(budget: int, tolerance_bps: int) -> int:
    """What a line may spend: its budget plus ``floor(budget * tolerance_bps / 10000)``."""
    return budget + budget * tolerance_bps // 10_000


def read_fund(ledger: Ledger, account: str) -> Optional[Fund]:
    fact = ledger.fact(FUND, account)
    return Fund(account=account, **fact.data) if fact else None


def read_conduit(ledger: Ledger, account: str) -> Optional[str]:
    fact = ledger.fact(CONDUIT, account)
    return fact.data["fund"] if fact else None


def read_grant(ledger: Ledger, grant: str) -> Optional[Grant]:
    fact = ledger.fact(GRANT, grant)
    return Grant(grant=grant, **fact.data) if fact else None


def read_budget(ledger: Ledger, grant: str) -> dict[str, int]:
    fact = ledger.fact(BUDGET, grant)
    return dict(fact.data["lines"]) if fact else {}


def read_tally(ledger: Ledger, grant: str) -> Tally:
    fact = ledger.fact(TALLY, grant)
    return Tally(**fact.data, version=fact.version) if fact else Tally()


def read_report(ledger: Ledger, grant: str) -> Optional[dict[str, Any]]:
    """The latest expense report submitted for ``grant`` (its data), or ``None``."""
    fact = ledger.fact(REPORT, grant)
    return fact.data if fact else None


def lifecycle(ledger: Ledger, grant: str) -> list[str]:
    return [f.data["state"] for f in ledger.facts(STATUS, grant)]


def state_of(ledger: Ledger, grant: str) -> str:
    events = lifecycle(ledger, grant)
    return events[-1] if events else "draft"


__all__ = [
    "BudgetSchema",
    "Amount",
    "ConduitSchema",
    "Fund",
    "FundSchema",
    "Grant",
    "GrantSchema",
    "MovedSchema",
    "ReportSchema",
    "StatusSchema",
    "Tally",
    "TallySchema",
    "allowance",
    "lifecycle",
    "read_budget",
    "read_conduit",
    "read_fund",
    "read_grant",
    "read_report",
    "read_tally",
    "state_of",
]
