"""Statements: per fund (in, out, balance, purpose), per grant (committed, disbursed, spent by
budget line, unspent) and per funder (the sum of its grants). Read from the grants' tallies and
the funds' transfers; every figure is net of corrections (a reversed movement and its reversal
count on neither side)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ledger import Ledger

from .errors import UnknownFund, UnknownGrant
from .facts import allowance, read_budget, read_fund, read_grant, read_tally, state_of
from .history import account_transfers, cancelled
from .names import FUND, GRANT


@dataclass(frozen=True)
class FundStatement:
    fund: str
    purpose: str
    restricted: bool
    currency: str
    unit: str
    incoming: int
    outgoing: int
    balance: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LineStatement:
    line: str
    budget: int
    allowance: int
    spent: int
    remaining: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GrantStatement:
    grant: str
    title: str
    funder: str
    fund: str
    purpose: str
    currency: str
    state: str
    committed: int
    disbursed: int
    undisbursed: int
    spent: int
    returned: int
    unspent: int
    reversals: int
    lines: list[LineStatement]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["lines"] = [line.to_dict() for line in self.lines]
        return data


@dataclass(frozen=True)
class FunderStatement:
    funder: str
    grants: list[str]
    committed: int
    disbursed: int
    spent: int
    returned: int
    unspent: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fund_statement(ledger: Ledger, account: str) -> FundStatement:
    fund = read_fund(ledger, account)
    if fund is None:
        raise UnknownFund(account)
    b = ledger.balance(account)
    transfers = account_transfers(ledger, account)
    dead = cancelled(transfers)
    incoming = sum(t.amount for t in transfers if t.credit == account and t.transfer_id not in dead)
    outgoing = sum(t.amount for t in transfers if t.debit == account and t.transfer_id not in dead)
    return FundStatement(account, fund.purpose, fund.restricted, fund.currency, b.unit, incoming, outgoing,
                         b.posted)


def fund_statements(ledger: Ledger) -> list[FundStatement]:
    return [fund_statement(ledger, f.subject) for f in ledger.facts(FUND)]


def grant_statement(ledger: Ledger, grant: str) -> GrantStatement:
    g = read_grant(ledger, grant)
    if g is None:
        raise UnknownGrant(grant)
    budget, tally = read_budget(ledger, grant), read_tally(ledger, grant)
    lines = []
    for line in sorted(set(budget) | set(tally.spent)):
        allowed = allowance(budget.get(line, 0), g.tolerance_bps)
        spent = tally.spent.get(line, 0)
        lines.append(LineStatement(line, budget.get(line, 0), allowed, spent, allowed - spent))
    spent = sum(tally.spent.values())
    return GrantStatement(grant, g.title, g.funder, g.fund, g.purpose, g.currency, state_of(ledger, grant), g.total,
                          tally.disbursed, g.total - tally.disbursed, spent, tally.returned, tally.unspent,
                          tally.reversals, lines)


def grant_statements(ledger: Ledger) -> list[GrantStatement]:
    return [grant_statement(ledger, f.subject) for f in ledger.facts(GRANT)]


def funder_statement(ledger: Ledger, funder: str) -> FunderStatement:
    ledger.account(funder)  # UnknownAccount names a funder that is not even an account
    mine = [s for s in grant_statements(ledger) if s.funder == funder]
    return FunderStatement(funder, [s.grant for s in mine], sum(s.committed for s in mine),
                           sum(s.disbursed for s in mine), sum(s.spent for s in mine),
                           sum(s.returned for s in mine), sum(s.unspent for s in mine))


__all__ = [
    "FundStatement",
    "FunderStatement",
    "GrantStatement",
    "LineStatement",
    "fund_statement",
    "fund_statements",
    "funder_statement",
    "grant_statement",
    "grant_statements",
]
