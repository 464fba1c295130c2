"""The commons ledger's crowdfunding plugin.

Campaigns collect pledges as holds toward a per-campaign escrow account; at the deadline one
atomic batch either posts every pledge (all-or-nothing with the goal met, or keep-it-all) or
voids every one, pays the host's fee and the organiser's net, and records the outcome. A
sponsor's matching pool adds a match to each pledge in the same transaction, and the match
follows its pledge. ``Crowdfund`` is the API an app holds; the rules live in the plugin and
apply to every command on a ``crowdfund`` scheme, whoever issues it.
"""

from __future__ import annotations

from .campaigns import Crowdfund
from .errors import (
    CampaignExists,
    CampaignNotDue,
    CampaignNotOpen,
    MatchingExists,
    NotACrowdfundScheme,
    NotRefundable,
    UnknownCampaign,
    UnknownPledge,
)
from .facts import Campaign, Matching, Settlement
from .fees import match_amount, split_fee
from .names import CAMPAIGN, CODES, KIND, MATCHING, SETTLEMENT, STATUS, UNIT
from .statements import Backer, CampaignPage, Movement, PledgeRecord

__version__ = "0.1.0"

__all__ = [
    "CAMPAIGN",
    "CODES",
    "KIND",
    "MATCHING",
    "SETTLEMENT",
    "STATUS",
    "UNIT",
    "Backer",
    "Campaign",
    "CampaignExists",
    "CampaignNotDue",
    "CampaignNotOpen",
    "CampaignPage",
    "Crowdfund",
    "Matching",
    "MatchingExists",
    "Movement",
    "NotACrowdfundScheme",
    "NotRefundable",
    "PledgeRecord",
    "Settlement",
    "UnknownCampaign",
    "UnknownPledge",
    "match_amount",
    "split_fee",
]
