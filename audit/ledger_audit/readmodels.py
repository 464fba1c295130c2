"""The ledger's read models, rebuilt from the chain's bodies alone: a pure function of the events.

Every number the ledger answers with (balances, holds, transfers, postings, account rules,
facts, the request log) is kept in a table written in the same transaction as the events,
and every one of those tables is a function of the events. :class:`ReadModelReplay` is that
function, written once: the ledger's ``verify`` feeds it the stored bodies and compares its
rows with the stored ones; an auditor can feed it an export's bodies.

Rows have the columns of the ledger's tables, in their order (``docs/chain-spec.md``,
"Read models"). Append-only tables (postings, transfers, facts, requests) are *emitted* as
they arise, in chain order, so a caller can compare them as a stream; tables updated in
place (schemes, accounts, balances, holds) are kept and read at the end. Memory is
O(accounts + open holds + fact series), never O(events): a settled hold never changes again, so
its final row is folded into a digest (``keep_settled=False``) instead of kept.

Command results (what a command returned, which a request id replays) are rebuilt by
:func:`result_item` from one event and its stream's first event: the request event
(``ledger.request.recorded.v1``) names the events of its result by stream and version.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, Callable, Iterator, Optional

from .canonical import canonical_bytes
from .chain import TS_FORMAT

# The event types, named once (docs/chain-spec.md §3.1).
from .events import (
    ACCOUNT_CLOSED,
    ACCOUNT_OPENED,
    FACT_RECORDED,
    FACT_REVISED,
    HOLD_EXPIRED,
    HOLD_PLACED,
    HOLD_POSTED,
    HOLD_VOIDED,
    KEY_ROTATED,
    REQUEST_RECORDED,
    SCHEME_REGISTERED,
)
from .events import ACCOUNT_LIMITS_CHANGED as LIMITS_CHANGED
from .events import TRANSFER_RECORDED as TRANSFER

#: Table -> column names, in the stored tables' order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ledger_schemes": ("scheme", "kind", "unit", "step", "floor", "ceiling", "issuer", "seq"),
    "ledger_accounts": ("account", "scheme", "unit", "owner", "floor", "ceiling", "closed", "seq"),
    "ledger_balances": (
        "account", "unit", "debits_posted", "credits_posted", "debits_pending", "credits_pending", "seq",
    ),
    "ledger_postings": (
        "account", "seq", "kind", "ref", "counterparty", "memo", "posted", "pending",
        "debits_posted", "credits_posted", "debits_pending", "credits_pending",
    ),
    "ledger_transfers": (
        "transfer_id", "debit", "credit", "amount", "unit", "code", "memo", "details", "reverses", "seq",
    ),
    "ledger_holds": (
        "hold_id", "debit", "credit", "amount", "unit", "code", "memo", "details", "status", "expires_at",
        "posted", "seq",
    ),
    "ledger_facts": ("seq", "fact_type", "subject", "version", "data"),
    "ledger_requests": ("request_id", "command", "digest", "result", "seq"),
}

HOLD_STATUS = {HOLD_POSTED: "posted", HOLD_VOIDED: "voided", HOLD_EXPIRED: "expired"}
HOLD_KIND = {HOLD_POSTED: "post", HOLD_VOIDED: "void", HOLD_EXPIRED: "expire"}
#: Result kind of each request'd command's items (a reversal returns a transfer).
RESULT_KIND = {
    TRANSFER: "transfer",
    HOLD_PLACED: "hold",
    HOLD_POSTED: "post",
    HOLD_VOIDED: "void",
    FACT_RECORDED: "fact",
    FACT_REVISED: "fact",
    SCHEME_REGISTERED: "scheme",
    ACCOUNT_OPENED: "account",
    LIMITS_CHANGED: "account",
    ACCOUNT_CLOSED: "account",
}
#: Event types a command recorded before requests were chained can end with (a plugin may have
#: added movements and facts after the command's own events).
LEGACY_LAST = frozenset({
    SCHEME_REGISTERED, ACCOUNT_OPENED, LIMITS_CHANGED, ACCOUNT_CLOSED, TRANSFER, HOLD_PLACED, HOLD_POSTED,
    HOLD_VOIDED, FACT_RECORDED, FACT_REVISED, KEY_ROTATED,
})


#: Commands whose last event is a movement (which carries ``request_id``), and those whose is not.
MOVEMENT_COMMANDS = frozenset({"transfer", "hold", "post", "void", "reverse", "batch"})
ADMIN_COMMANDS = frozenset({"register_scheme", "open_account", "change_limits", "close_account", "record_fact",
                            "batch", "rotate_key"})


def legacy_request(
    request_id: str, command: Any, seq: Any, first_request_seq: Optional[int], topic: str, body: Any
) -> bool:
    """Whether a request row recorded before requests were chained may stand (docs/read-models.md).

    Its ``seq`` is its command's last event: that must lie below the chain's first request
    event and be of a type its command can end with — a movement naming this request id (or
    none, if a plugin added it) for a movement command or a batch; an account, scheme, fact or
    rotation event for the others.
    """
    if type(seq) is not int or (first_request_seq is not None and seq >= first_request_seq):
        return False
    if topic not in LEGACY_LAST or not isinstance(body, dict):
        return False
    if "request_id" in body:  # a movement: it names its request id, or none if a plugin added it
        named = body["request_id"]
        return command in MOVEMENT_COMMANDS and (named is None or named == request_id)
    return command in ADMIN_COMMANDS


#: Members that key a table row: they must be strings (a tampered body could make them anything).
KEY_MEMBERS = {
    SCHEME_REGISTERED: ("name",),
    ACCOUNT_OPENED: ("account_id", "unit"),
    TRANSFER: ("transfer_id", "debit", "credit"),
    HOLD_PLACED: ("hold_id", "debit", "credit"),
    REQUEST_RECORDED: ("request_id",),
}

#: How many recent events keep their result item for the request events that follow them.
RECENT = 4096


class ReplayError(Exception):
    """A body the read models cannot be derived from (a malformed or out-of-order event)."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason


