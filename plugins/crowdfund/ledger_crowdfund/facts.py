"""The facts a campaign records in the chain, their schemas, and the frozen views read from them.

A campaign is four fact series keyed by the campaign id: its definition, its lifecycle events,
its matching pool and its settlement (at most one). Times are stored as ISO 8601 strings in UTC
(facts are canonical JSON; a datetime is not).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Optional

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ledger import Ledger

from .fees import MAX_FEE_BPS
from .names import CAMPAIGN, LIFECYCLE, MATCHING, MODES, SETTLEMENT, STATUS, escrow_of, pool_of

MAX_AMOUNT = 2**53 - 1  # the ledger's largest amount (RFC 8785 safe integer)
DEFAULT_SETTLE_WITHIN = 30 * 86400  # pledges stay collectable this long after the deadline
ACCOUNT = validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}\Z", error="must be a ledger account id.")


def iso(when: datetime) -> str:
    """An aware datetime as the UTC string stored in facts."""
    if when.tzinfo is None:
        raise ValueError(f"{when!r} must be timezone-aware")
    return when.astimezone(UTC).isoformat()


class IsoTime(fields.String):
    """An aware ISO 8601 time kept as its UTC string."""

    default_error_messages = {"invalid": "must be a timezone-aware ISO 8601 time."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        if when.tzinfo is None:
            raise self.make_error("invalid")
        return iso(when)


def _amount(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_AMOUNT), **kw)


class CampaignSchema(Schema):
    scheme = fields.String(required=True)
    organiser = fields.String(required=True, validate=ACCOUNT)
    goal = _amount(required=True)
    deadline = IsoTime(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    min_pledge = _amount(load_default=None, allow_none=True)
    max_pledge = _amount(load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    funds = fields.String(load_default="", validate=validate.Length(max=200))
    host = fields.String(load_default=None, allow_none=True, validate=ACCOUNT)
    fee_bps = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, MAX_FEE_BPS))
    settle_within = fields.Integer(strict=True, load_default=DEFAULT_SETTLE_WITHIN,
                                   validate=validate.Range(1, 366 * 86400))

    @validates_schema
    def consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("min_pledge"), data.get("max_pledge")
        if low is not None and high is not None and low > high:
            raise ValidationError("must not be below min_pledge.", field_name="max_pledge")
        if data.get("fee_bps") and data.get("host") is None:
            raise ValidationError("a fee needs a host account to receive it.", field_name="host")


class StatusSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(LIFECYCLE))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class MatchingSchema(Schema):
    sponsor = fields.String(required=True, validate=ACCOUNT)
    numerator = fields.Integer(strict=True, required=True, validate=validate.Range(1, 1000))
    denominator = fields.Integer(strict=True, required=True, validate=validate.Range(1, 1000))
    cap = _amount(required=True)


class SettlementSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(("succeeded", "failed", "cancelled")))
    goal = _amount(required=True)
    pledges = fields.Integer(strict=True, required=True)
    donors = fields.Integer(strict=True, required=True)
    pledged = fields.Integer(strict=True, required=True)
    matched = fields.Integer(strict=True, required=True)
    posted = fields.Integer(strict=True, required=True)
    voided = fields.Integer(strict=True, required=True)
    fee = fields.Integer(strict=True, required=True)
    net = fields.Integer(strict=True, required=True)
    returned_to_sponsor = fields.Integer(strict=True, required=True)


@dataclass(frozen=True)
class Campaign:
    """A campaign's definition as recorded (``deadline`` as an aware datetime)."""

    campaign: str
    scheme: str
    organiser: str
    goal: int
    deadline: datetime
    mode: str
    min_pledge: Optional[int]
    max_pledge: Optional[int]
    description: str
    funds: str
    host: Optional[str]
    fee_bps: int
    settle_within: int

    @property
    def escrow(self) -> str:
        return escrow_of(self.campaign)

    @property
    def pool(self) -> str:
        return pool_of(self.campaign)

    @property
    def settle_by(self) -> datetime:
        """When the pledge holds expire: the deadline plus the settlement window."""
        return self.deadline + timedelta(seconds=self.settle_within)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["deadline"] = iso(self.deadline)
        return data


@dataclass(frozen=True)
class Matching:
    sponsor: str
    numerator: int
    denominator: int
    cap: int


@dataclass(frozen=True)
class Settlement:
    """A campaign's one outcome, as recorded with its movements."""

    campaign: str
    outcome: str
    goal: int
    pledges: int
    donors: int
    pledged: int
    matched: int
    posted: int
    voided: int
    fee: int
    net: int
    returned_to_sponsor: int
    seq: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_campaign(ledger: Ledger, campaign: str) -> Optional[Campaign]:
    fact = ledger.fact(CAMPAIGN, campaign)
    if fact is None:
        return None
    data = dict(fact.data)
    data["deadline"] = datetime.fromisoformat(data["deadline"])
    return Campaign(campaign=campaign, **data)


def read_matching(ledger: Ledger, campaign: str) -> Optional[Matching]:
    fact = ledger.fact(MATCHING, campaign)
    return Matching(**fact.data) if fact else None


def read_settlement(ledger: Ledger, campaign: str) -> Optional[Settlement]:
    fact = ledger.fact(SETTLEMENT, campaign)
    return Settlement(campaign=campaign, seq=fact.seq, **fact.data) if fact else None


def lifecycle(ledger: Ledger, campaign: str) -> list[str]:
    """The campaign's lifecycle events in order (``launched``, ``goal_reached``, ``closed`` ...)."""
    return [f.data["state"] for f in ledger.facts(STATUS, campaign)]


def state_of(events: list[str]) -> str:
    """The campaign's state now: its last decisive lifecycle event (``goal_reached`` is news, not a state)."""
    decisive = [e for e in events if e != "goal_reached"]
    return decisive[-1] if decisive else "draft"


__all__ = [
    "Campaign",
    "CampaignSchema",
    "Matching",
    "MatchingSchema",
    "Settlement",
    "SettlementSchema",
    "StatusSchema",
    "iso",
    "lifecycle",
    "read_campaign",
    "read_matching",
    "read_settlement",
    "state_of",
]
