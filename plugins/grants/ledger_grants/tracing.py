"""Donation tracing: which incoming money paid for which expense, by a documented FIFO rule.

The rule (docs/grants-exports.md, "Tracing"). Money is traced through *pools*: accounts that
are funds (``grants.fund.v1``) or conduits (``grants.conduit.v1``, e.g. a crowdfund campaign's
escrow whose payout lands in a fund). In each pool, line up the cents that came in (every
transfer credited to it, posted holds and reversals included, in chain order) and the cents
that went out (every transfer debited from it, in chain order). The n-th cent out was paid by
the n-th cent in: first in, first out. A pool never below zero spends only cents that have
already arrived, so the rule never links an expense to later money; a pool that is allowed
below zero links the deficit to the next money in, and what no money in covers is *unfunded*.

Every cent is matched to exactly one cent, so shares are exact integers with no rounding: the
shares of an expense add up to it exactly (plus ``unfunded``) and the uses of a donation add up
to it exactly (plus what is still ``unspent`` in a pool). A use whose receiver is itself a pool
(a campaign payout into a fund, a transfer between funds) is followed into that pool, cent
range by cent range, until the money leaves the pools: an expense, a fee, a return.

Corrections: a reversed movement and its reversal (``Ledger.reverse``, ``Grants.correct``, a
crowdfund refund) are both left out of the lines, so a trace reads as if the erroneous movement
had never been recorded; tracing either of them is ``NotTraceable``. Consequence: money spent
between a reversed incoming movement and its reversal is linked to the next money in instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from ledger import Ledger, TransferResult, UnknownTransfer

from .errors import NotTraceable
from .facts import read_conduit, read_fund
from .history import account_transfers, cancelled

MAX_DEPTH = 64  # pools nested deeper than this end the trace there (cycles need FIFO's causality)


@dataclass(frozen=True)
class Share:
    """``amount`` cents of a traced movement linked to ``transfer_id`` (a use or a source)."""

    transfer_id: str
    debit: str
    credit: str
    amount: int
    code: str
    details: dict[str, Any]
    via: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"transfer_id": self.transfer_id, "debit": self.debit, "credit": self.credit, "amount": self.amount,
                "code": self.code, "grant": self.details.get("grant"), "line": self.details.get("line"),
                "via": list(self.via)}


@dataclass(frozen=True)
class DonationTrace:
    """Where an incoming movement's money went: ``uses`` + ``unspent`` add up to ``amount``."""

    transfer_id: str
    donor: str
    fund: str
    amount: int
    uses: list[Share]
    unspent: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"transfer_id": self.transfer_id, "donor": self.donor, "fund": self.fund, "amount": self.amount,
                "uses": [u.to_dict() for u in self.uses], "unspent": dict(self.unspent)}


@dataclass(frozen=True)
class ExpenseTrace:
    """What paid for an outgoing movement: ``sources`` + ``unfunded`` add up to ``amount``."""

    transfer_id: str
    fund: str
    payee: str
    amount: int
    sources: list[Share]
    unfunded: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"transfer_id": self.transfer_id, "fund": self.fund, "payee": self.payee, "amount": self.amount,
                "sources": [s.to_dict() for s in self.sources], "unfunded": self.unfunded}


@dataclass
class _Pool:
    ins: list[tuple[int, TransferResult]]  # (offset of its first cent, transfer), corrections left out
    outs: list[tuple[int, TransferResult]]
    total_in: int
    total_out: int
    offsets: dict[str, int] = field(default_factory=dict)  # transfer id -> offset, for ins and outs