def details_json(value: Any) -> str:
    """The stored form of ``details``/fact ``data``: canonical JSON, ``{}`` when empty."""
    return canonical_bytes(value).decode("utf-8") if value else "{}"


def ts_of(value: Any) -> Optional[str]:
    """An eventsourcing datetime member (``{"_type_": "datetime_iso", "_data_": ...}``) in leaf-``ts`` form."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("_type_") != "datetime_iso" or not isinstance(value.get("_data_"), str):
        raise ValueError("not a datetime member")
    return datetime.fromisoformat(value["_data_"]).astimezone(UTC).strftime(TS_FORMAT)


DIGEST_MODULUS = 1 << 256


def row_digest(row: tuple) -> int:
    """A row's SHA-256 as an integer; sums of them mod 2**256 compare two multisets of rows.

    ``repr`` tells ``'5'`` from ``5``, ``True`` from ``1`` and ``1.0`` from ``1``, so the
    digest is as type-strict as a cell-by-cell comparison.
    """
    return int.from_bytes(hashlib.sha256(repr(row).encode("utf-8", "backslashreplace")).digest(), "big")


def _first_column(row: tuple) -> str:
    return row[0]


def result_json(result: Any) -> str:
    """The stored form of a command's result in ``ledger_requests``."""
    return json.dumps(result, sort_keys=True)


