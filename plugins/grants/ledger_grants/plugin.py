"""The grants plugin's hooks: what the ledger loads through the ``ledger.plugins`` entry point.

A scheme kind (a currency's minor unit, floor 0), the fund, grant and report fact types, the
rules before the write, the tally revised with each grant movement and correction, the limits
again inside the write, the IATI and 360Giving exporters, and the ``grants`` and ``trace`` CLI groups.
"""

from __future__ import annotations

from typing import Any, Optional

import click

from ledger import Command, Exporter, FactType, Ledger, SchemeType, TransactionView, hookimpl

from .facts import BudgetSchema, ConduitSchema, FundSchema, GrantSchema, ReportSchema, StatusSchema, TallySchema
from .names import BUDGET, CONDUIT, FUND, GRANT, KIND, REPORT, STATUS, TALLY, UNIT
from .rules import check_command, check_transaction, tally_item


@hookimpl
def ledger_register_schemes() -> list[SchemeType]:
    return [SchemeType(kind=KIND, unit=UNIT, step=1, floor=0, ceiling=None,
                       description="money in funds: grants and donations, restricted or not, traced to expenses")]


@hookimpl
def ledger_register_fact_types() -> list[FactType]:
    return [
        FactType(FUND, FundSchema, "an account declared a fund: its purpose (restricted) or none, its currency"),
        FactType(CONDUIT, ConduitSchema, "an account tracing passes through into a fund (a campaign's escrow)"),
        FactType(GRANT, GrantSchema, "a grant's award: funder, fund, total, purpose, period, tolerance"),
        FactType(BUDGET, BudgetSchema, "a grant's budget lines; each revision is an explicit reallocation"),
        FactType(TALLY, TallySchema, "a grant's running totals, revised by the plugin with each movement"),
        FactType(STATUS, StatusSchema, "a grant's lifecycle event: awarded, report_submitted, report_rejected, "
                                       "report_accepted, closed"),
        FactType(REPORT, ReportSchema, "a grant's expense report, computed from the ledger, named by its digest"),
    ]


@hookimpl
def ledger_validate_command(ledger: Ledger, command: Command) -> None:
    """Refuse movements and facts that break a fund's purpose or a grant's limits (``rules.py``)."""
    check_command(ledger, command)


@hookimpl
def ledger_before_commit(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """A grant movement revises the grant's tally in the same transaction."""
    return tally_item(ledger, command)


@hookimpl
def ledger_check_transaction(view: TransactionView) -> None:
    """Commitment, budget lines and returns checked on what the transaction writes."""
    check_transaction(view.commands, view.fact)


@hookimpl
def ledger_register_exporters() -> list[Exporter]:
    from .exports import exporters

    return exporters()


@hookimpl
def ledger_register_commands(cli: click.Group) -> None:
    from .cli import grants, trace

    cli.add_command(grants)
    cli.add_command(trace)
