"""Read-model rows that commit in the same transaction as the events they derive from.

A command hands the recorder one ``WriteSet`` through ``Application.save(...,
writeset=ws)``. After the events and their leaves are inserted, the recorder calls
``ws.apply(cursor, chained_rows)``: balances move, limits are checked against the
rows just updated (the writer is serialised, so check and write cannot interleave
with another writer), postings get the sequence number of the event that caused
them, and the request id is recorded. Any error raised here rolls the whole save
back: events, leaves and read models together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence
from uuid import UUID

from ledger_audit.readmodels import result_json

from ..errors import (
    AccountClosed,
    AccountNotEmpty,
    InsufficientFunds,
    LimitExceeded,
    ReadModelDrift,
    UnknownAccount,
)
from .chain import ChainedRow
from .es_adapter import persistence as es

EventKey = tuple[UUID, int]

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ledger_chain (
        seq INTEGER PRIMARY KEY,
        notification_id INTEGER NOT NULL UNIQUE,
        ts TEXT NOT NULL,
        leaf BLOB NOT NULL,
        hash BLOB NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_tree (
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, idx)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS ledger_checkpoints (
        size INTEGER PRIMARY KEY,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        signed_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_personal (
        seq INTEGER PRIMARY KEY)""",
    """CREATE TABLE IF NOT EXISTS ledger_requests (
        request_id TEXT PRIMARY KEY,
        command TEXT NOT NULL,
        digest TEXT NOT NULL,
        result TEXT NOT NULL,
        seq INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_schemes (
        scheme TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        unit TEXT NOT NULL,
        step INTEGER NOT NULL,
        floor INTEGER,
        ceiling INTEGER,
        issuer TEXT NOT NULL,
        seq INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_accounts (
        account TEXT PRIMARY KEY,
        scheme TEXT NOT NULL,
        unit TEXT NOT NULL,
        owner TEXT NOT NULL,
        floor INTEGER,
        ceiling INTEGER,
        closed INTEGER NOT NULL DEFAULT 0,
        seq INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_balances (
        account TEXT PRIMARY KEY,
        unit TEXT NOT NULL,
        debits_posted INTEGER NOT NULL DEFAULT 0,
        credits_posted INTEGER NOT NULL DEFAULT 0,
        debits_pending INTEGER NOT NULL DEFAULT 0,
        credits_pending INTEGER NOT NULL DEFAULT 0,
        seq INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ledger_balances_unit ON ledger_balances (unit)",
    """CREATE TABLE IF NOT EXISTS ledger_postings (
        account TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        counterparty TEXT NOT NULL,
        memo TEXT NOT NULL,
        posted INTEGER NOT NULL,
        pending INTEGER NOT NULL,
        debits_posted INTEGER NOT NULL,
        credits_posted INTEGER NOT NULL,
        debits_pending INTEGER NOT NULL,
        credits_pending INTEGER NOT NULL,
        PRIMARY KEY (account, seq)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS ledger_transfers (
        transfer_id TEXT NOT NULL UNIQUE,
        debit TEXT NOT NULL,
        credit TEXT NOT NULL,
        amount INTEGER NOT NULL,
        unit TEXT NOT NULL,
        code TEXT NOT NULL,
        memo TEXT NOT NULL,
        details TEXT NOT NULL,
        reverses TEXT,
        seq INTEGER PRIMARY KEY)""",
    """CREATE TABLE IF NOT EXISTS ledger_holds (
        hold_id TEXT PRIMARY KEY,
        debit TEXT NOT NULL,
        credit TEXT NOT NULL,
        amount INTEGER NOT NULL,
        unit TEXT NOT NULL,
        code TEXT NOT NULL,
        memo TEXT NOT NULL,
        details TEXT NOT NULL,
        status TEXT NOT NULL,
        expires_at TEXT,
        posted INTEGER NOT NULL DEFAULT 0,
        seq INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ledger_holds_due ON ledger_holds (status, expires_at)",
    """CREATE TABLE IF NOT EXISTS ledger_facts (
        seq INTEGER PRIMARY KEY,
        fact_type TEXT NOT NULL,
        subject TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ledger_facts_subject ON ledger_facts (fact_type, subject, seq)",
]

APPEND_ONLY_TABLES = ("ledger_chain", "ledger_tree", "ledger_checkpoints", "ledger_requests")


BALANCE_COLUMNS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


def _check_balance_row(row: Sequence[Any]) -> None:
    """Refuse to move a balance whose row disagrees with the posting it was last moved by."""
    account, totals, seq, opened, last, latest = row[0], row[5:9], row[9], row[10], row[11:15], row[15]
    # The row must name the account's latest posting (a balance rewound to an earlier posting's
    # totals would otherwise pass), or its opening if it has none.
    if seq != (opened if latest is None else latest):
        raise ReadModelDrift("ledger_balances", account, "seq", opened if latest is None else latest, seq)
    if last[0] is None:
        expected = (0, 0, 0, 0)
    else:
        expected = tuple(last)
    for name, want, found in zip(BALANCE_COLUMNS, expected, totals):
        if type(found) is not int or found != want:
            raise ReadModelDrift("ledger_balances", account, name, want, found)


@dataclass(frozen=True)
class Posting:
    """One account's balance movement caused by one event.

    Deltas are non-negative except where a pending amount is released
    (``debits_pending``/``credits_pending`` may be negative).
    """

    event: EventKey
    account: str
    kind: str
    ref: str
    counterparty: str
    memo: str = ""
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0


@dataclass(frozen=True)
class RequestRecord:
    """A request id to record with the result it answers: the command's (``item`` ``None``)
    or one batch item's (its index in the result's ``items``)."""

    request_id: str
    command: str
    digest: str
    event: EventKey
    item: Optional[int] = None


class RequestIdTaken(Exception):
    """Internal signal: another writer recorded this request id first; look it up again."""


@dataclass
class WriteSet:
    """Everything a command adds to the read models, keyed to its events."""

    postings: list[Posting] = field(default_factory=list)
    schemes: list[tuple[EventKey, tuple]] = field(default_factory=list)
    accounts: list[tuple[EventKey, tuple]] = field(default_factory=list)
    account_updates: list[tuple[str, Optional[int], Optional[int], int]] = field(default_factory=list)
    transfers: list[tuple[EventKey, tuple]] = field(default_factory=list)
    holds: list[tuple[EventKey, tuple]] = field(default_factory=list)
    hold_updates: list[tuple[EventKey, str, str, int]] = field(default_factory=list)
    facts: list[tuple[EventKey, tuple]] = field(default_factory=list)
    #: Events whose body depends on the sequence number they will get (a key rotation
    #: signs its effective size): if another writer got there first, the save must be
    #: decided again, so a mismatch raises the same conflict a stream race does.
    expected_seqs: dict[EventKey, int] = field(default_factory=dict)
    personal: list[EventKey] = field(default_factory=list)
    must_be_empty: list[str] = field(default_factory=list)
    #: Called with the cursor after every row is written: the plugins' in-transaction checks.
    checks: list[Callable[[Any], None]] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    #: The events the result is made from, in result order (a request event names them).
    result_refs: list[EventKey] = field(default_factory=list)
    #: Builds the command's result once sequence numbers are known (inside the transaction,
    #: so a request id's stored result is exactly what the first caller got back).
    finish: Optional[Callable[[dict[EventKey, int]], dict[str, Any]]] = None
    result: Optional[dict[str, Any]] = None
    last_seq: Optional[int] = None

    def apply(self, c: Any, rows: Sequence[ChainedRow]) -> None:
        seqs = {(r.originator_id, r.originator_version): r.seq for r in rows}
        for key, expected in self.expected_seqs.items():
            if seqs[key] != expected:
                raise es.IntegrityError(f"event planned for seq {expected} would get seq {seqs[key]}")
        self.last_seq = rows[-1].seq
        if self.personal:
            c.executemany("INSERT INTO ledger_personal VALUES (?)", [(seqs[k],) for k in self.personal])
        self.result = self.finish(seqs) if self.finish is not None else {"seq": self.last_seq}
        for request in self.requests:
            self._record_request(c, request, seqs[request.event])
        for account in self.must_be_empty:
            self._check_empty(c, account)
        for key, values in self.schemes:
            c.execute("INSERT INTO ledger_schemes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*values, seqs[key]))
        for key, (account, scheme, unit, owner, floor, ceiling) in self.accounts:
            c.execute(
                "INSERT INTO ledger_accounts VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (account, scheme, unit, owner, floor, ceiling, seqs[key]),
            )
            c.execute("INSERT INTO ledger_balances (account, unit, seq) VALUES (?, ?, ?)", (account, unit, seqs[key]))
        for account, floor, ceiling, closed in self.account_updates:
            c.execute(
                "UPDATE ledger_accounts SET floor = ?, ceiling = ?, closed = ? WHERE account = ?",
                (floor, ceiling, closed, account),
            )
        if self.transfers:
            c.executemany(
                "INSERT INTO ledger_transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*values, seqs[key]) for key, values in self.transfers],
            )
        if self.holds:
            c.executemany(
                "INSERT INTO ledger_holds VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, 0, ?)",
                [(*values, seqs[key]) for key, values in self.holds],
            )
        if self.facts:
            c.executemany("INSERT INTO ledger_facts VALUES (?, ?, ?, ?, ?)", [(seqs[k], *v) for k, v in self.facts])
        for key, hold_id, status, posted in self.hold_updates:
            c.execute(
                "UPDATE ledger_holds SET status = ?, posted = ?, seq = ? WHERE hold_id = ?",
                (status, posted, seqs[key], hold_id),
            )
        if self.postings:
            self._post_all(c, seqs)
        for check in self.checks:
            check(c)

    def _record_request(self, c: Any, req: RequestRecord, seq: int) -> None:
        c.execute("SELECT 1 FROM ledger_requests WHERE request_id = ?", (req.request_id,))
        if c.fetchone() is not None:
            raise RequestIdTaken(req.request_id)
        result = self.result if req.item is None else self.result["items"][req.item]  # type: ignore[index]
        c.execute(
            "INSERT INTO ledger_requests VALUES (?, ?, ?, ?, ?)",
            (req.request_id, req.command, req.digest, result_json(result), seq),
        )

    @staticmethod
    def _check_empty(c: Any, account: str) -> None:
        c.execute(
            "SELECT credits_posted - debits_posted, debits_pending + credits_pending "
            "FROM ledger_balances WHERE account = ?",
            (account,),
        )
        balance, pending = c.fetchone()
        if balance or pending:
            raise AccountNotEmpty(account, balance, pending)

    #: Accounts read per statement when postings load their rules and balances (well under
    #: SQLite's bound-parameter limit).
    READ_CHUNK = 500

    def _post_all(self, c: Any, seqs: dict[EventKey, int]) -> None:
        """Move every balance, in posting order, checking limits after each posting.

        One read of the touched accounts' rules and balances (the writer is serialised, so
        nothing else moves them before the commit), the arithmetic and the limit checks in
        Python, then one ``executemany`` for the balance rows and one for the posting rows:
        a batch of 1,000 transfers costs a handful of statements instead of 4,000.
        """
        accounts = list(dict.fromkeys(p.account for p in self.postings))
        state: dict[str, tuple[tuple, list[int]]] = {}
        for i in range(0, len(accounts), self.READ_CHUNK):
            chunk = accounts[i : i + self.READ_CHUNK]
            # Each balance row is read with the posting row it says it was last moved by (or the
            # account's opening, if none): a balance edited outside the ledger no longer matches
            # that posting's running totals, and no limit is checked against it.
            c.execute(
                "SELECT a.account, a.unit, a.floor, a.ceiling, a.closed, b.debits_posted, b.credits_posted, "
                "b.debits_pending, b.credits_pending, b.seq, a.seq, p.debits_posted, p.credits_posted, "
                "p.debits_pending, p.credits_pending, "
                "(SELECT MAX(q.seq) FROM ledger_postings q WHERE q.account = a.account) FROM ledger_accounts a "
                "JOIN ledger_balances b ON b.account = a.account "
                "LEFT JOIN ledger_postings p ON p.account = b.account AND p.seq = b.seq "
                f"WHERE a.account IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for row in c.fetchall():
                _check_balance_row(row)
                state[row[0]] = (tuple(row[1:5]), list(row[5:9]))
        rows = []
        last_seq: dict[str, int] = {}
        for p in self.postings:
            found = state.get(p.account)
            if found is None:
                raise UnknownAccount(p.account)
            (unit, floor, ceiling, closed), totals = found
            if closed:
                raise AccountClosed(p.account)
            seq = seqs[p.event]
            totals[0] += p.debits_posted
            totals[1] += p.credits_posted
            totals[2] += p.debits_pending
            totals[3] += p.credits_pending
            dp, cp, dpend, cpend = totals
            # Only a movement that makes an account worse is checked against its limits, so
            # posting or voiding a hold never fails because a limit was tightened after it.
            available = cp - dp - dpend
            if floor is not None and p.debits_posted + p.debits_pending - p.credits_posted > 0 and available < floor:
                error = InsufficientFunds if floor == 0 else LimitExceeded
                raise error(p.account, unit, "floor", floor, floor - available)
            potential = cp + cpend - dp
            if (
                ceiling is not None
                and p.credits_posted + p.credits_pending - p.debits_posted > 0
                and potential > ceiling
            ):
                raise LimitExceeded(p.account, unit, "ceiling", ceiling, potential - ceiling)
            last_seq[p.account] = seq
            rows.append(
                (
                    p.account,
                    seq,
                    p.kind,
                    p.ref,
                    p.counterparty,
                    p.memo,
                    p.credits_posted - p.debits_posted,
                    p.credits_pending - p.debits_pending,
                    dp,
                    cp,
                    dpend,
                    cpend,
                )
            )
        c.executemany(
            "UPDATE ledger_balances SET debits_posted = ?, credits_posted = ?, debits_pending = ?, "
            "credits_pending = ?, seq = ? WHERE account = ?",
            [(*state[account][1], seq, account) for account, seq in last_seq.items()],
        )
        c.executemany("INSERT INTO ledger_postings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
