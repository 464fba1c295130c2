"""The commons ledger's bundled time bank.

Members exchange services for minutes; every exchange moves minutes from the receiver to the
provider, so the sum of all balances stays 0. ``TimeBank`` is the API an app holds; the rules
(maximum exchange, catalogue categories, donations from credit held, grants from the
organisation, redemptions at a fixed price) live in the plugin and apply to every command on a
``time_bank`` scheme, whoever issues it.
"""

from __future__ import annotations

from .bank import TimeBank
from .errors import NotAnExchange, NotATimeBank
from .facts import Service, Settings, read_catalogue, read_settings
from .names import CATALOGUE, CODES, DONATION, EXCHANGE, GRANT, KIND, ORGANISATION, REDEMPTION, SETTINGS, UNIT
from .statements import BankStatement, CategoryTotal, MemberStatement, bank_statement, hours, member_statement

__version__ = "0.1.0"

__all__ = [
    "CATALOGUE",
    "CODES",
    "DONATION",
    "EXCHANGE",
    "GRANT",
    "KIND",
    "ORGANISATION",
    "REDEMPTION",
    "SETTINGS",
    "UNIT",
    "BankStatement",
    "CategoryTotal",
    "MemberStatement",
    "NotATimeBank",
    "NotAnExchange",
    "Service",
    "Settings",
    "TimeBank",
    "bank_statement",
    "hours",
    "member_statement",
    "read_catalogue",
    "read_settings",
]
