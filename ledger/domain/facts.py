"""Facts: chained, non-monetary events a scheme records (a catalogue, a rate table, a campaign).

All facts of one ``(fact_type, subject)`` form one stream; the latest is the current
value and the earlier ones stay in the chain. The plugin that declares a fact type
validates its ``data``; this aggregate only keeps the series in order.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .ids import stream_id


class Fact(Aggregate):
    TOPIC = "ledger.fact.v1"

    class Created(Aggregate.Created):
        TOPIC = "ledger.fact.recorded.v1"
        fact_type: str
        subject: str
        data: dict

    class Revised(Aggregate.Event):
        TOPIC = "ledger.fact.revised.v1"
        data: dict

    @staticmethod
    def create_id(fact_type: str, subject: str) -> UUID:
        return stream_id("fact", f"{fact_type}|{subject}")

    @event(Created)
    def __init__(self, fact_type: str, subject: str, data: dict) -> None:
        self.fact_type = fact_type
        self.subject = subject
        self.data = data

    @event(Revised)
    def revise(self, data: dict) -> None:
        self.data = data
