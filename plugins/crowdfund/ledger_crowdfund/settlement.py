"""Settlement: the one batch that closes (or cancels) a campaign.

Everything a settlement does commits together with the ``crowdfund.settlement.v1`` fact that
records it, which is what the plugin's ``settlement`` rule requires of every collecting post,
settlement void, fee, payout and pool return.
"""

from __future__ import annotations

from typing import Any

from ledger import Ledger

from .facts import Campaign, read_matching
from .fees import split_fee
from .names import FEE, MATCH, PAYOUT, PLEDGE, POOL, SETTLE_REASON, SETTLEMENT, STATUS


def status_item(campaign: str, state: str, note: str = "") -> dict[str, Any]:
    """A lifecycle event as a batch item."""
    return {"type": "fact", "fact_type": STATUS, "subject": campaign, "data": {"state": state, "note": note}}


def settlement_items(ledger: Ledger, c: Campaign, *, cancelled: bool, note: str) -> list[dict[str, Any]]:
    """The one batch that settles ``c``: outcome facts, every pledge posted or voided, fee, net,
    and the unused matching pool back to its sponsor. Deterministic for a given ledger state, so
    concurrent closers build the same batch under the same request id."""
    escrow_holds = ledger.holds(status="held", account=c.escrow)
    pledges = [h for h in escrow_holds if h.code == PLEDGE and h.credit == c.escrow]
    matches = [h for h in escrow_holds if h.code == MATCH and h.credit == c.escrow]
    pledged, matched = sum(h.amount for h in pledges), sum(h.amount for h in matches)
    # A close after the settlement window cannot collect: the holds are past their expiry.
    collectable = ledger.clock() < c.settle_by
    succeeded = not cancelled and collectable and (c.mode == "keep_it_all" or pledged + matched >= c.goal)
    outcome = "succeeded" if succeeded else "cancelled" if cancelled else "failed"
    gross = pledged + matched if succeeded else 0
    fee, net = split_fee(gross, c.fee_bps)
    terms = read_matching(ledger, c.campaign)
    pool = ledger.balance(c.pool).posted
    returned = pool - (matched if succeeded else 0) if terms is not None else 0
    summary = dict(outcome=outcome, goal=c.goal, pledges=len(pledges), donors=len({h.debit for h in pledges}),
                   pledged=pledged, matched=matched, posted=gross, voided=pledged + matched - gross, fee=fee,
                   net=net, returned_to_sponsor=returned)
    items: list[dict[str, Any]] = [] if cancelled else [status_item(c.campaign, "closed", note)]
    items += [status_item(c.campaign, outcome, note),
              {"type": "fact", "fact_type": SETTLEMENT, "subject": c.campaign, "data": summary}]
    # Only pledges are listed: the plugin's hook posts or voids each pledge's match with it.
    for hold in pledges:
        if succeeded:
            items.append({"type": "post", "hold_id": hold.hold_id})
        else:
            items.append({"type": "void", "hold_id": hold.hold_id, "reason": SETTLE_REASON})
    ref = {"campaign": c.campaign}
    if fee:
        items.append({"type": "transfer", "debit": c.escrow, "credit": c.host, "amount": fee, "code": FEE,
                      "transfer_id": f"{c.campaign}/fee", "details": ref, "memo": f"{c.fee_bps} bp host fee"})
    if net:
        items.append({"type": "transfer", "debit": c.escrow, "credit": c.organiser, "amount": net,
                      "code": PAYOUT, "transfer_id": f"{c.campaign}/payout", "details": ref})
    if terms is not None and returned:
        items.append({"type": "transfer", "debit": c.pool, "credit": terms.sponsor, "amount": returned,
                      "code": POOL, "transfer_id": f"{c.campaign}/pool-return", "details": ref})
    return items


__all__ = ["settlement_items", "status_item"]
