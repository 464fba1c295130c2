"""A decision in the making: aggregates with pending events and what they do to the read models."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ledger_audit import canonical_bytes

from .domain import Fact, Hold
from .plugins import Command
from .store.writeset import EventKey, Posting, WriteSet

Decision = tuple[list[Any], WriteSet]


class StaleRead(Exception):
    """Internal: what a command was computed from has changed since; decide it again."""


def new_id() -> str:
    """A random version-4 UUID as 32 hex digits (``uuid.uuid4().hex``, without building a UUID)."""
    bits = int.from_bytes(os.urandom(16), "big")
    return f"{bits & _UUID4_CLEAR | _UUID4_SET:032x}"


# The version nibble (4) and the RFC 4122 variant bits (10), as uuid.UUID(version=4) sets them.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def key(aggregate: Any) -> EventKey:
    """The (stream, version) of the aggregate's latest pending event."""
    return (aggregate.id, aggregate.version)


def as_json(data: dict[str, Any]) -> str:
    if not data:
        return "{}"  # most movements carry no details
    return canonical_bytes(data).decode("utf-8")


@dataclass
class Plan:
    """One decision in the making: aggregates to save and what they do to the read models."""

    ws: WriteSet = field(default_factory=WriteSet)
    aggregates: list[Any] = field(default_factory=list)
    _added: set[int] = field(default_factory=set)
    holds: dict[str, Hold] = field(default_factory=dict)
    facts: dict[Any, Fact] = field(default_factory=dict)
    fact_base: dict[Any, int] = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)
    #: ``(event, kind, data)`` per result item; ``kind`` ``None``: a replayed batch item, whose
    #: ``data`` is its first answer and whose ``event`` is the one that answer was made from.
    results: list[tuple[EventKey, Any, dict[str, Any]]] = field(default_factory=list)
    #: ``ledger_accounts`` rows (account, unit, closed, scheme) read while planning, by account.
    accounts: dict[str, Any] = field(default_factory=dict)

    def add(self, aggregate: Any) -> EventKey:
        if id(aggregate) not in self._added:
            self._added.add(id(aggregate))
            self.aggregates.append(aggregate)
        return key(aggregate)

    def move(self, k: EventKey, kind: str, ref: str, debit: str, credit: str, memo: str, **amounts: int) -> None:
        """Record one event's effect on both accounts (amounts named from the debit side)."""
        posted, pending, released = amounts.get("posted", 0), amounts.get("pending", 0), amounts.get("released", 0)
        self.ws.postings.append(
            Posting(k, debit, kind, ref, credit, memo, debits_posted=posted, debits_pending=pending - released)
        )
        self.ws.postings.append(
            Posting(k, credit, kind, ref, debit, memo, credits_posted=posted, credits_pending=pending - released)
        )

    def finish(self, single: bool = True) -> Decision:
        results = self.results

        def build(seqs: dict[EventKey, int]) -> dict[str, Any]:
            items = [data if kind is None else {**data, "seq": seqs[k], "type": kind} for k, kind, data in results]
            return items[0] if single else {"items": items}

        self.ws.finish = build
        refs = [k for k, _, _ in results]
        self.ws.result_refs = refs[:1] if single else refs
        return self.aggregates, self.ws


