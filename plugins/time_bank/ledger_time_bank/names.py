"""The time bank's stable names: scheme kind, fact types, movement codes, account roles.

They are hashed into the chain with every event, so they never change; a new meaning gets a
new name (``time_bank.settings.v2``).
"""

from __future__ import annotations

KIND = "time_bank"
UNIT = "minutes"
SETTINGS = "time_bank.settings.v1"
CATALOGUE = "time_bank.catalogue.v1"

EXCHANGE = "time_bank.exchange"
DONATION = "time_bank.donation"
GRANT = "time_bank.grant"
REDEMPTION = "time_bank.redemption"
CODES = (DONATION, EXCHANGE, GRANT, REDEMPTION)

# The organisation's own account, which receives donations and redemptions and pays grants.
ORGANISATION = "community"
# Opened by the core with every scheme; a time bank never mints, so it never moves.
ISSUER = "issuer"


def account_of(bank: str, member: str) -> str:
    """The account id of ``member`` in ``bank``: ``<bank>:<member>``."""
    return f"{bank}:{member}"


def member_of(bank: str, account: str) -> str | None:
    """The member part of a bank account id, or ``None`` if it is not named ``<bank>:<member>``."""
    prefix = f"{bank}:"
    rest = account[len(prefix) :] if account.startswith(prefix) else ""
    # One colon only, so the member name is unambiguous in every statement and export.
    return rest if rest and ":" not in rest else None


__all__ = [
    "CATALOGUE",
    "CODES",
    "DONATION",
    "EXCHANGE",
    "GRANT",
    "ISSUER",
    "KIND",
    "ORGANISATION",
    "REDEMPTION",
    "SETTINGS",
    "UNIT",
    "account_of",
    "member_of",
]
