"""The carbon plugin's stable names: scheme kind, fact types, movement codes, account and id shapes.

They are hashed into the chain with every event, so they never change; a new meaning gets a new
name (``carbon.rates.v2``).
"""

from __future__ import annotations

import re

KIND = "carbon"
UNIT = "points"

SETTINGS = "carbon.settings.v1"  # subject: scheme
RATES = "carbon.rates.v1"  # subject: scheme; its version is the rate version awards cite
VERIFIER = "carbon.verifier.v1"  # subject: <scheme>.<verifier>
MERCHANT = "carbon.merchant.v1"  # subject: <scheme>:<merchant> (the merchant's account id)
STOCK = "carbon.stock.v1"  # subject: <scheme>:<merchant>/<item>
# Written only by the plugin (ledger_before_commit), beside the movement they serialise:
TALLY = "carbon.tally.v1"  # subject: <resident account>/<behaviour>: the cap counters
SPEND = "carbon.spend.v1"  # subject: <resident account>: revised by every redemption and expiry
INTERNAL_FACTS = (TALLY, SPEND)

AWARD = "carbon.award"
REDEMPTION = "carbon.redemption"
EXPIRY = "carbon.expiry"
SETTLEMENT = "carbon.settlement"
CODES = (AWARD, REDEMPTION, EXPIRY, SETTLEMENT)

ISSUER = "issuer"  # opened by the core with every scheme; awards debit it, settlements credit it
EXPIRED = "expired"  # where expired lots go
RESERVED = (ISSUER, EXPIRED)

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}\Z")  # residents, merchants, verifiers, items, behaviours
EVIDENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,79}\Z")  # an opaque id or sha256:<hex>
NAME_RULE = "1-40 lowercase letters, digits, _ or -, starting with a letter or digit"


def account_of(scheme: str, name: str) -> str:
    """The account id of a resident or merchant: ``<scheme>:<name>``."""
    return f"{scheme}:{name}"


def name_of(scheme: str, account: str) -> str | None:
    """The name part of ``<scheme>:<name>``, or ``None`` if the account is not shaped so."""
    prefix = f"{scheme}:"
    rest = account[len(prefix) :] if account.startswith(prefix) else ""
    return rest if NAME_RE.match(rest) else None


def award_id(scheme: str, evidence: str) -> str:
    """An award's transfer id is keyed by its evidence, so the core's unique transfer ids make
    the same evidence unable to earn twice, even between concurrent writers."""
    return f"{scheme}.award.{evidence}"


def settlement_id(scheme: str, reference: str) -> str:
    """A settlement's transfer id is keyed by its reference: one reference settles once."""
    return f"{scheme}.settlement.{reference}"


def verifier_subject(scheme: str, verifier: str) -> str:
    return f"{scheme}.{verifier}"


def stock_subject(merchant_account: str, item: str) -> str:
    return f"{merchant_account}/{item}"


def tally_subject(resident_account: str, behaviour: str) -> str:
    return f"{resident_account}/{behaviour}"


__all__ = [
    "AWARD",
    "CODES",
    "EVIDENCE_RE",
    "EXPIRED",
    "EXPIRY",
    "INTERNAL_FACTS",
    "ISSUER",
    "KIND",
    "MERCHANT",
    "NAME_RE",
    "NAME_RULE",
    "RATES",
    "REDEMPTION",
    "RESERVED",
    "SETTINGS",
    "SETTLEMENT",
    "SPEND",
    "STOCK",
    "TALLY",
    "UNIT",
    "VERIFIER",
    "account_of",
    "award_id",
    "name_of",
    "settlement_id",
    "stock_subject",
    "tally_subject",
    "verifier_subject",
]
