"""The carbon plugin's hooks: what the ledger loads through the ``ledger.plugins`` entry point.

A scheme kind (points, step 1, floor 0), the fact types, the rules before the write, the facts
that commit with each movement, the one-counter-per-transaction rule inside the write, and the
``carbon`` CLI group.
"""

from __future__ import annotations

from typing import Any, Optional

import click

from ledger import Command, FactType, Ledger, SchemeType, TransactionView, hookimpl

from .facts import MerchantSchema, RatesSchema, SettingsSchema, SpendSchema, StockSchema, TallySchema, VerifierSchema
from .names import KIND, MERCHANT, RATES, SETTINGS, SPEND, STOCK, TALLY, UNIT, VERIFIER
from .rules import added_facts, check_command, check_transaction


@hookimpl
def ledger_register_schemes() -> list[SchemeType]:
    return [
        SchemeType(
            kind=KIND,
            unit=UNIT,
            step=1,
            floor=0,
            ceiling=None,
            description="residents earn points for verified green behaviour and redeem them at partner merchants",
        )
    ]


@hookimpl
def ledger_register_fact_types() -> list[FactType]:
    return [
        FactType(SETTINGS, SettingsSchema, "a carbon scheme's expiry of points in days"),
        FactType(RATES, RatesSchema, "a carbon scheme's rate table: points, g CO2e and caps per behaviour"),
        FactType(VERIFIER, VerifierSchema, "a verifier of a carbon scheme and the behaviours it attests"),
        FactType(MERCHANT, MerchantSchema, "a partner merchant's redemption catalogue: items and prices"),
        FactType(STOCK, StockSchema, "a merchant item's stock after a restock, adjustment or redemption"),
        FactType(TALLY, TallySchema, "a resident's points of one behaviour this day and month (for caps)"),
        FactType(SPEND, SpendSchema, "the last debit of a resident's lots (serialises redemptions and expiry)"),
    ]


@hookimpl
def ledger_validate_command(ledger: Ledger, command: Command) -> None:
    """Refuse movements, accounts and facts of a carbon scheme that break its rules (``rules.py``)."""
    check_command(ledger, command)


@hookimpl
def ledger_before_commit(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """Commit the cap tally, stock count and spend marker with the movement they count."""
    return added_facts(ledger, command) or None


@hookimpl
def ledger_check_transaction(view: TransactionView) -> None:
    check_transaction(view)


@hookimpl
def ledger_register_commands(cli: click.Group) -> None:
    from .cli import carbon

    cli.add_command(carbon)
