"""The grants plugin's stable names: scheme kind, fact types, movement codes, ids.

They are hashed into the chain with every event, so they never change; a new meaning gets a
new name (``grants.grant.v2``).
"""

from __future__ import annotations

import re

KIND = "grants"
UNIT = "cents"

FUND = "grants.fund.v1"  # an account declared a fund: purpose (restricted) or none (unrestricted)
CONDUIT = "grants.conduit.v1"  # an account tracing passes through (a crowdfund campaign's escrow)
GRANT = "grants.grant.v1"  # the award: funder, recipient fund, total, purpose, period, currency
BUDGET = "grants.budget.v1"  # the grant's budget lines; revised only by an explicit reallocation
TALLY = "grants.tally.v1"  # running totals (disbursed, returned, spent by line), revised with each movement
STATUS = "grants.status.v1"  # lifecycle: awarded, report_submitted, report_rejected, report_accepted, closed
REPORT = "grants.report.v1"  # an expense report, computed from the ledger; acceptance names its digest

TRANCHE = "grants.tranche"  # transfer funder -> fund: a disbursement against the commitment
EXPENSE = "grants.expense"  # transfer fund -> payee: spending, with purpose, line, date, evidence
RETURN = "grants.return"  # transfer fund -> funder: unspent balance returned
FUND_TRANSFER = "grants.fund_transfer"  # transfer fund -> fund of the same purpose
DONATION = "grants.donation"  # transfer donor -> fund
CODES = (DONATION, TRANCHE, EXPENSE, RETURN, FUND_TRANSFER)
GRANT_CODES = (TRANCHE, EXPENSE, RETURN)

# Outflows a restricted fund accepts besides its own expenses, returns and same-purpose transfers:
# a crowdfund donor's refund gives money back to where it came from, so no purpose is broken.
REFUND_CODES = ("crowdfund.refund_cover",)

LIFECYCLE = ("awarded", "report_submitted", "report_rejected", "report_accepted", "closed")
# The state each lifecycle event may follow ("awarded" is recorded only with the award itself).
FOLLOWS = {
    "report_submitted": ("awarded", "report_rejected", "report_accepted"),
    "report_rejected": ("report_submitted",),
    "report_accepted": ("report_submitted",),
    "closed": ("report_accepted",),
}

GRANT_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}\Z")
LINE_RE = r"[a-z0-9][a-z0-9_-]{0,47}\Z"
EVIDENCE_RE = r"([0-9a-f]{64}|[A-Za-z0-9][A-Za-z0-9._:/-]{0,127})\Z"
DIGEST_RE = r"[0-9a-f]{64}\Z"


def tranche_id(grant: str, number: int) -> str:
    return f"{grant}/tranche/{number}"


def expense_id(grant: str, number: int) -> str:
    return f"{grant}/expense/{number}"


def return_id(grant: str, number: int) -> str:
    return f"{grant}/return/{number}"


__all__ = [
    "BUDGET",
    "CODES",
    "CONDUIT",
    "DIGEST_RE",
    "DONATION",
    "EVIDENCE_RE",
    "EXPENSE",
    "FUND",
    "FOLLOWS",
    "FUND_TRANSFER",
    "GRANT",
    "GRANT_CODES",
    "GRANT_RE",
    "KIND",
    "LIFECYCLE",
    "LINE_RE",
    "REFUND_CODES",
    "REPORT",
    "RETURN",
    "STATUS",
    "TALLY",
    "TRANCHE",
    "UNIT",
    "expense_id",
    "return_id",
    "tranche_id",
]
