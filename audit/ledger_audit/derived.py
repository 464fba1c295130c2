"""The core derived tables of an export, computed from its leaves and bodies alone (docs/chain-spec.md §8).

One definition of every derived row, shared by the ledger's built-in exporters (which
write ``csv/*.csv`` and ``ledger.sqlite`` from these rows) and by the verifier (which
computes them again and compares): a number in those files that nobody can recompute
from the chain is a bug, and this module is where "recompute" is defined.

:func:`derive` is a pure function of the events ``(seq, leaf, body or None)`` in sequence
order. It streams: ``events`` and ``transfers`` rows come out as the events go in, and
the tables that describe the final state (``schemes``, ``accounts``, ``balances``,
``unit_balances``) come out at the end, each sorted by its key. It keeps one entry per
scheme, per account and per hold still pending, never one per event.

A withheld body (``None``) contributes only what its leaf says: its ``events`` row, with
``body`` NULL. Nothing it holds can appear in any other row, so a public export's
derived files can only say what its published bodies say. Rows that would need a
withheld body are either absent (a transfer) or marked ``complete = 0`` (an account or
a balance); see the spec for the exact rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any, Optional

from .canonical import canonical_bytes
from .chain import MAX_LEAF_BYTES
from .classify import MAX_BODY_BYTES, NULL_BODY
from .errors import ExportError
from .events import (
    ACCOUNT_CLOSED,
    ACCOUNT_OPENED,
    HOLD_EXPIRED,
    HOLD_PLACED,
    HOLD_POSTED,
    HOLD_VOIDED,
    SCHEME_REGISTERED,
)
from .events import ACCOUNT_LIMITS_CHANGED as ACCOUNT_LIMITS
from .events import TRANSFER_RECORDED as TRANSFER
from .export_files import BODIES, LEAVES, LineReader, open_lines

#: Events that move balances: a withheld one makes every balance of the export incomplete.
VALUE_TYPES = frozenset({TRANSFER, HOLD_PLACED, HOLD_POSTED, HOLD_VOIDED, HOLD_EXPIRED})

Row = tuple  # column values in the table's column order: int, str or None


@dataclass(frozen=True)
class Table:
    """One derived table: its columns (name, SQL type), the column that names a row, and where it is written."""

    name: str
    columns: tuple[tuple[str, type], ...]
    key: str  # the primary key: names a row in a failure report
    order: str  # rows are written (and compared) in this column's order
    csv: Optional[str]  # its file, ``csv/<name>.csv``, or None if only ``ledger.sqlite`` holds it

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def key_of(self, row: Row) -> Any:
        return row[self.names.index(self.key)]


TABLES: tuple[Table, ...] = (
    Table("events", (("seq", int), ("ts", str), ("type", str), ("body", str)), "seq", "seq", None),
    Table(
        "schemes",
        (
            ("scheme", str),
            ("kind", str),
            ("unit", str),
            ("step", int),
            ("floor", int),
            ("ceiling", int),
            ("issuer", str),
            ("seq", int),
        ),
        "scheme",
        "scheme",
        None,
    ),
    Table(
        "accounts",
        (
            ("account", str),
            ("scheme", str),
            ("unit", str),
            ("owner", str),
            ("floor", int),
            ("ceiling", int),
            ("closed", int),
            ("seq", int),
            ("complete", int),
        ),
        "account",
        "account",
        "accounts.csv",
    ),
    Table(
        "transfers",
        (
            ("transfer_id", str),
            ("debit", str),
            ("credit", str),
            ("amount", int),
            ("unit", str),
            ("code", str),
            ("memo", str),
            ("details", str),
            ("reverses", str),
            ("seq", int),
        ),
        "transfer_id",
        "seq",
        "transfers.csv",
    ),
    Table(
        "balances",
        (
            ("account", str),
            ("unit", str),
            ("posted", int),
            ("pending_debits", int),
            ("pending_credits", int),
            ("as_of_seq", int),
            ("complete", int),
        ),
        "account",
        "account",
        "balances.csv",
    ),
    Table(
        "unit_balances",
        (("unit", str), ("accounts", int), ("sum_posted", int), ("complete", int)),
        "unit",
        "unit",
        "unit_balances.csv",
    ),
)
TABLE = {t.name: t for t in TABLES}
CSV_FOLDER = "csv"
SQLITE_FILE = "ledger.sqlite"
#: Every file the verifier recomputes when the manifest lists it: no exporter but the core's may write them.
CORE_FILES = (*(f"{CSV_FOLDER}/{t.csv}" for t in TABLES if t.csv), SQLITE_FILE)


def csv_cell(value: Any) -> str:
    """A value as its CSV cell: NULL is the empty cell, an integer its decimal digits, text itself."""
    return "" if value is None else str(value)


# -- reading the events of an export ----------------------------------------------------------


def events_of(leaves: LineReader, bodies: LineReader) -> Iterator[tuple[int, bytes, Optional[bytes]]]:
    """``(seq, leaf, body or None)`` for each line pair, in order, until ``leaves.jsonl`` ends."""
    seq = 0
    while True:
        leaf = leaves.read()
        if leaf is None:
            return
        body = bodies.read()
        if body is None:
            raise ExportError("malformed", seq, f"{BODIES} ends at line {seq}; {LEAVES} goes on")
        if len(leaf) > MAX_LEAF_BYTES or len(body) > MAX_BODY_BYTES:  # LineReader cut it: never guess the rest
            raise ExportError("malformed", seq, "a leaf or body is longer than this reader takes")
        yield seq, leaf, None if body == NULL_BODY else body
        seq += 1


def read_events(directory: Path) -> Iterator[tuple[int, bytes, Optional[bytes]]]:
    """The events of the export in ``directory``, read in bounded memory (the exporters' input)."""
    leaves = open_lines(Path(directory), LEAVES, MAX_LEAF_BYTES, digest=False)
    try:
        bodies = open_lines(Path(directory), BODIES, MAX_BODY_BYTES, digest=False)
        try:
            yield from events_of(leaves, bodies)
        finally:
            bodies.close()
    finally:
        leaves.close()


# -- the derivation -------------------------------------------------------------------------------

_NULL = type(None)
_KINDS = {str: "a string", int: "an integer", dict: "an object", _NULL: "null"}


class _Members:
    """The members the derivation reads from one event type's body, and the types each may have."""

    def __init__(self, *spec: tuple[str, tuple[type, ...]]) -> None:
        self.names = tuple(name for name, _ in spec)
        self.kinds = tuple(kinds for _, kinds in spec)
        self.allowed = frozenset(product(*self.kinds))  # every good combination: one set lookup per body

    def read(self, value: Any, seq: int, etype: str) -> tuple:
        got = tuple(map(value.get, self.names)) if type(value) is dict else None
        if got is not None and tuple(map(type, got)) in self.allowed:
            return got
        if got is None:
            raise ExportError("malformed", seq, f"the body of {etype} is not an object")
        name, kinds = next((n, k) for n, k, v in zip(self.names, self.kinds, got) if type(v) not in k)
        want = " or ".join(_KINDS[k] for k in kinds)
        raise ExportError(
            "malformed", seq, f"the body of {etype} must have {name!r} as {want}: the derived files cannot be computed"
        )


_S, _I, _IN, _SN, _O = (str,), (int,), (int, _NULL), (str, _NULL), (dict,)
_MEMBERS = {
    TRANSFER: _Members(
        ("transfer_id", _S), ("debit", _S), ("credit", _S), ("amount", _I), ("unit", _S), ("code", _S),
        ("memo", _S), ("details", _O), ("reverses", _SN),
    ),
    HOLD_PLACED: _Members(
        ("hold_id", _S), ("debit", _S), ("credit", _S), ("amount", _I), ("unit", _S), ("code", _S), ("memo", _S),
        ("details", _O),
    ),
    HOLD_POSTED: _Members(("amount", _I)),
    HOLD_VOIDED: _Members(),
    HOLD_EXPIRED: _Members(),
    SCHEME_REGISTERED: _Members(
        ("name", _S), ("kind", _S), ("unit", _S), ("step", _I), ("floor", _IN), ("ceiling", _IN), ("issuer", _S)
    ),
    ACCOUNT_OPENED: _Members(
        ("account_id", _S), ("scheme", _S), ("unit", _S), ("owner", _S), ("floor", _IN), ("ceiling", _IN)
    ),
    ACCOUNT_LIMITS: _Members(("floor", _IN), ("ceiling", _IN)),
    ACCOUNT_CLOSED: _Members(),
}
# A canonical leaf's members are in this order, and a quote inside a string is always escaped, so
# this finds the real members; a leaf it does not fit (an escape in the type) is parsed as JSON.
_LEAF = re.compile(rb'"stream":"([^"]*)","ts":"([^"]*)","type":"([^"\\]*)","v":1,"version":')
_decode = json.JSONDecoder().decode


def _details(value: dict) -> str:
    return canonical_bytes(value).decode() if value else "{}"  # most movements carry none


class _Account:
    __slots__ = ("account", "ceiling", "closed", "complete", "floor", "owner", "scheme", "seq", "unit")

    def __init__(self, account: str) -> None:
        # What an account named only by published movements shows: its id, nothing else known.
        self.account = account
        self.scheme = self.unit = self.owner = self.floor = self.ceiling = self.closed = self.seq = None
        self.complete = 0

    def row(self) -> Row:
        return (
            self.account,
            self.scheme,
            self.unit,
            self.owner,
            self.floor,
            self.ceiling,
            self.closed,
            self.seq,
            self.complete,
        )


class Derivation:
    """Replays events into the derived tables; :meth:`feed` per event in order, then :meth:`finish`."""

    def __init__(self) -> None:
        self.schemes: dict[str, Row] = {}
        self.accounts: dict[str, _Account] = {}
        self.account_streams: dict[str, _Account] = {}
        # account -> [unit, debits_posted, credits_posted, debits_pending, credits_pending, last seq]
        self.balances: dict[str, list[Any]] = {}
        # hold stream -> (hold_id, debit, credit, amount, unit, code, memo, details)
        self.holds: dict[str, tuple] = {}
        self.value_withheld = False

    def feed(self, seq: int, leaf: bytes, body: Optional[bytes]) -> list[tuple[str, Row]]:
        """The streamed rows this event gives: its ``events`` row and perhaps a ``transfers`` row."""
        found = _LEAF.search(leaf)
        if found is not None:
            raw_stream, raw_ts, raw_type = found.groups()
            stream, ts, etype = raw_stream.decode(), raw_ts.decode(), raw_type.decode()
        else:
            fields = json.loads(leaf)
            stream, ts, etype = fields["stream"], fields["ts"], fields["type"]
        text = None if body is None else body.decode()
        out: list[tuple[str, Row]] = [("events", (seq, ts, etype, text))]
        members = _MEMBERS.get(etype)
        if members is None:
            return out
        if text is None:
            self._withheld(etype, stream)
            return out
        try:
            value = _decode(text)
        except ValueError:  # the verifier checked it is canonical JSON; the exporter wrote it
            raise ExportError("malformed", seq, f"the body of {etype} is not JSON") from None
        got = members.read(value, seq, etype)
        if etype == TRANSFER:
            tid, debit, credit, amount, unit, code, memo, details, reverses = got
            self._move(seq, debit, credit, unit, posted=amount)
            out.append(("transfers", (tid, debit, credit, amount, unit, code, memo, _details(details), reverses, seq)))
        elif etype == HOLD_PLACED:
            hold = (*got[:7], _details(got[7]))
            self.holds[stream] = hold
            self._move(seq, hold[1], hold[2], hold[4], pending=hold[3])
        elif etype in (HOLD_POSTED, HOLD_VOIDED, HOLD_EXPIRED):
            posted = got[0] if etype == HOLD_POSTED else 0
            hold = self.holds.pop(stream, None)
            if hold is not None:  # else its placement was withheld: nobody knows whose balances it moves
                hold_id, debit, credit, held, unit, code, memo, details = hold
                self._move(seq, debit, credit, unit, posted=posted, pending=-held)
                if etype == HOLD_POSTED:  # what a post moved is a transfer, ``hold:<hold id>``
                    row = (f"hold:{hold_id}", debit, credit, posted, unit, code, memo, details, None, seq)
                    out.append(("transfers", row))
        elif etype == SCHEME_REGISTERED:
            self.schemes[got[0]] = (*got, seq)
        elif etype == ACCOUNT_OPENED:
            account = _Account(got[0])
            account.scheme, account.unit, account.owner, account.floor, account.ceiling = got[1:]
            account.closed, account.seq, account.complete = 0, seq, 1
            self.accounts[account.account] = account
            self.account_streams[stream] = account
            self.balances.setdefault(account.account, [account.unit, 0, 0, 0, 0, None])
        else:
            account = self.account_streams.get(stream)
            if account is not None:  # else its opening was withheld: the change cannot be placed
                if etype == ACCOUNT_LIMITS:
                    account.floor, account.ceiling = got
                else:
                    account.closed = 1
        return out

    def _withheld(self, etype: str, stream: str) -> None:
        if etype in VALUE_TYPES:
            self.value_withheld = True
            if etype == HOLD_PLACED:
                self.holds.pop(stream, None)
        elif etype in (ACCOUNT_LIMITS, ACCOUNT_CLOSED) and stream in self.account_streams:
            self.account_streams[stream].complete = 0  # its limits or closed flag may be other than shown

    def _move(self, seq: int, debit: str, credit: str, unit: str, posted: int = 0, pending: int = 0) -> None:
        """One event's postings, as the ledger's write path makes them: debit side, then credit side."""
        for account, side in ((debit, 0), (credit, 1)):
            balance = self.balances.get(account)
            if balance is None:
                balance = self.balances[account] = [unit, 0, 0, 0, 0, None]
            balance[1 + side] += posted
            balance[3 + side] += pending
            balance[5] = seq

    def finish(self) -> list[tuple[str, Row]]:
        """The final-state tables, each sorted by its key (code point order)."""
        complete = 0 if self.value_withheld else 1
        out: list[tuple[str, Row]] = [("schemes", self.schemes[name]) for name in sorted(self.schemes)]
        # Every account has a balance entry: opened by a published body, or named by a published movement.
        names = sorted(self.balances)
        for name in names:
            out.append(("accounts", (self.accounts.get(name) or _Account(name)).row()))
        units: dict[str, list[int]] = {}
        for name in names:
            unit, dp, cp, dpend, cpend, last = self.balances[name]
            out.append(("balances", (name, unit, cp - dp, dpend, cpend, last, complete)))
            totals = units.setdefault(unit, [0, 0])
            totals[0] += 1
            totals[1] += cp - dp
        out += [("unit_balances", (unit, *units[unit], complete)) for unit in sorted(units)]
        return out


def derive(events: Iterable[tuple[int, bytes, Optional[bytes]]]) -> Iterator[tuple[str, Row]]:
    """Every row of every core derived table: ``(table name, row)``; see the module docstring for the order."""
    derivation = Derivation()
    feed = derivation.feed
    for seq, leaf, body in events:
        yield from feed(seq, leaf, body)
    yield from derivation.finish()
