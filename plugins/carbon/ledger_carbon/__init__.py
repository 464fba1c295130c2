"""The commons ledger's carbon points.

Residents earn points for verified green behaviour (awards need a registered verifier and an
evidence reference that can earn once, at the versioned rate table in force, within daily and
monthly caps), points expire FIFO by lot, and residents redeem them for goods at partner merchants,
who settle with the scheme operator. ``CarbonScheme`` is the API an app holds; the rules live in the
plugin and apply to every command on a ``carbon`` scheme, whoever issues it.
"""

from __future__ import annotations

from .errors import NotACarbonScheme
from .facts import Item, Rate, RateTable
from .lots import Lot
from .names import AWARD, EXPIRY, KIND, RATES, REDEMPTION, SETTLEMENT, UNIT
from .scheme import CarbonScheme
from .statements import BehaviourTotal, CommunityStatement, ItemLine, MerchantStatement, ResidentStatement, Settlement

__version__ = "0.1.0"

__all__ = [
    "AWARD",
    "EXPIRY",
    "KIND",
    "RATES",
    "REDEMPTION",
    "SETTLEMENT",
    "UNIT",
    "BehaviourTotal",
    "CarbonScheme",
    "CommunityStatement",
    "Item",
    "ItemLine",
    "Lot",
    "MerchantStatement",
    "NotACarbonScheme",
    "Rate",
    "RateTable",
    "ResidentStatement",
    "Settlement",
]
