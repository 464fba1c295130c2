"""A scheme: a named credit system with one unit and default account rules."""

from __future__ import annotations

from typing import Optional
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .ids import stream_id


def issuer_of(scheme: str) -> str:
    """The account a scheme mints from (debited on issuance, so it runs negative)."""
    return f"{scheme}:issuer"


class Scheme(Aggregate):
    TOPIC = "ledger.scheme.v1"

    class Created(Aggregate.Created):
        TOPIC = "ledger.scheme.registered.v1"
        name: str
        kind: str
        unit: str
        step: int
        floor: Optional[int]
        ceiling: Optional[int]
        issuer: str
        #: The plugin that provides ``kind`` ("distribution version"), ``None`` for ``basic``.
        plugin: Optional[str]

    @staticmethod
    def create_id(name: str) -> UUID:
        return stream_id("scheme", name)

    @event(Created)
    def __init__(
        self,
        name: str,
        kind: str,
        unit: str,
        step: int,
        floor: Optional[int],
        ceiling: Optional[int],
        issuer: str,
        plugin: Optional[str] = None,  # absent from schemes registered before it was recorded
    ) -> None:
        self.name = name
        self.kind = kind
        self.unit = unit
        self.step = step
        self.floor = floor
        self.ceiling = ceiling
        self.issuer = issuer
        self.plugin = plugin
