"""Statements: what a member earned, spent, gave and received, and what a bank exchanged.

Read only through the ledger's public queries: ``transfers(...)`` page by page with ``after=``,
confirmed exchanges from ``holds(status="posted")`` (a posted hold is not a transfer), and a
period ``(since, until]`` turned into a sequence window with ``seq_at``. Pending holds never
count. A reversal counts against the bucket of the movement it undoes, with that movement's
category, so a reversed exchange nets to nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Optional

from ledger import Ledger, Record, UnknownAccount, ValidationError

from .names import CODES, DONATION, EXCHANGE, GRANT, REDEMPTION, account_of

PAGE = 1000


@dataclass(frozen=True)
class Movement:
    """One posted movement of a bank seen from its payer and payee; ``minutes`` and ``count`` are
    negative for a reversal, whose ``details`` are the original's."""

    seq: int
    code: str
    payer: str
    payee: str
    minutes: int
    details: Mapping[str, Any]

    @property
    def count(self) -> int:
        return 1 if self.minutes > 0 else -1


@dataclass(frozen=True)
class MemberStatement(Record):
    """A member's (or the organisation's) posted movements in a period, by kind, in minutes.

    Over the whole history the in-columns minus the out-columns equal ``balance``; for a period,
    ``balance`` is the posted balance at its end.
    """

    bank: str
    member: str
    account: str
    since: Optional[str]
    until: Optional[str]
    exchanges: int
    earned_by_exchanges: int
    spent_on_exchanges: int
    received_as_grants: int
    paid_as_grants: int
    donated: int
    received_donations: int
    spent_on_redemptions: int
    received_for_redemptions: int
    balance: int


@dataclass(frozen=True)
class CategoryTotal(Record):
    category: str
    minutes: int
    exchanges: int


@dataclass(frozen=True)
class BankStatement(Record):
    """A bank's posted activity in a period. ``hours_exchanged`` is ``minutes_exchanged`` as
    ``H:MM`` (a string: no floats in anything we publish); ``active_members`` counts members in
    at least one exchange of the period."""

    bank: str
    since: Optional[str]
    until: Optional[str]
    minutes_exchanged: int
    hours_exchanged: str
    exchanges: int
    active_members: int
    granted: int
    donated: int
    redeemed: int
    categories: list[CategoryTotal] = field(default_factory=list)


def hours(minutes: int) -> str:
    """``90`` -> ``"1:30"``."""
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"


def window(ledger: Ledger, since: Optional[datetime], until: Optional[datetime]) -> tuple[Optional[int], Optional[int]]:
    """``(after, until)`` sequence numbers for the period ``(since, until]``; ``None`` = open."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValidationError("statement", {name: ["must be a timezone-aware datetime."]})
    return (
        ledger.seq_at(since) if since is not None else None,
        ledger.seq_at(until) if until is not None else None,
    )


def movements(
    ledger: Ledger,
    bank: str,
    *,
    account: Optional[str] = None,
    after: Optional[int] = None,
    until: Optional[int] = None,
) -> list[Movement]:
    """The bank's posted movements (or one account's) with ``after < seq <= until``, in seq order."""
    found: list[Movement] = []
    cursor = after
    while True:
        scheme = None if account else bank
        page = ledger.transfers(account=account, scheme=scheme, after=cursor, until=until, limit=PAGE)
        found += [_from_transfer(ledger, t) for t in page if t.code in CODES]
        if len(page) < PAGE:
            break
        cursor = page[-1].seq
    # Confirmed exchanges are posted holds, which transfers() lists as "hold:<id>" at the
    # seq of their posting, when the minutes moved.
    return found


def _from_transfer(ledger: Ledger, transfer: Any) -> Movement:
    if transfer.reverses is None:
        return Movement(transfer.seq, transfer.code, transfer.debit, transfer.credit, transfer.amount, transfer.details)
    # A reversal pays the original payer back, with the original's code and details: it
    # nets against the bucket and category of what it undoes.
    return Movement(transfer.seq, transfer.code, transfer.credit, transfer.debit, -transfer.amount, transfer.details)


BUCKETS = {
    (EXCHANGE, "in"): "earned_by_exchanges",
    (EXCHANGE, "out"): "spent_on_exchanges",
    (GRANT, "in"): "received_as_grants",
    (GRANT, "out"): "paid_as_grants",
    (DONATION, "in"): "received_donations",
    (DONATION, "out"): "donated",
    (REDEMPTION, "in"): "received_for_redemptions",
    (REDEMPTION, "out"): "spent_on_redemptions",
}


def member_statement(
    ledger: Ledger, bank: str, member: str, *, since: Optional[datetime] = None, until: Optional[datetime] = None
) -> MemberStatement:
    """What ``member`` of ``bank`` earned, spent, gave and received in ``(since, until]``."""
    account = account_of(bank, member)
    info = ledger.account(account)
    if info is None or info.scheme != bank:
        raise UnknownAccount(account)
    after, last = window(ledger, since, until)
    sums: Counter[str] = Counter()
    exchanges = 0
    for m in movements(ledger, bank, account=account, after=after, until=last):
        sums[BUCKETS[(m.code, "in" if m.payee == account else "out")]] += m.minutes
        exchanges += m.count if m.code == EXCHANGE else 0
    return MemberStatement(
        bank=bank,
        member=member,
        account=account,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        exchanges=exchanges,
        **{name: sums[name] for name in BUCKETS.values()},
        balance=ledger.balance(account, last).posted,
    )


def bank_statement(
    ledger: Ledger, bank: str, *, since: Optional[datetime] = None, until: Optional[datetime] = None
) -> BankStatement:
    """Hours exchanged, exchanges, active members and minutes per category in ``(since, until]``."""
    after, last = window(ledger, since, until)
    totals: Counter[str] = Counter()
    minutes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    active: set[str] = set()
    for m in movements(ledger, bank, after=after, until=last):
        totals[m.code] += m.minutes
        if m.code == EXCHANGE:
            category = str(m.details.get("category", ""))
            minutes[category] += m.minutes
            counts[category] += m.count
            if m.minutes > 0:
                active.update((m.payer, m.payee))
    return BankStatement(
        bank=bank,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        minutes_exchanged=totals[EXCHANGE],
        hours_exchanged=hours(totals[EXCHANGE]),
        exchanges=sum(counts.values()),
        active_members=len(active),
        granted=totals[GRANT],
        donated=totals[DONATION],
        redeemed=totals[REDEMPTION],
        categories=[CategoryTotal(c, minutes[c], counts[c]) for c in sorted(minutes)],
    )


__all__ = [
    "BankStatement",
    "CategoryTotal",
    "MemberStatement",
    "Movement",
    "bank_statement",
    "hours",
    "member_statement",
    "movements",
]
