"""The read side of ``Ledger``: one indexed lookup per answer, never a replay of history."""

from __future__ import annotations

import json
import sqlite3
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Optional, Sequence, Union

from ledger_audit import MAX_SAFE_INTEGER

from . import schemas
from .errors import (
    ChainBroken,
    CheckpointRefused,
    ReadModelDrift,
    UnknownAccount,
    UnknownHold,
    UnknownScheme,
    UnknownTransfer,
    ValidationError,
)
from .results import AccountInfo, Balance, Entry, FactResult, HoldResult, Page, SchemeInfo, TransferResult, VerifyReport
from .store.chain import TS_FORMAT
from .verify import run_walk

try:  # PostgreSQL support is optional (pip install ".[postgres]")
    from psycopg import Error as _PgError

    PG_ERRORS: tuple[type[Exception], ...] = (_PgError,)
except ImportError:  # pragma: no cover - the test suite installs it
    PG_ERRORS = ()

AsOf = Union[int, datetime, str, None]
HOLD_COLUMNS = "hold_id, debit, credit, amount, unit, status, posted, expires_at, seq, code, memo, details"
TRANSFER_COLUMNS = "transfer_id, debit, credit, amount, unit, seq, reverses, code, memo, details"
SCHEME_COLUMNS = "scheme, unit, floor, ceiling, issuer, seq, kind, step"

#: Per unit: the sum of posted and of pending balances, and the number of accounts.
UNIT_TOTALS_SQL = (
    "SELECT unit, SUM(credits_posted - debits_posted), SUM(credits_pending - debits_pending), COUNT(*) "
    "FROM ledger_balances GROUP BY unit ORDER BY unit"
)
#: The chain's size: MAX over the primary key is one index probe; COUNT(*) scans every leaf (7 ms at 10^6).
#: Facts already read while the current command is decided (``Queries.fact``); ``None`` outside.
DECISION_READS: ContextVar[Optional[dict]] = ContextVar("ledger_decision_reads", default=None)
SIZE_SQL = "SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_chain"


def _with_details(row: Sequence[Any]) -> list[Any]:
    """The last column of transfer and hold rows is canonical JSON; give it back as a dict."""
    return [*row[:-1], json.loads(row[-1])]


