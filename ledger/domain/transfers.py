"""An immediate transfer: one short stream with one event, never edited.

A correction is a new transfer whose ``reverses`` names the original. The reversal's
stream id is derived from the original's id, so a transfer can be reversed once: a
second reversal collides on that stream in the database.
"""

from __future__ import annotations

from typing import Optional
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .ids import stream_id


class Transfer(Aggregate):
    TOPIC = "ledger.transfer.v1"

    class Created(Aggregate.Created):
        TOPIC = "ledger.transfer.recorded.v1"
        transfer_id: str
        debit: str
        credit: str
        amount: int
        unit: str
        code: str
        memo: str
        details: dict
        request_id: Optional[str]
        reverses: Optional[str]

    @staticmethod
    def create_id(transfer_id: str) -> UUID:
        return stream_id("transfer", transfer_id)

    @event(Created)
    def __init__(
        self,
        transfer_id: str,
        debit: str,
        credit: str,
        amount: int,
        unit: str,
        code: str,
        memo: str,
        details: dict,
        request_id: Optional[str],
        reverses: Optional[str],
    ) -> None:
        self.transfer_id = transfer_id
        self.debit = debit
        self.credit = credit
        self.amount = amount
        self.unit = unit
        self.code = code
        self.memo = memo
        self.details = details
        self.request_id = request_id
        self.reverses = reverses