def result_item(topic: str, seq: int, version: int, body: dict, first: dict) -> Optional[dict]:
    """What a command returned for one of its events, from the event and its stream's first body.

    For an account, ``first`` is its opening body with ``floor`` and ``ceiling`` as they were
    just before this event (an account's limits change; its identity never does).
    ``None`` for events that are no command's result item (genesis, expiries, requests).
    """
    kind = RESULT_KIND.get(topic)
    if kind is None:
        return None
    if kind == "transfer":
        fields = ("amount", "code", "credit", "debit", "details", "memo", "reverses", "transfer_id", "unit")
        return {**{f: body[f] for f in fields}, "seq": seq, "type": kind}
    if kind in ("hold", "post", "void"):
        status = HOLD_STATUS.get(topic, "held")
        posted = body["amount"] if topic == HOLD_POSTED else 0
        fields = ("hold_id", "debit", "credit", "amount", "unit", "code", "memo", "details")
        return {
            **{f: first[f] for f in fields},
            "status": status,
            "posted": posted,
            "expires_at": ts_of(first.get("expires_at")),
            "seq": seq,
            "type": kind,
        }
    if kind == "fact":
        return {
            "fact_type": first["fact_type"],
            "subject": first["subject"],
            "version": version,
            "data": body["data"],
            "seq": seq,
            "type": kind,
        }
    if kind == "scheme":
        fields = ("name", "unit", "floor", "ceiling", "issuer", "kind", "step")
        return {**{f: body[f] for f in fields}, "seq": seq, "type": kind}
    floor, ceiling = (body["floor"], body["ceiling"]) if topic == LIMITS_CHANGED else (first["floor"], first["ceiling"])
    return {
        "account": first["account_id"],
        "scheme": first["scheme"],
        "unit": first["unit"],
        "owner": first["owner"],
        "floor": floor,
        "ceiling": ceiling,
        "closed": topic == ACCOUNT_CLOSED,
        "seq": seq,
        "type": kind,
    }


def command_result(command: str, items: list[Optional[dict]], rotation: Optional[dict] = None) -> Any:
    """A command's whole result from its items (in the order the request event lists them)."""
    if command == "rotate_key":
        if rotation is None:
            raise ValueError("a rotate_key request must name its rotation event")
        return {"new_public_key": rotation["new_public_key"], "effective_size": rotation["effective_size"]}
    if command == "batch":
        return {"items": items}
    if not items:
        raise ValueError(f"a {command} request must name its result event")
    return items[0]


#: Fetches ``(seq, topic, body, first_body)`` of the event at (stream, version) when it is no
#: longer among the recent ones (a huge batch); ``None`` if there is no such event.
Fetch = Callable[[str, int], Optional[tuple[int, str, dict, Optional[dict]]]]


