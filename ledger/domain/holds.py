"""A two-phase transfer as a state machine: held -> posted | voided | expired.

Each hold is its own short stream, so posting and voiding race on the hold's version
and exactly one wins; the checks here run before any event is emitted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Optional
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from ledger_audit.chain import TS_FORMAT

from ..errors import HoldExpired, HoldNotPending, PostExceedsHold
from .ids import stream_id

HELD, POSTED, VOIDED, EXPIRED = "held", "posted", "voided", "expired"


class Hold(Aggregate):
    TOPIC = "ledger.hold.v1"

    class Created(Aggregate.Created):
        TOPIC = "ledger.hold.placed.v1"
        hold_id: str
        debit: str
        credit: str
        amount: int
        unit: str
        code: str
        memo: str
        details: dict
        expires_at: Optional[datetime]
        request_id: Optional[str]

    class Posted(Aggregate.Event):
        TOPIC = "ledger.hold.posted.v1"
        amount: int
        released: int
        request_id: Optional[str]

    class Voided(Aggregate.Event):
        TOPIC = "ledger.hold.voided.v1"
        reason: str
        request_id: Optional[str]

    class Expired(Aggregate.Event):
        TOPIC = "ledger.hold.expired.v1"
        expired_at: datetime

    @staticmethod
    def create_id(hold_id: str) -> UUID:
        return stream_id("hold", hold_id)

    @event(Created)
    def __init__(
        self,
        hold_id: str,
        debit: str,
        credit: str,
        amount: int,
        unit: str,
        code: str,
        memo: str,
        details: dict,
        expires_at: Optional[datetime],
        request_id: Optional[str],
    ) -> None:
        self.hold_id = hold_id
        self.debit = debit
        self.credit = credit
        self.amount = amount
        self.unit = unit
        self.code = code
        self.memo = memo
        self.details = details
        self.expires_at = expires_at
        self.status = HELD
        self.posted = 0

    def is_due(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def check_pending(self) -> None:
        if self.status != HELD:
            raise HoldNotPending(self.hold_id, self.status)

    def post(self, amount: Optional[int], now: datetime, request_id: Optional[str] = None) -> int:
        """Post ``amount`` (default: all); the rest is released. Returns the amount posted."""
        self.check_pending()
        if self.is_due(now):
            raise HoldExpired(self.hold_id, self.expires_at.astimezone(UTC).strftime(TS_FORMAT))
        amount = self.amount if amount is None else amount
        if amount > self.amount:
            raise PostExceedsHold(self.hold_id, amount, self.amount)
        self._posted(amount=amount, released=self.amount - amount, request_id=request_id)
        return amount

    @event(Posted)
    def _posted(self, amount: int, released: int, request_id: Optional[str]) -> None:
        self.status = POSTED
        self.posted = amount

    def void(self, reason: str, request_id: Optional[str] = None) -> None:
        self.check_pending()
        self._voided(reason=reason, request_id=request_id)

    @event(Voided)
    def _voided(self, reason: str, request_id: Optional[str]) -> None:
        self.status = VOIDED

    def expire(self, now: datetime) -> None:
        self.check_pending()
        self._expired(expired_at=now)

    @event(Expired)
    def _expired(self, expired_at: datetime) -> None:
        self.status = EXPIRED
