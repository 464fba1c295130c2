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
from contextvars import ContextVar
from typing import Any, Callable, Optional, Sequence
from uuid import UUID

from ledger_audit import canonical_bytes
from ledger_audit.events import ACCOUNT_LIMITS_CHANGED as LIMITS_CHANGED
from ledger_audit.readmodels import REQUEST_RECORDED, command_result, legacy_request, result_item

from .domain import Request
from .errors import DuplicateRequest, RequestLogTampered

Rows = Callable[[str, Sequence[Any]], list[Any]]

#: The request id of the command being decided (its items may not reuse it).
DECIDING_REQUEST: ContextVar[Optional[str]] = ContextVar("ledger_deciding_request", default=None)

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
        # No index on the type: a scan, only for rows from before requests were chained, once per Ledger.
        self._first_request_sql = (
            "SELECT MIN(c.seq) FROM stored_events e "
            f"JOIN ledger_chain c ON c.notification_id = e.{event_id} WHERE e.topic = ?"
        )
        # One read: the latest limits change of an account stream before a given version.
        self._limits_sql = (
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version < ? AND topic = ? "
            "ORDER BY originator_version DESC LIMIT 1"
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
        rebuilt = self.rebuild(body, seq)
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
        leaf, state = _json(found[0][1], request_id), _json(found[0][2], request_id)
        if leaf.get("type") != REQUEST_RECORDED:
            return None
        if leaf.get("stream") != str(Request.create_id(request_id)) or state.get("request_id") != request_id:
            raise RequestLogTampered(request_id, f"the request event at seq {seq} is another request's")
        return state

    def _legacy_answer(self, request_id: str, command: str, digest: str, row: Sequence[Any]) -> dict[str, Any]:
        """A row recorded before requests were chained: it stands only below the first request event
        of the chain, if the event at its seq could end its command, and if no request event
        for this id exists (docs/read-models.md)."""
        stored_command, stored_digest, result, seq = row
        found = self._rows(self._event_sql, (seq,))
        topic = _json(found[0][1], request_id).get("type")
        if self.event(str(Request.create_id(request_id)), 1) is not None:
            raise RequestLogTampered(request_id, "its seq does not point at the request event the chain holds for it")
        if not legacy_request(request_id, stored_command, seq, self.first_request_seq(), topic,
                              _json(found[0][2], request_id)):
            raise RequestLogTampered(request_id, f"the event at its seq {seq} cannot have recorded it")
        if stored_command != command or stored_digest != digest:
            raise DuplicateRequest(request_id, command)
        answer = _json(result, request_id)
        if not isinstance(answer, dict):
            raise RequestLogTampered(request_id, "its stored answer is not a JSON object")
        return answer

    def first_request_seq(self) -> Optional[int]:
        """The seq of the chain's first request event (``None`` if it has none); read once when found."""
        if self._first_request is None:
            rows = self._rows(self._first_request_sql, (REQUEST_RECORDED,))
            self._first_request = rows[0][0] if rows and rows[0][0] is not None else None
        return self._first_request

    _first_request: Optional[int] = None

    def rebuild(self, body: dict[str, Any], request_seq: int) -> Any:
        """A request's result, made again from the events its request event (at ``request_seq``) names."""
        items: list[Optional[dict]] = []
        rotation = None
        for stream, version in body["results"]:
            found = self.event(stream, version)
            if found is None:
                raise RequestLogTampered(body["request_id"], f"it names event {stream} v{version}, not in the chain")
            seq, topic, event_body, first = found
            if seq >= request_seq:
                raise RequestLogTampered(body["request_id"], f"it names event {stream} v{version}, recorded after it")
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
        body = _json(state, stream)
        if version == 1:
            return seq, topic, body, body
        first_rows = self._rows(self._stream_sql, (self._stream_param(stream), 1))
        first = _json(first_rows[0][2], stream) if first_rows else {}
        if topic.startswith("ledger.account."):
            # The account's limits just before this event (see result_item).
            earlier = self._rows(self._limits_sql, (self._stream_param(stream), version, LIMITS_CHANGED))
            if earlier:
                limits = _json(earlier[0][0], stream)
                first = {**first, "floor": limits["floor"], "ceiling": limits["ceiling"]}
        return seq, topic, body, first

    def ref_of(self, seq: int) -> tuple[UUID, int]:
        """The (stream, version) of the event at ``seq``: what a replayed batch item names."""
        leaf = _json(self._rows("SELECT leaf FROM ledger_chain WHERE seq = ?", (seq,))[0][0], str(seq))
        return UUID(leaf["stream"]), leaf["version"]


def _json(value: Any, request_id: str) -> Any:
    """Parse a stored JSON cell; anything unreadable is a tampered log, not a traceback."""
    try:
        if isinstance(value, (bytes, memoryview)):
            value = bytes(value)
        elif not isinstance(value, str):
            raise TypeError(f"stored as {type(value).__name__}")
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise RequestLogTampered(request_id, f"a stored cell it depends on is unreadable ({exc})") from None


def request_event(request_id: str, command: str, digest: str, refs: Sequence[tuple[UUID, int]]) -> Request:
    """The event that closes a command recorded under ``request_id``."""
    return Request(
        request_id=request_id, command=command, digest=digest, results=[[str(s), v] for s, v in refs]
    )