class ReadModelReplay:
    """Feed events in chain order (:meth:`feed`); read emitted rows from its return value.

    ``feed`` returns the append-only rows the event adds, as ``(table, row)`` pairs; after the
    last event, :meth:`tables` gives the in-place tables. A body that the ledger could not
    have written raises :class:`ReplayError`.
    """

    def __init__(self, fetch: Optional[Fetch] = None, *, keep_settled: bool = True) -> None:
        #: ``False``: settled holds leave :attr:`holds` and are summed into :attr:`settled_digest`.
        self.keep_settled = keep_settled
        self.settled_digest = 0
        self.settled_count = 0
        self.schemes: dict[str, tuple] = {}
        self.accounts: dict[str, list] = {}
        self.balances: dict[str, list] = {}
        self.holds: dict[str, list] = {}
        #: stream id -> the first body of account, hold and fact streams (results need them).
        self._first: dict[str, dict] = {}
        self._hold_stream: dict[str, str] = {}
        self._recent: OrderedDict[tuple[str, int], tuple[int, str, dict]] = OrderedDict()
        self._fetch = fetch
        #: seq of the first request event (request rows below it are from before requests were chained).
        self.first_request_seq: Optional[int] = None

    # -- feeding -----------------------------------------------------------------------------

    def feed(self, seq: int, topic: str, stream: str, version: int, body: Any) -> list[tuple[str, tuple]]:
        if not isinstance(body, dict):
            raise ReplayError(seq, f"the body of a {topic} event is not a JSON object")
        # The stream's first body as this event found it (a settled hold's is dropped below).
        first = body if version == 1 else self._first.get(stream)
        try:
            out = self._apply(seq, topic, stream, version, body)
        except ReplayError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ReplayError(seq, f"{topic} body cannot be replayed ({type(exc).__name__}: {exc})") from None
        if topic in RESULT_KIND or topic == KEY_ROTATED:
            recent = self._recent
            recent[(stream, version)] = (seq, topic, body, first)
            if len(recent) > RECENT:
                recent.popitem(last=False)
        return out

    def _apply(self, seq: int, topic: str, stream: str, version: int, body: dict) -> list[tuple[str, tuple]]:
        for name in KEY_MEMBERS.get(topic, ()):
            if type(body.get(name)) is not str:
                raise ReplayError(seq, f"{topic} body must have {name!r} as a string")
        if topic == TRANSFER:
            return self._transfer(seq, body)
        if topic == HOLD_PLACED:
            return self._hold_placed(seq, stream, body)
        if topic in HOLD_STATUS:
            return self._hold_settled(seq, topic, stream, body)
        if topic == SCHEME_REGISTERED:
            self.schemes[body["name"]] = (
                body["name"], body["kind"], body["unit"], body["step"], body["floor"], body["ceiling"],
                body["issuer"], seq,
            )
            return []
        if topic == ACCOUNT_OPENED:
            account = body["account_id"]
            if account in self.accounts:
                raise ReplayError(seq, f"account {account!r} is opened twice")
            self.accounts[account] = [
                account, body["scheme"], body["unit"], body["owner"], body["floor"], body["ceiling"], 0, seq,
            ]
            self.balances[account] = [account, body["unit"], 0, 0, 0, 0, seq]
            self._first[stream] = body
            return []
        if topic in (LIMITS_CHANGED, ACCOUNT_CLOSED):
            row = self._account_of(seq, stream)
            if topic == LIMITS_CHANGED:
                row[4], row[5] = body["floor"], body["ceiling"]
                # An account's "first" body carries its limits as of now, for a later close's result.
                self._first[stream] = {**self._first[stream], "floor": body["floor"], "ceiling": body["ceiling"]}
            else:
                row[6] = 1
            return []
        if topic in (FACT_RECORDED, FACT_REVISED):
            if topic == FACT_RECORDED:
                self._first[stream] = body
            first = self._first.get(stream)
            if first is None:
                raise ReplayError(seq, "a fact is revised before it was recorded")
            row = (seq, first["fact_type"], first["subject"], version, details_json(body["data"]))
            return [("ledger_facts", row)]
        if topic == REQUEST_RECORDED:
            return self._request(seq, body)
        return []

    def _account_of(self, seq: int, stream: str) -> list:
        first = self._first.get(stream)
        if first is None:
            raise ReplayError(seq, "an account event comes before the account was opened")
        return self.accounts[first["account_id"]]

    def _post(self, seq: int, kind: str, ref: str, debit: str, credit: str, memo: str, **amounts: int) -> list:
        """Both accounts' posting rows for one event, moving their balances (as the writer does)."""
        posted, pending, released = amounts.get("posted", 0), amounts.get("pending", 0), amounts.get("released", 0)
        rows = []
        for account, counterparty, side in ((debit, credit, 0), (credit, debit, 1)):
            balance = self.balances.get(account)
            if balance is None:
                raise ReplayError(seq, f"a movement names account {account!r}, which was never opened")
            balance[2 + side] += posted
            balance[4 + side] += pending - released
            balance[6] = seq
            sign = 1 if side else -1
            rows.append(
                (
                    "ledger_postings",
                    (account, seq, kind, ref, counterparty, memo, sign * posted, sign * (pending - released),
                     *balance[2:6]),
                )
            )
        return rows

    def _transfer(self, seq: int, body: dict) -> list:
        tid, reverses = body["transfer_id"], body["reverses"]
        rows = self._post(
            seq, "reversal" if reverses else "transfer", tid, body["debit"], body["credit"], body["memo"],
            posted=body["amount"],
        )
        transfer = (
            tid, body["debit"], body["credit"], body["amount"], body["unit"], body["code"], body["memo"],
            details_json(body["details"]), reverses, seq,
        )
        return [*rows, ("ledger_transfers", transfer)]

    def _hold_placed(self, seq: int, stream: str, body: dict) -> list:
        hid = body["hold_id"]
        if hid in self.holds:
            raise ReplayError(seq, f"hold {hid!r} is placed twice")
        self._first[stream] = body
        self._hold_stream[stream] = hid
        self.holds[hid] = [
            hid, body["debit"], body["credit"], body["amount"], body["unit"], body["code"], body["memo"],
            details_json(body["details"]), "held", ts_of(body.get("expires_at")), 0, seq,
        ]
        return self._post(seq, "hold", hid, body["debit"], body["credit"], body["memo"], pending=body["amount"])

    def _hold_settled(self, seq: int, topic: str, stream: str, body: dict) -> list:
        hid = self._hold_stream.get(stream)
        if hid is None:
            raise ReplayError(seq, f"{topic} for a hold that was never placed")
        hold = self.holds[hid]
        if hold[8] != "held":
            raise ReplayError(seq, f"hold {hid!r} is settled again after it was {hold[8]}")
        posted = body["amount"] if topic == HOLD_POSTED else 0
        hold[8], hold[10], hold[11] = HOLD_STATUS[topic], posted, seq
        _, debit, credit, amount, unit, code, memo, details = hold[:8]
        rows = self._post(seq, HOLD_KIND[topic], hid, debit, credit, memo, posted=posted, released=amount)
        if not self.keep_settled:
            # A settled hold never changes again: fold its final row into a digest and forget it,
            # so memory follows the holds still open, not every hold ever placed.
            self.settled_digest = (self.settled_digest + row_digest(tuple(hold))) % DIGEST_MODULUS
            self.settled_count += 1
            del self.holds[hid], self._hold_stream[stream], self._first[stream]
        if topic == HOLD_POSTED:
            row = (f"hold:{hid}", debit, credit, posted, unit, code, memo, details, None, seq)
            rows.append(("ledger_transfers", row))
        return rows

    # -- requests -------------------------------------------------------------------------------

    def _request(self, seq: int, body: dict) -> list:
        if self.first_request_seq is None:
            self.first_request_seq = seq
        items: list[Optional[dict]] = []
        rotation = None
        for ref in body["results"]:
            stream, version = ref
            found = self._event(stream, version)
            if found is None:
                name = body["request_id"]
                raise ReplayError(seq, f"request {name!r} names event {stream} v{version}, not in the chain before it")
            ev_seq, topic, ev_body, first = found
            if ev_seq >= seq:
                name = body["request_id"]
                raise ReplayError(seq, f"request {name!r} names event {stream} v{version}, recorded after it")
            if topic == KEY_ROTATED:
                rotation = ev_body
                continue
            items.append(result_item(topic, ev_seq, version, ev_body, first or {}))
        result = command_result(body["command"], items, rotation)
        return [("ledger_requests", (body["request_id"], body["command"], body["digest"], result_json(result), seq))]

    def _event(self, stream: str, version: int) -> Optional[tuple[int, str, dict, Optional[dict]]]:
        found = self._recent.get((stream, version))
        if found is not None:
            return found
        if self._fetch is None:
            return None
        return self._fetch(stream, version)

    # -- the in-place tables ----------------------------------------------------------------------

    def tables(self) -> dict[str, Iterator[tuple]]:
        """The in-place tables' rows, keyed by their first column, in key order."""
        return {
            "ledger_schemes": iter(sorted(self.schemes.values(), key=_first_column)),
            "ledger_accounts": iter(sorted((tuple(r) for r in self.accounts.values()), key=_first_column)),
            "ledger_balances": iter(sorted((tuple(r) for r in self.balances.values()), key=_first_column)),
            "ledger_holds": iter(sorted((tuple(r) for r in self.holds.values()), key=_first_column)),
        }


__all__ = [
    "COLUMNS",
    "REQUEST_RECORDED",
    "ReadModelReplay",
    "legacy_request",
    "ReplayError",
    "command_result",
    "details_json",
    "result_item",
    "result_json",
    "row_digest",
    "ts_of",
]
