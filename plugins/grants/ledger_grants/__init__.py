"""The commons ledger's grants plugin: fund accounting, grant lifecycle and donation tracing.

Every incoming grant or donation lands in a fund (an account with a ``grants.fund.v1`` fact),
restricted to a purpose or not; a restricted fund pays out only for its purpose. A grant is a
commitment (award, budget lines, lifecycle) whose tranches never exceed it and whose expenses
stay within each budget line plus a tolerance; an erroneous movement is corrected by a recorded
reversal, never edited; expense reports are computed from the ledger and accepted by their
digest. ``Tracer`` links every cent spent to the cents
that funded it, first in first out. ``Grants`` is the API an app holds; the rules live in the
plugin and apply to every command, whoever issues it.
"""

from __future__ import annotations

from .errors import NotAGrantMovement, NotTraceable, UnknownFund, UnknownGrant, UnknownReport
from .facts import Fund, Grant, Tally, allowance
from .grants import Grants
from .names import (
    BUDGET,
    CODES,
    CONDUIT,
    DONATION,
    EXPENSE,
    FUND,
    FUND_TRANSFER,
    GRANT,
    KIND,
    REPORT,
    RETURN,
    STATUS,
    TALLY,
    TRANCHE,
    UNIT,
)
from .reports import compute_report
from .statements import (
    FunderStatement,
    FundStatement,
    GrantStatement,
    LineStatement,
    fund_statement,
    fund_statements,
    funder_statement,
    grant_statement,
    grant_statements,
)
from .tracing import DonationTrace, ExpenseTrace, Share, Tracer, trace_donation, trace_expense

__version__ = "0.1.0"

__all__ = [
    "BUDGET",
    "CODES",
    "CONDUIT",
    "DONATION",
    "EXPENSE",
    "FUND",
    "FUND_TRANSFER",
    "GRANT",
    "KIND",
    "REPORT",
    "RETURN",
    "STATUS",
    "TALLY",
    "TRANCHE",
    "UNIT",
    "DonationTrace",
    "ExpenseTrace",
    "Fund",
    "FundStatement",
    "FunderStatement",
    "Grant",
    "GrantStatement",
    "Grants",
    "LineStatement",
    "NotAGrantMovement",
    "NotTraceable",
    "Share",
    "Tally",
    "Tracer",
    "UnknownFund",
    "UnknownGrant",
    "UnknownReport",
    "allowance",
    "compute_report",
    "fund_statement",
    "fund_statements",
    "funder_statement",
    "grant_statement",
    "grant_statements",
    "trace_donation",
    "trace_expense",
]
