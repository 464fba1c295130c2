"""The crowdfund's hooks: what the ledger loads through the ``ledger.plugins`` entry point.

A scheme kind (a currency's minor unit, floor 0), four fact types, the campaign rules before
the write, the matching contributions added with each pledge, the settlement check inside the
write, and the ``crowdfund`` CLI group.
"""

from __future__ import annotations

from typing import Any, Optional

import click

from ledger import Command, FactType, Ledger, SchemeType, TransactionView, hookimpl

from .facts import CampaignSchema, MatchingSchema, SettlementSchema, StatusSchema
from .names import CAMPAIGN, KIND, MATCHING, SETTLEMENT, STATUS, UNIT
from .rules import added_items, check_command, check_settlement


@hookimpl
def ledger_register_schemes() -> list[SchemeType]:
    return [
        SchemeType(
            kind=KIND,
            unit=UNIT,
            step=1,
            floor=0,  # money: nobody pledges or pays what they do not have
            ceiling=None,
            description="campaigns collect pledges (holds) into escrow; settled all-or-nothing or keep-it-all",
        )
    ]


@hookimpl
def ledger_register_fact_types() -> list[FactType]:
    return [
        FactType(CAMPAIGN, CampaignSchema, "a campaign's organiser, goal, deadline, mode, limits, fee"),
        FactType(STATUS, StatusSchema, "a campaign's lifecycle event: launched, goal_reached, closed, ..."),
        FactType(MATCHING, MatchingSchema, "a sponsor's matching pool for a campaign: ratio and cap"),
        FactType(SETTLEMENT, SettlementSchema, "a campaign's one outcome with its totals, fee and net"),
    ]


@hookimpl
def ledger_validate_command(ledger: Ledger, command: Command) -> None:
    """Refuse pledges and payouts that break a campaign's rules (see ``rules.py``)."""
    check_command(ledger, command)


@hookimpl
def ledger_before_commit(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """A pledge brings its matching contribution; a posted or voided pledge takes its match along."""
    return added_items(ledger, command)


@hookimpl
def ledger_check_transaction(view: TransactionView) -> None:
    """Collecting pledges and paying out happen only with the campaign's settlement fact.

    Checked on the commands of the transaction itself, so no mix of separate commands can
    collect a pledge outside the one settlement.
    """
    check_settlement(view.commands)


@hookimpl
def ledger_register_commands(cli: click.Group) -> None:
    from .cli import crowdfund

    cli.add_command(crowdfund)
