"""Accounts hold identity and rules; balances live in a projection, never here.

Keeping transfers off the account stream is what stops a scheme's issuer from being
a version-conflict hot spot (docs/architecture.md, "Hot accounts").
"""

from __future__ import annotations

from typing import Optional
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .ids import stream_id


class Account(Aggregate):
    TOPIC = "ledger.account.v1"

    class Created(Aggregate.Created):
        TOPIC = "ledger.account.opened.v1"
        account_id: str
        scheme: str
        unit: str
        owner: str
        floor: Optional[int]
        ceiling: Optional[int]

    class LimitsChanged(Aggregate.Event):
        TOPIC = "ledger.account.limits_changed.v1"
        floor: Optional[int]
        ceiling: Optional[int]
        reason: str

    class Closed(Aggregate.Event):
        TOPIC = "ledger.account.closed.v1"
        reason: str

    @staticmethod
    def create_id(account_id: str) -> UUID:
        return stream_id("account", account_id)

    @event(Created)
    def __init__(
        self, account_id: str, scheme: str, unit: str, owner: str, floor: Optional[int], ceiling: Optional[int]
    ) -> None:
        self.account_id = account_id
        self.scheme = scheme
        self.unit = unit
        self.owner = owner
        self.floor = floor
        self.ceiling = ceiling
        self.closed = False

    @event(LimitsChanged)
    def change_limits(self, floor: Optional[int], ceiling: Optional[int], reason: str) -> None:
        self.floor = floor
        self.ceiling = ceiling

    @event(Closed)
    def close(self, reason: str) -> None:
        self.closed = True