class Tracer:
    """FIFO tracing over one ledger, reading each pool's transfers once."""

    def __init__(self, ledger: Ledger, until: Optional[int] = None) -> None:
        self.ledger = ledger
        self.until = until
        self._pools: dict[str, Optional[_Pool]] = {}

    def is_pool(self, account: str) -> bool:
        return read_fund(self.ledger, account) is not None or read_conduit(self.ledger, account) is not None

    def pool(self, account: str) -> Optional[_Pool]:
        if account not in self._pools:
            self._pools[account] = self._load(account) if self.is_pool(account) else None
        return self._pools[account]

    def _load(self, account: str) -> _Pool:
        transfers = account_transfers(self.ledger, account, self.until)
        dead = cancelled(transfers)
        pool = _Pool([], [], 0, 0)
        for t in transfers:
            if t.transfer_id in dead:
                continue
            if t.credit == account:
                pool.offsets[t.transfer_id] = pool.total_in
                pool.ins.append((pool.total_in, t))
                pool.total_in += t.amount
            else:
                pool.offsets[t.transfer_id] = pool.total_out
                pool.outs.append((pool.total_out, t))
                pool.total_out += t.amount
        return pool

    def _live(self, t: TransferResult, pool: _Pool) -> None:
        if t.transfer_id in pool.offsets:
            return
        why = (f"it is the reversal of {t.reverses!r}" if t.reverses is not None
               else f"it was reversed by {t.transfer_id + ':reversal'!r}")
        raise NotTraceable(t.transfer_id, f"{why}; a correction and what it corrects are left out of every trace")

    def _transfer(self, transfer_id: str) -> TransferResult:
        try:
            found = self.ledger.transfer_info(transfer_id)
        except UnknownTransfer:
            raise NotTraceable(transfer_id, "there is no such transfer") from None
        if self.until is not None and found.seq > self.until:
            raise NotTraceable(transfer_id, "it is after the traced checkpoint")
        return found

    # -- forward: a donation to its uses -------------------------------------------------------

    def donation(self, transfer_id: str) -> DonationTrace:
        """Where ``transfer_id`` (a donation, a tranche, a pledge) went, cent by cent."""
        t = self._transfer(transfer_id)
        pool = self.pool(t.credit)
        if pool is None:
            raise NotTraceable(transfer_id, f"its receiver {t.credit!r} is not a fund or a conduit")
        self._live(t, pool)
        shares, unspent = self._collect(self._forward(t, 0, t.amount, [], 0), "unspent")
        return DonationTrace(t.transfer_id, t.debit, t.credit, t.amount, shares, unspent)

    @staticmethod
    def _collect(walk: Iterator[tuple[Any, ...]], leftover: str) -> tuple[list[Share], dict[str, int]]:
        """One share per transfer reached (in chain order), and the leftover amounts by account."""
        reached: dict[str, list[Any]] = {}
        left: dict[str, int] = {}
        for kind, ref, amount, via in walk:
            if kind == leftover:
                left[ref] = left.get(ref, 0) + amount
            else:
                entry = reached.setdefault(ref.transfer_id, [ref, 0, via])
                entry[1] += amount
        shares = [Share(r.transfer_id, r.debit, r.credit, n, r.code, r.details, via)
                  for r, n, via in sorted(reached.values(), key=lambda e: e[0].seq)]
        return shares, left

    def _forward(self, t: TransferResult, lo: int, hi: int, via: list[str], depth: int) -> Iterator[tuple[Any, ...]]:
        pool = self.pool(t.credit)
        if pool is None or depth > MAX_DEPTH:
            yield ("use", t, hi - lo, via)
            return
        start = pool.offsets[t.transfer_id]
        a, b = start + lo, start + hi
        path = [*via, t.credit]
        for offset, use in pool.outs:
            if offset >= b:
                break
            x, y = max(a, offset), min(b, offset + use.amount)
            if x < y:
                yield from self._forward(use, x - offset, y - offset, path, depth + 1)
        if b > pool.total_out:
            yield ("unspent", t.credit, b - max(a, pool.total_out), path)

    # -- backward: an expense to its sources ---------------------------------------------------

    def expense(self, transfer_id: str) -> ExpenseTrace:
        """What paid for ``transfer_id`` (an expense, a fee, a return), cent by cent."""
        t = self._transfer(transfer_id)
        pool = self.pool(t.debit)
        if pool is None:
            raise NotTraceable(transfer_id, f"its payer {t.debit!r} is not a fund or a conduit")
        self._live(t, pool)
        shares, unfunded = self._collect(self._backward(t, 0, t.amount, [], 0), "unfunded")
        return ExpenseTrace(t.transfer_id, t.debit, t.credit, t.amount, shares, sum(unfunded.values()))

    def _backward(self, t: TransferResult, lo: int, hi: int, via: list[str], depth: int) -> Iterator[tuple[Any, ...]]:
        pool = self.pool(t.debit)
        if pool is None or depth > MAX_DEPTH:
            yield ("source", t, hi - lo, via)
            return
        start = pool.offsets[t.transfer_id]
        a, b = start + lo, start + hi
        path = [t.debit, *via]
        for offset, source in pool.ins:
            if offset >= b:
                break
            x, y = max(a, offset), min(b, offset + source.amount)
            if x < y:
                yield from self._backward(source, x - offset, y - offset, path, depth + 1)
        if b > pool.total_in:
            yield ("unfunded", t.debit, b - max(a, pool.total_in), path)


def trace_donation(ledger: Ledger, transfer_id: str) -> DonationTrace:
    return Tracer(ledger).donation(transfer_id)


def trace_expense(ledger: Ledger, transfer_id: str) -> ExpenseTrace:
    return Tracer(ledger).expense(transfer_id)


__all__ = ["DonationTrace", "ExpenseTrace", "Share", "Tracer", "trace_donation", "trace_expense"]
