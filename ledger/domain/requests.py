"""A request id, chained: which command it named, the digest of its arguments, its result's events.

A command given a ``request_id`` ends with one more event on the stream
``uuid5("request:<id>")``. The database's stream key makes a request id unique across
every process; the body lets anyone rebuild the request log — and the answer a retry
gets — from the chain alone (``ledger_audit.readmodels``).
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .ids import stream_id


class Request(Aggregate):
    TOPIC = "ledger.request.v1"

    class Created(Aggregate.Created):
        TOPIC = "ledger.request.recorded.v1"
        request_id: str
        command: str
        digest: str
        #: ``[stream, version]`` of each event the command's result is made from, in result order.
        results: list

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return stream_id("request", request_id)

    @event(Created)
    def __init__(self, request_id: str, command: str, digest: str, results: list) -> None:
        self.request_id = request_id
        self.command = command
        self.digest = digest
        self.results = results