class Queries:
    _recorder: Any
    ledger_id: str

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._recorder.query(sql, params)

    _scheme_cache: dict[str, SchemeInfo]

    def scheme_info(self, name: str, *, missing_ok: bool = False) -> Optional[SchemeInfo]:
        """A registered scheme (``UnknownScheme`` if none). Schemes never change, so they are cached."""
        cache = self.__dict__.setdefault("_scheme_cache", {})
        if name in cache:
            return cache[name]
        rows = self._rows(f"SELECT {SCHEME_COLUMNS} FROM ledger_schemes WHERE scheme = ?", (name,))
        if not rows:
            if missing_ok:
                return None
            raise UnknownScheme(name)
        cache[name] = SchemeInfo(*rows[0])
        return cache[name]

    def schemes(self) -> list[SchemeInfo]:
        return [SchemeInfo(*r) for r in self._rows(f"SELECT {SCHEME_COLUMNS} FROM ledger_schemes ORDER BY scheme")]

    def account(self, account: str, *, missing_ok: bool = False) -> Optional[AccountInfo]:
        """An account's identity and rules (``UnknownAccount`` if it was never opened)."""
        rows = self._rows(
            "SELECT account, scheme, unit, owner, floor, ceiling, closed, seq FROM ledger_accounts WHERE account = ?",
            (account,),
        )
        if not rows:
            if missing_ok:
                return None
            raise UnknownAccount(account)
        r = rows[0]
        return AccountInfo(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7])

    def accounts(self, scheme: Optional[str] = None) -> list[AccountInfo]:
        sql = "SELECT account, scheme, unit, owner, floor, ceiling, closed, seq FROM ledger_accounts"
        rows = (
            self._rows(sql + " WHERE scheme = ? ORDER BY account", (scheme,))
            if scheme
            else self._rows(sql + " ORDER BY account")
        )
        return [AccountInfo(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in rows]

    def balance(self, account: str, as_of: AsOf = None) -> Balance:
        """The four totals now, or as of a sequence number or an aware datetime.

        A past balance is one lookup in the per-account posting index.
        """
        info = self.account(account)
        if as_of is None:
            r = self._rows(
                "SELECT debits_posted, credits_posted, debits_pending, credits_pending, seq "
                "FROM ledger_balances WHERE account = ?",
                (account,),
            )[0]
            return Balance(account, info.unit, r[0], r[1], r[2], r[3], r[4])
        seq = self.seq_at(as_of)
        rows = self._rows(
            "SELECT debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_postings "
            "WHERE account = ? AND seq <= ? ORDER BY seq DESC LIMIT 1",
            (account, seq),
        )
        totals = tuple(rows[0]) if rows else (0, 0, 0, 0)
        return Balance(account, info.unit, *totals, seq)

    def seq_at(self, as_of: Union[int, datetime, str]) -> int:
        """The last sequence number at or before ``as_of``; -1 if none.

        ``as_of`` is a sequence number or an aware datetime, or either written as a string
        (``"42"``, ``"2026-06-01T12:00:00+00:00"``).
        """
        if isinstance(as_of, str):
            text = as_of.strip()
            try:
                as_of = int(text) if text.lstrip("-").isdigit() else datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(
                    "balance", {"as_of": ["must be a sequence number or an ISO 8601 time."]}
                ) from None
        if isinstance(as_of, bool) or not isinstance(as_of, (int, datetime)):
            raise ValidationError("balance", {"as_of": ["must be a sequence number or an aware datetime."]})
        if isinstance(as_of, int):
            if not -1 <= as_of <= MAX_SAFE_INTEGER:
                rule = f"must be a sequence number from -1 to {MAX_SAFE_INTEGER}."
                raise ValidationError("balance", {"as_of": [rule]})
            return as_of
        if as_of.tzinfo is None:
            raise ValidationError("balance", {"as_of": ["must be timezone-aware."]})
        try:
            ts = as_of.astimezone(UTC).strftime(TS_FORMAT)
        except OverflowError:
            raise ValidationError("balance", {"as_of": ["must be a time within years 1 to 9999 in UTC."]}) from None
        # Leaf times never decrease along the chain (the writer keeps them monotone and
        # verify() refuses a chain where they fall back), so this is a binary search over the
        # primary key: O(log n) point reads instead of a ts index written on every commit.
        # Leaves appended meanwhile lie beyond `high`, with times no earlier than any below.
        low, high = -1, self._rows("SELECT MAX(seq) FROM ledger_chain")[0][0]
        if high is None:
            return -1
        while low < high:
            mid = (low + high + 1) // 2
            if self._rows("SELECT ts FROM ledger_chain WHERE seq = ?", (mid,))[0][0] <= ts:
                low = mid
            else:
                high = mid - 1
        return low

    def history(self, account: str, *, after: Optional[int] = None, limit: int = 50) -> Page:
        """An account's movements in sequence order, ``limit`` at a time.

        Pass the returned ``next`` as ``after`` to read the following page; ``next``
        is ``None`` on the last page.
        """
        args = schemas.load(schemas.HistorySchema, "history", {"account": account, "after": after, "limit": limit})
        after, limit = args["after"], args["limit"]
        self.account(account)
        rows = self._rows(
            "SELECT p.seq, c.ts, p.kind, p.ref, p.counterparty, p.memo, p.posted, p.pending, "
            "p.credits_posted - p.debits_posted FROM ledger_postings p JOIN ledger_chain c ON c.seq = p.seq "
            "WHERE p.account = ? AND p.seq > ? ORDER BY p.seq LIMIT ?",
            (account, -1 if after is None else after, limit + 1),
        )
        entries = [Entry(*r) for r in rows[:limit]]
        return Page(entries, entries[-1].seq if len(rows) > limit else None)

    def hold_info(self, hold_id: str) -> HoldResult:
        """A hold's current state (``UnknownHold`` if there is none)."""
        rows = self._rows(f"SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE hold_id = ?", (hold_id,))
        if not rows:
            raise UnknownHold(hold_id)
        return HoldResult(*_with_details(rows[0]))

    def holds(self, *, status: Optional[str] = None, account: Optional[str] = None) -> list[HoldResult]:
        """Holds by status (held, posted, voided, expired) and/or touching ``account``, oldest first."""
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if account is not None:
            where.append("(debit = ? OR credit = ?)")
            params += [account, account]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(f"SELECT {HOLD_COLUMNS} FROM ledger_holds{clause} ORDER BY rowid", params)
        return [HoldResult(*_with_details(r)) for r in rows]

    def transfer_info(self, transfer_id: str) -> TransferResult:
        """A recorded transfer or reversal (``UnknownTransfer`` if there is none)."""
        rows = self._rows(f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE transfer_id = ?", (transfer_id,))
        if not rows:
            raise UnknownTransfer(transfer_id)
        return TransferResult(*_with_details(rows[0]))

    def transfers(
        self,
        *,
        account: Optional[str] = None,
        scheme: Optional[str] = None,
        code: Optional[str] = None,
        after: Optional[int] = None,
        until: Optional[int] = None,
        limit: int = 1000,
    ) -> list[TransferResult]:
        """Transfers (and reversals) in sequence order, filtered by account (either side),
        scheme (of the debit account), code, and a seq window ``after < seq <= until``."""
        for name, value, low in (("limit", limit, 1), ("after", after, -1), ("until", until, -1)):
            if name == "limit" and value is None:
                raise ValidationError("transfers", {"limit": ["must be an integer of at least 1."]})
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_SAFE_INTEGER
            ):
                raise ValidationError("transfers", {name: [f"must be an integer from {low} to {MAX_SAFE_INTEGER}."]})
        where, params = ["t.seq > ?"], [-1 if after is None else after]
        if until is not None:
            where.append("t.seq <= ?")
            params.append(until)
        source, order = "ledger_transfers t", "t.seq"
        if account is not None:
            # Every transfer posts to both its accounts at its own seq, so the posting key
            # (account, seq) walks an account's transfers in order, with no indexes on debit
            # and credit to write on every commit.
            source, order = "ledger_postings p JOIN ledger_transfers t ON t.seq = p.seq", "p.seq"
            where.append("p.account = ? AND p.seq > ? AND (t.debit = ? OR t.credit = ?)")
            params += [account, -1 if after is None else after, account, account]
        if code is not None:
            where.append("t.code = ?")
            params.append(code)
        if scheme is not None:
            where.append("t.debit IN (SELECT account FROM ledger_accounts WHERE scheme = ?)")
            params.append(scheme)
        columns = ", ".join(f"t.{c.strip()}" for c in TRANSFER_COLUMNS.split(","))
        sql = f"SELECT {columns} FROM {source} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
        return [TransferResult(*_with_details(r)) for r in self._rows(sql, [*params, limit])]

    def fact(self, fact_type: str, subject: str) -> Optional[FactResult]:
        """The latest fact of ``(fact_type, subject)``, or ``None`` if none was recorded.

        While a command is being decided, a fact read once is not read again: a plugin
        checking each item of a batch of 1,000 against the same fund reads it once. The
        answer is the one committed state the decision started from; a fact written since
        is caught where it matters, when the write finds the series moved (``StaleRead``).
        """
        reads = DECISION_READS.get()
        key = (id(self), fact_type, subject)
        if reads is not None and key in reads:
            rows = reads[key]
        else:
            rows = self._rows(
                "SELECT fact_type, subject, version, data, seq FROM ledger_facts "
                "WHERE fact_type = ? AND subject = ? ORDER BY seq DESC LIMIT 1",
                (fact_type, subject),
            )
            if reads is not None:
                reads[key] = rows
        # Parsed on every call, so a caller changing its copy of the data changes no one else's.
        return FactResult(rows[0][0], rows[0][1], rows[0][2], json.loads(rows[0][3]), rows[0][4]) if rows else None

    def facts(self, fact_type: str, subject: Optional[str] = None) -> list[FactResult]:
        """Every fact of a type (optionally of one subject), oldest first."""
        sql = "SELECT fact_type, subject, version, data, seq FROM ledger_facts WHERE fact_type = ?"
        params: list[Any] = [fact_type]
        if subject is not None:
            sql += " AND subject = ?"
            params.append(subject)
        rows = self._rows(sql + " ORDER BY seq", params)
        return [FactResult(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def seq_time(self, seq: int) -> Optional[str]:
        """The chain timestamp of a sequence number (``None`` if there is no such event)."""
        rows = self._rows("SELECT ts FROM ledger_chain WHERE seq = ?", (seq,))
        return rows[0][0] if rows else None

    def unit_totals(self) -> dict[str, dict[str, int]]:
        """Per unit, the sum of posted and of pending balances: both are 0 in a sound ledger."""
        rows = self._rows(UNIT_TOTALS_SQL)
        return {r[0]: {"posted": r[1], "pending": r[2], "accounts": r[3]} for r in rows}

    def size(self) -> int:
        """How many events the chain holds (the next sequence number)."""
        return self._rows(SIZE_SQL)[0][0]

    def verify(self, *, raise_on_error: bool = False) -> VerifyReport:
        """Check the chain, what was signed, and every read model against the chain's bodies.

        One read snapshot, one pass (``ledger/verify.py``): every leaf hash recomputed from the
        stored rows; the Merkle nodes; each stored checkpoint and the signer's memory (a chain
        shorter than something it signed fails); every read-model table rebuilt from the
        bodies alone and compared cell by cell (``differences``). ``raise_on_error`` raises
        ``ChainBroken`` for a broken chain or signature state and ``ReadModelDrift`` for the
        first differing cell.
        """
        return self._verify_walk(raise_on_error)[0]

    def _verify_walk(self, raise_on_error: bool = False) -> tuple[VerifyReport, Any]:
        """``verify()`` and the walk it made (``None`` if the database could not be read)."""
        try:
            memory = self.signer.last()  # type: ignore[attr-defined]
            memory_problem = None
        except CheckpointRefused as exc:
            memory, memory_problem = None, exc.reason
        walk = None
        try:
            with self._recorder.snapshot() as snap:
                recorder = self._recorder
                walk = run_walk(snap, recorder.event_id, recorder.dialect, memory, self.ledger_id)
        except (sqlite3.DatabaseError, *PG_ERRORS) as exc:  # a damaged page or a cell the driver cannot read
            return self._failed(raise_on_error, None, f"the database cannot be read ({exc})", 0, ""), None
        size, head = walk.verifier.size, walk.verifier.head
        if walk.chain_error is not None:
            return self._failed(raise_on_error, walk.chain_error.seq, walk.chain_error.reason, size, head), walk
        if memory_problem is not None:
            return self._failed(raise_on_error, size, memory_problem, size, head), walk
        for problem in (walk.signed_problem, walk.replay_problem):
            if problem is not None:
                return self._failed(raise_on_error, problem[0], problem[1], size, head), walk
        if walk.diffs.count:
            first = walk.diffs.listed[0]
            if raise_on_error:
                raise ReadModelDrift(first.table, first.key, first.column, first.expected, first.found)
            reason = f"{walk.diffs.count} read-model cell(s) differ from the chain; first: {first}"
            return VerifyReport(False, size, head, None, reason, tuple(walk.diffs.listed), walk.diffs.count), walk
        return VerifyReport(True, size, head, root=walk.tree.root().hex()), walk

    @staticmethod
    def _failed(raise_on_error: bool, seq: Optional[int], reason: str, size: int, head: str) -> VerifyReport:
        if raise_on_error:
            raise ChainBroken(seq if seq is not None else size, reason)
        return VerifyReport(False, size, head, seq, reason)
