"""Statements for residents, merchants and the community, read only through the ledger's public
queries (``transfers`` page by page, ``balance``, ``facts``).

CO2e is in whole grams, taken from each award's own ``co2e_g`` (computed at the rate version the
award cites), so a later rate change never rewrites what a statement says about the past.
Conservation, which the community statement exposes: ``issued = outstanding + redeemed + expired``
and ``redeemed = settled + unsettled``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ledger import Ledger, UnknownAccount

from .facts import read_catalogue, read_stock
from .lots import carbon_transfers, replay
from .names import AWARD, EXPIRY, REDEMPTION, SETTLEMENT, account_of


@dataclass(frozen=True)
class BehaviourTotal:
    behaviour: str
    awards: int
    points: int
    co2e_g: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ResidentStatement:
    """What a resident earned (by behaviour), redeemed and lost to expiry, its balance and lots."""

    scheme: str
    resident: str
    account: str
    earned: int
    redeemed: int
    expired: int
    balance: int
    co2e_g: int
    by_behaviour: list[BehaviourTotal] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemLine:
    item: str
    price: int
    stock: int
    redeemed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Settlement:
    reference: str
    points: int
    seq: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MerchantStatement:
    """A merchant's redemptions, stock per item, settlements and the points still to settle."""

    scheme: str
    merchant: str
    account: str
    redemptions: int
    redeemed_points: int
    settled: int
    unsettled: int
    items: list[ItemLine] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CommunityStatement:
    """The scheme as a whole. ``liability`` is what the operator still owes in goods or money:
    points residents hold plus points merchants have not settled."""

    scheme: str
    issued: int
    redeemed: int
    settled: int
    unsettled: int
    expired: int
    outstanding: int
    liability: int
    co2e_g: int
    residents: int
    by_behaviour: list[BehaviourTotal] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _by_behaviour(awards: list[Any]) -> list[BehaviourTotal]:
    counts: Counter[str] = Counter()
    points: Counter[str] = Counter()
    grams: Counter[str] = Counter()
    for t in awards:
        b = t.details["behaviour"]
        counts[b] += 1
        points[b] += t.amount
        grams[b] += t.details["co2e_g"]
    return [BehaviourTotal(b, counts[b], points[b], grams[b]) for b in sorted(counts)]


def _existing(ledger: Ledger, scheme: str, name: str) -> str:
    account = account_of(scheme, name)
    info = ledger.account(account, missing_ok=True)
    if info is None or info.scheme != scheme:
        raise UnknownAccount(account)
    return account


def resident_statement(ledger: Ledger, scheme: str, resident: str) -> ResidentStatement:
    account = _existing(ledger, scheme, resident)
    moves = carbon_transfers(ledger, account=account)
    awards = [t for t in moves if t.code == AWARD and t.credit == account]
    lots = replay(account, moves)
    return ResidentStatement(
        scheme=scheme,
        resident=resident,
        account=account,
        earned=sum(t.amount for t in awards),
        redeemed=sum(t.amount for t in moves if t.code == REDEMPTION and t.debit == account),
        expired=sum(t.amount for t in moves if t.code == EXPIRY and t.debit == account),
        balance=ledger.balance(account).posted,
        co2e_g=sum(t.details["co2e_g"] for t in awards),
        by_behaviour=_by_behaviour(awards),
        lots=[lot.to_dict() for lot in lots.values()],
    )


def merchant_statement(ledger: Ledger, scheme: str, merchant: str) -> MerchantStatement:
    account = _existing(ledger, scheme, merchant)
    moves = carbon_transfers(ledger, account=account)
    sales = [t for t in moves if t.code == REDEMPTION and t.credit == account]
    settlements = [t for t in moves if t.code == SETTLEMENT and t.debit == account]
    sold: Counter[str] = Counter()
    for t in sales:
        sold[t.details["item"]] += t.details["quantity"]
    catalogue = read_catalogue(ledger, account) or {}
    return MerchantStatement(
        scheme=scheme,
        merchant=merchant,
        account=account,
        redemptions=len(sales),
        redeemed_points=sum(t.amount for t in sales),
        settled=sum(t.amount for t in settlements),
        unsettled=ledger.balance(account).posted,
        items=[ItemLine(i.item, i.price, read_stock(ledger, account, i.item), sold[i.item])
               for i in catalogue.values()],
        settlements=[Settlement(t.details["reference"], t.amount, t.seq) for t in settlements],
    )


def community_statement(ledger: Ledger, scheme: str) -> CommunityStatement:
    moves = carbon_transfers(ledger, scheme=scheme)
    # transfers(scheme=) filters on the debit side, which every carbon movement has in the scheme.
    totals: Counter[str] = Counter()
    for t in moves:
        totals[t.code] += t.amount
    awards = [t for t in moves if t.code == AWARD]
    residents = {t.credit for t in awards}
    outstanding = sum(ledger.balance(a).posted for a in residents)
    unsettled = totals[REDEMPTION] - totals[SETTLEMENT]
    return CommunityStatement(
        scheme=scheme,
        issued=totals[AWARD],
        redeemed=totals[REDEMPTION],
        settled=totals[SETTLEMENT],
        unsettled=unsettled,
        expired=totals[EXPIRY],
        outstanding=outstanding,
        liability=outstanding + unsettled,
        co2e_g=sum(t.details["co2e_g"] for t in awards),
        residents=len(residents),
        by_behaviour=_by_behaviour(awards),
    )


__all__ = [
    "BehaviourTotal",
    "CommunityStatement",
    "ItemLine",
    "MerchantStatement",
    "ResidentStatement",
    "Settlement",
    "community_statement",
    "merchant_statement",
    "resident_statement",
]
