"""Statements: a campaign's public page and a donor's pledge history, read from the ledger.

The public page never names an anonymous donor: its pledges count toward the totals and the
donor count, and appear as ``donor: None``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from ledger import HoldResult, Ledger, TransferResult

from .facts import Campaign, iso, lifecycle, read_campaign, read_matching, read_settlement, state_of
from .names import MATCH, PLEDGE


def current_holds(ledger: Ledger, campaign: Campaign) -> dict[str, HoldResult]:
    """Each pledge's latest hold, by pledge id (a change voids a version and places the next)."""
    latest: dict[str, HoldResult] = {}
    for hold in ledger.holds(account=campaign.escrow):
        if hold.code != PLEDGE or hold.credit != campaign.escrow:
            continue
        pledge = hold.details["pledge"]
        if pledge not in latest or hold.details["version"] > latest[pledge].details["version"]:
            latest[pledge] = hold
    return latest


@dataclass(frozen=True)
class Backer:
    pledge: str
    donor: Optional[str]  # None for an anonymous pledge
    amount: int
    matched: int
    status: str  # held, posted, voided, expired
    refunded: int


@dataclass(frozen=True)
class Movement:
    transfer_id: str
    to: Optional[str]  # None when it pays an anonymous donor back
    amount: int
    code: str
    memo: str
    seq: int


@dataclass(frozen=True)
class CampaignPage:
    """What a campaign's public page shows (Open Collective-style transparency)."""

    campaign: str
    description: str
    funds: str
    organiser: str
    unit: str
    goal: int
    deadline: str
    mode: str
    state: str
    events: list[str]
    raised: int  # pledges live now (held or collected) less refunds, without matches
    matched: int  # matching contributions live now, less refunded matches
    donors: int
    pledges: int
    fee: int
    net: int
    refunded: int
    matching: Optional[dict[str, Any]]
    backers: list[Backer] = field(default_factory=list)
    outgoing: list[Movement] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PledgeRecord:
    """One pledge of a donor's history, at its latest version."""

    campaign: str
    pledge: str
    hold_id: str
    version: int
    amount: int
    status: str
    anonymous: bool
    refunded: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _refunded(ledger: Ledger, hold_id: str) -> int:
    try:
        return ledger.transfer_info(f"hold:{hold_id}:reversal").amount
    except LookupError:
        return 0


def campaign_page(ledger: Ledger, c: Campaign) -> CampaignPage:
    pledges = current_holds(ledger, c)
    matches = {h.hold_id: h for h in ledger.holds(account=c.escrow) if h.code == MATCH}
    backers, donors = [], set()
    raised = matched = refunded = 0
    for pledge, hold in pledges.items():
        match = matches.get(f"{hold.hold_id}/match")
        live = hold.status in ("held", "posted")
        back = _refunded(ledger, hold.hold_id)
        match_back = _refunded(ledger, match.hold_id) if match is not None else 0
        match_amount = match.amount if match is not None and match.status in ("held", "posted") else 0
        if live and back < hold.amount:  # a fully refunded backer no longer counts
            donors.add(hold.debit)
            raised += hold.amount - back
            matched += match_amount - match_back
        refunded += back
        anonymous = bool(hold.details.get("anonymous"))
        backers.append(Backer(pledge, None if anonymous else hold.debit, hold.amount, match_amount, hold.status, back))
    settlement = read_settlement(ledger, c.campaign)
    terms = read_matching(ledger, c.campaign)
    return CampaignPage(
        campaign=c.campaign, description=c.description, funds=c.funds, organiser=c.organiser,
        unit=ledger.account(c.escrow).unit, goal=c.goal, deadline=iso(c.deadline), mode=c.mode,
        state=state_of(lifecycle(ledger, c.campaign)), events=lifecycle(ledger, c.campaign), raised=raised,
        matched=matched, donors=len(donors), pledges=sum(1 for h in pledges.values() if h.status in ("held", "posted")),
        fee=settlement.fee if settlement else 0, net=settlement.net if settlement else 0, refunded=refunded,
        matching=None if terms is None else {"sponsor": terms.sponsor, "numerator": terms.numerator,
                                             "denominator": terms.denominator, "cap": terms.cap},
        backers=backers, outgoing=_outgoing(ledger, c, settlement.seq if settlement else None),
    )


def _outgoing(ledger: Ledger, c: Campaign, settled_at: Optional[int]) -> list[Movement]:
    """Where the money went: the escrow's payouts and refunds, then what the organiser paid on
    from its account after the settlement."""
    moved: list[TransferResult] = [t for t in ledger.transfers(account=c.escrow, limit=100_000) if t.debit == c.escrow]
    if settled_at is not None:
        moved += [t for t in ledger.transfers(account=c.organiser, after=settled_at, limit=100_000)
                  if t.debit == c.organiser]
    rows = []
    for t in sorted(moved, key=lambda t: (t.seq, t.transfer_id)):
        hidden = t.code in (PLEDGE, MATCH) and bool(t.details.get("anonymous"))
        rows.append(Movement(t.transfer_id, None if hidden else t.credit, t.amount, t.code, t.memo, t.seq))
    return rows


def donor_history(ledger: Ledger, donor: str) -> list[PledgeRecord]:
    latest: dict[tuple[str, str], HoldResult] = {}
    for hold in ledger.holds(account=donor):
        if hold.code != PLEDGE or hold.debit != donor:
            continue
        key = (hold.details["campaign"], hold.details["pledge"])
        if key not in latest or hold.details["version"] > latest[key].details["version"]:
            latest[key] = hold
    rows = []
    for (campaign, pledge), hold in latest.items():
        if read_campaign(ledger, campaign) is None:
            continue
        rows.append(PledgeRecord(campaign, pledge, hold.hold_id, hold.details["version"], hold.amount, hold.status,
                                 bool(hold.details.get("anonymous")), _refunded(ledger, hold.hold_id)))
    return rows


__all__ = ["Backer", "CampaignPage", "Movement", "PledgeRecord", "campaign_page", "current_holds", "donor_history"]
