"""The crowdfund plugin's stable names: scheme kind, fact types, movement codes, ids.

They are hashed into the chain with every event, so they never change; a new meaning gets a
new name (``crowdfund.campaign.v2``).
"""

from __future__ import annotations

import re

KIND = "crowdfund"
UNIT = "cents"

CAMPAIGN = "crowdfund.campaign.v1"  # the definition: organiser, goal, deadline, mode, fee ...
STATUS = "crowdfund.status.v1"  # lifecycle events: launched, goal_reached, closed, succeeded ...
MATCHING = "crowdfund.matching.v1"  # a sponsor's matching pool: ratio and cap
SETTLEMENT = "crowdfund.settlement.v1"  # the one outcome of a campaign, recorded with its movements

PLEDGE = "crowdfund.pledge"  # hold donor -> escrow
MATCH = "crowdfund.match"  # hold matching pool -> escrow, added with each qualifying pledge
POOL = "crowdfund.pool"  # transfer sponsor -> matching pool (commitment) and back (what was left)
FEE = "crowdfund.fee"  # transfer escrow -> host
PAYOUT = "crowdfund.payout"  # transfer escrow -> organiser
REFUND_COVER = "crowdfund.refund_cover"  # transfer organiser -> escrow that funds a refund
MATCH_RETURN = "crowdfund.match_return"  # transfer matching pool -> sponsor of a refunded match
CODES = (PLEDGE, MATCH, POOL, FEE, PAYOUT, REFUND_COVER, MATCH_RETURN)

# The void reason that marks a settlement's voids; the plugin accepts it only in a transaction
# that records the campaign's settlement fact, so it cannot be used to dodge the deadline.
SETTLE_REASON = "crowdfund.settlement"

LIFECYCLE = ("launched", "goal_reached", "closed", "succeeded", "failed", "cancelled")
MODES = ("all_or_nothing", "keep_it_all")

CAMPAIGN_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}\Z")
PLEDGE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,47}\Z")


def escrow_of(campaign: str) -> str:
    """The campaign's escrow account: pledges are held toward it, settlement pays out of it."""
    return f"{campaign}:escrow"


def pool_of(campaign: str) -> str:
    """The campaign's matching-pool account: the sponsor's committed cap, matched from."""
    return f"{campaign}:matching"


def hold_of(campaign: str, pledge: str, version: int) -> str:
    """The hold id of one version of a pledge (a raise or reduce places a new version)."""
    return f"{campaign}/{pledge}/{version}"


def match_of(hold_id: str) -> str:
    """The hold id of the matching contribution that goes with pledge hold ``hold_id``."""
    return f"{hold_id}/match"


def close_request(campaign: str) -> str:
    """The request id of a campaign's settlement: a second or concurrent close replays the first."""
    return f"crowdfund.close:{campaign}"


def cancel_request(campaign: str) -> str:
    return f"crowdfund.cancel:{campaign}"


__all__ = [
    "CAMPAIGN",
    "CAMPAIGN_RE",
    "CODES",
    "FEE",
    "KIND",
    "LIFECYCLE",
    "MATCH",
    "MATCH_RETURN",
    "MATCHING",
    "MODES",
    "PAYOUT",
    "PLEDGE",
    "PLEDGE_RE",
    "POOL",
    "REFUND_COVER",
    "SETTLE_REASON",
    "SETTLEMENT",
    "STATUS",
    "UNIT",
    "cancel_request",
    "close_request",
    "escrow_of",
    "hold_of",
    "match_of",
    "pool_of",
]
