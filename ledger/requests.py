"""Request ids: the digest of a command, and answers a retry gets only if the chain backs them.

A command recorded with a request id ends with a ``ledger.request.recorded.v1`` event
(``ledger/domain/requests.py``) naming the command, the digest of its arguments and the
events its result is made from. ``ledger_requests`` is the read model of those events. A
retry is answered by rebuilding the result from the events the request names
(``ledger_audit.readmodels.result_item``) and comparing it with the stored row: a row the
chain does not back — planted, or altered — raises :class:`RequestLogTampered` instead of
faking a success.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Optional, Sequence
from uuid import UUID

from ledger_audit import canonical_bytes
from ledger_audit.readmodels import REQUEST_RECORDED, command_result, result_item

from .domain import Request
from .errors import DuplicateRequest, RequestLogTampered

Rows = Callable[[str, Sequence[Any]], list[Any]]

#: The standalone command a batch item of each type is (their request ids are one namespace).
ITEM_COMMANDS = {
    "transfer": "transfer",
    "hold": "hold",
    "post": "post",
    "void": "void",
    "reverse": "reverse",
    "fact": "record_fact",
}


def digest(command: str, args: dict[str, Any]) -> str:
    """SHA-256 of the command and its validated arguments (without the request id)."""
    body = {k: v for k, v in args.items() if k != "request_id"}
    data = canonical_bytes({"command": command, "args": body}, default=str)
    return hashlib.sha256(data).hexdigest()


class RequestLog:
    """Reads of the request log that check each answer against the chain."""

    def __init__(self, rows: Rows, event_id: str, dialect: str) -> None:
        self._rows = rows
        # SQLite keeps stream ids as 32 hex digits, PostgreSQL as a uuid column.
        self._stream_param = (lambda s: UUID(s).hex) if dialect == "sqlite" else UUID
        self._event_sql = (
            "SELECT c.seq, c.leaf, e.state FROM ledger_chain c "
            f"JOIN stored_events e ON e.{event_id} = c.notification_id WHERE c.seq = ?"
        )
        self._stream_sql = (
            "SELECT c.seq, e.topic, e.state FROM stored_events e "
            f"JOIN ledger_chain c ON c.notification_id = e.{event_id} "
            "WHERE e.originator_id = ? AND e.originator_version = ?"
        )

    def answer(self, request_id: str, command: str, digest: str) -> Optional[dict[str, Any]]:
        """The first answer to ``request_id``, or ``None`` if it was never recorded.

        ``DuplicateRequest`` if it named another command or other arguments;
        ``RequestLogTampered`` if the chain does not back the stored row.
        """
        sql = "SELECT command, digest, result, seq FROM ledger_requests WHERE request_id = ?"
        rows = self._rows(sql, (request_id,))
        if not rows:
            return None
        stored_command, stored_digest, result, seq = rows[0]
        body = self._request_body(request_id, seq)
        if body is None:
            # Recorded before requests were chained: the event at its seq must name it.
            return self._legacy_answer(request_id, command, digest, rows[0])
        if (body.get("command"), body.get("digest")) != (stored_command, stored_digest):
            raise RequestLogTampered(request_id, "its command or digest differs from the request event in the chain")
        if stored_command != command or stored_digest != digest:
            raise DuplicateRequest(request_id, command)
        rebuilt = self.rebuild(body)
        try:
            stored = json.loads(result)
        except (TypeError, ValueError):
            stored = None
        if stored != rebuilt:
            raise RequestLogTampered(request_id, "its stored answer differs from what the chain's events say")
        return rebuilt

    def _request_body(self, request_id: str, seq: Any) -> Optional[dict[str, Any]]:
        """The request event's body at ``seq`` (``None`` if that event is no request event)."""
        found = self._rows(self._event_sql, (seq,)) if type(seq) is int else []
        if not found:
            raise RequestLogTampered(request_id, f"its seq {seq!r} is not an event of the chain")
        leaf, state = json.loads(bytes(found[0][1])), json.loads(bytes(found[0][2]))
        if leaf.get("type") != REQUEST_RECORDED:
            return None
        if leaf.get("stream") != str(Request.create_id(request_id)) or state.get("request_id") != request_id:
            raise RequestLogTampered(request_id, f"the request event at seq {seq} is another request's")
        return state

    def _legacy_answer(self, request_id: str, command: str, digest: str, row: Sequence[Any]) -> dict[str, Any]:
        stored_command, stored_digest, result, seq = row
        state = json.loads(bytes(self._rows(self._event_sql, (seq,))[0][2]))
        if state.get("request_id") != request_id:
            raise RequestLogTampered(request_id, f"the event at its seq {seq} does not carry that request id")
        if stored_command != command or stored_digest != digest:
            raise DuplicateRequest(request_id, command)
        return json.loads(result)

    def rebuild(self, body: dict[str, Any]) -> Any:
        """A request's result, made again from the events its request event names."""
        items: list[Optional[dict]] = []
        rotation = None
        for stream, version in body["results"]:
            found = self.event(stream, version)
            if found is None:
                raise RequestLogTampered(body["request_id"], f"it names event {stream} v{version}, not in the chain")
            seq, topic, event_body, first = found
            if topic == "ledger.key.rotated.v1":
                rotation = event_body
                continue
            items.append(result_item(topic, seq, version, event_body, first))
        return command_result(body["command"], items, rotation)

    def event(self, stream: str, version: int) -> Optional[tuple[int, str, dict, dict]]:
        """``(seq, type, body, first body of its stream)`` of one event, or ``None``."""
        found = self._rows(self._stream_sql, (self._stream_param(stream), version))
        if not found:
            return None
        seq, topic, state = found[0]
        body = json.loads(bytes(state))
        if version == 1:
            return seq, topic, body, body
        first_rows = self._rows(self._stream_sql, (self._stream_param(stream), 1))
        first = json.loads(bytes(first_rows[0][2])) if first_rows else {}
        if topic.startswith("ledger.account."):
            # The account's limits just before this event (see result_item).
            for v in range(2, version):
                earlier = self._rows(self._stream_sql, (self._stream_param(stream), v))
                if earlier and earlier[0][1] == "ledger.account.limits_changed.v1":
                    limits = json.loads(bytes(earlier[0][2]))
                    first = {**first, "floor": limits["floor"], "ceiling": limits["ceiling"]}
        return seq, topic, body, first

    def ref_of(self, seq: int) -> tuple[UUID, int]:
        """The (stream, version) of the event at ``seq``: what a replayed batch item names."""
        leaf = json.loads(bytes(self._rows("SELECT leaf FROM ledger_chain WHERE seq = ?", (seq,))[0][0]))
        return UUID(leaf["stream"]), leaf["version"]


def request_event(request_id: str, command: str, digest: str, refs: Sequence[tuple[UUID, int]]) -> Request:
    """The event that closes a command recorded under ``request_id``."""
    return Request(
        request_id=request_id, command=command, digest=digest, results=[[str(s), v] for s, v in refs]
    )
