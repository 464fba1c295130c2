"""The time bank's hooks: what the ledger loads through the ``ledger.plugins`` entry point.

A scheme kind (minutes, step 1, members between -10 h and +50 h by default), two fact types,
the bank's rules before the write, the donation rule inside it, and the ``time-bank`` CLI group.
"""

from __future__ import annotations

import click

from ledger import Command, FactType, Ledger, SchemeType, TransactionView, hookimpl

from .facts import CatalogueSchema, SettingsSchema
from .names import CATALOGUE, DONATION, KIND, SETTINGS, UNIT
from .rules import check_command, check_donation_credit

DEFAULT_FLOOR = -600  # a member may owe 10 hours to the community
DEFAULT_CEILING = 3000  # and bank at most 50 hours, so credit keeps circulating


@hookimpl
def ledger_register_schemes() -> list[SchemeType]:
    return [
        SchemeType(
            kind=KIND,
            unit=UNIT,
            step=1,
            floor=DEFAULT_FLOOR,
            ceiling=DEFAULT_CEILING,
            description="members exchange services for minutes; the sum of all balances stays 0",
        )
    ]


@hookimpl
def ledger_register_fact_types() -> list[FactType]:
    return [
        FactType(SETTINGS, SettingsSchema, "a time bank's maximum exchange, confirmation timeout, organisation floor"),
        FactType(CATALOGUE, CatalogueSchema, "a time bank's services: category, name, redemption price"),
    ]


@hookimpl
def ledger_validate_command(ledger: Ledger, command: Command) -> None:
    """Refuse movements and accounts in a time bank that break its rules (see ``rules.py``)."""
    check_command(ledger, command)


@hookimpl
def ledger_check_transaction(view: TransactionView) -> None:
    """A donation must be covered by the donor's available credit.

    Checked here, on the balance rows being written, because a check before the write could be
    raced by the donor's other movements committing in between.
    """
    for command in view.commands:
        args = command.args
        if command.name in ("transfer", "hold") and KIND in command.kinds() and args["code"] == DONATION:
            check_donation_credit(args["debit"], args["amount"], view.balance(args["debit"]).available)


@hookimpl
def ledger_register_commands(cli: click.Group) -> None:
    from .cli import time_bank

    cli.add_command(time_bank)
