"""``ledger crowdfund ...``: one command per ``Crowdfund`` method, with the method's option names.

Built from ``ledger.cli``'s helpers, so every command takes ``--db`` and ``--json`` and a
refusal prints as one ``Error:`` line. No rule lives here: the commands only translate arguments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import click

from ledger.cli import AwareDateTime, db_option, emit, open_ledger, output_options, request_id_option

from .campaigns import Crowdfund
from .names import MODES


@click.group("crowdfund")
def crowdfund() -> None:
    """Crowdfunding campaigns: pledges as holds, all-or-nothing settlement (crowdfund plugin)."""


@crowdfund.command("create")
@click.argument("campaign")
@click.option("--scheme", required=True, help="The currency's scheme (kind crowdfund).")
@click.option("--organiser", required=True, help="The organisation's account that receives the net.")
@click.option("--goal", type=int, required=True, help="Goal in the currency's minor unit.")
@click.option("--deadline", type=AwareDateTime(), required=True, help="When pledging ends (ISO 8601 with offset).")
@click.option("--mode", type=click.Choice(MODES), default="all_or_nothing", show_default=True)
@click.option("--min-pledge", type=int, help="Smallest pledge.")
@click.option("--max-pledge", type=int, help="Largest pledge.")
@click.option("--description", default="", help="What the campaign is for.")
@click.option("--funds", default="", help="The project or grant it funds.")
@click.option("--host", help="The host's account that receives the fee.")
@click.option("--fee-bps", type=int, default=0, show_default=True, help="Host fee in basis points (250 = 2.5%).")
@click.option("--settle-within", type=int, metavar="SECONDS", help="How long after the deadline a close may collect.")
@request_id_option
@db_option()
@output_options
def create(db: str, as_json: bool, campaign: str, **options: Any) -> None:
    """Create and launch CAMPAIGN with its escrow and matching accounts (Crowdfund.create)."""
    given = {k: v for k, v in options.items() if v is not None}
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).create(campaign, **given).to_dict(), as_json)


@crowdfund.command("match")
@click.argument("campaign")
@click.argument("sponsor")
@click.argument("cap", type=int)
@click.option("--numerator", type=int, default=1, show_default=True, help="Matched per --denominator pledged.")
@click.option("--denominator", type=int, default=1, show_default=True)
@request_id_option
@db_option()
@output_options
def match(db: str, as_json: bool, campaign: str, sponsor: str, cap: int, **options: Any) -> None:
    """SPONSOR commits a matching pool of CAP to CAMPAIGN (Crowdfund.add_matching)."""
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).add_matching(campaign, sponsor, cap, **options), as_json)


@crowdfund.command("pledge")
@click.argument("campaign")
@click.argument("donor")
@click.argument("amount", type=int)
@click.option("--pledge", help="Pledge id (default: generated).")
@click.option("--anonymous", is_flag=True, help="Keep the donor out of public pages and exports.")
@request_id_option
@db_option()
@output_options
def pledge(db: str, as_json: bool, campaign: str, donor: str, amount: int, **options: Any) -> None:
    """DONOR pledges AMOUNT to CAMPAIGN: a hold until the close (Crowdfund.pledge)."""
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).pledge(campaign, donor, amount, **options), as_json)


@crowdfund.command("change")
@click.argument("campaign")
@click.argument("pledge")
@click.argument("amount", type=int)
@request_id_option
@db_option()
@output_options
def change(db: str, as_json: bool, campaign: str, pledge: str, amount: int, request_id: Optional[str]) -> None:
    """Raise or reduce PLEDGE to AMOUNT before the deadline (Crowdfund.change_pledge)."""
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).change_pledge(campaign, pledge, amount, request_id=request_id), as_json)


@crowdfund.command("withdraw")
@click.argument("campaign")
@click.argument("pledge")
@click.option("--reason", default="cancelled by donor", show_default=True)
@request_id_option
@db_option()
@output_options
def withdraw(db: str, as_json: bool, campaign: str, pledge: str, **options: Any) -> None:
    """Cancel PLEDGE before the deadline (Crowdfund.cancel_pledge)."""
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).cancel_pledge(campaign, pledge, **options), as_json)


@crowdfund.command("close")
@click.argument("campaign", required=False)
@click.option("--due", is_flag=True, help="Close every campaign whose deadline has passed.")
@click.option("--now", type=AwareDateTime(), help="With --due: which deadlines count as passed (default: now).")
@db_option()
@output_options
def close(db: str, as_json: bool, campaign: Optional[str], due: bool, now: Optional[datetime]) -> None:
    """Settle CAMPAIGN at its deadline, exactly once (Crowdfund.close / close_due)."""
    if (campaign is None) == (not due):
        raise click.UsageError("give a CAMPAIGN or --due, not both.")
    with open_ledger(db) as ledger:
        fund = Crowdfund(ledger)
        if due:
            emit([s.to_dict() for s in fund.close_due(now)], as_json)
        else:
            assert campaign is not None
            emit(fund.close(campaign).to_dict(), as_json)


@crowdfund.command("cancel")
@click.argument("campaign")
@click.option("--reason", required=True, help="Why (recorded in the chain).")
@db_option()
@output_options
def cancel(db: str, as_json: bool, campaign: str, reason: str) -> None:
    """The organiser cancels CAMPAIGN before its deadline; every pledge is voided (Crowdfund.cancel)."""
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).cancel(campaign, reason).to_dict(), as_json)


@crowdfund.command("refund")
@click.argument("campaign")
@click.argument("pledge")
@click.option("--reason", required=True, help="Why (recorded in the reversal).")
@request_id_option
@db_option()
@output_options
def refund(db: str, as_json: bool, campaign: str, pledge: str, reason: str, request_id: Optional[str]) -> None:
    """Refund a collected PLEDGE after success, as reversals naming it (Crowdfund.refund)."""
    with open_ledger(db) as ledger:
        emit(Crowdfund(ledger).refund(campaign, pledge, reason, request_id=request_id), as_json)


@crowdfund.command("page")
@click.argument("campaign")
@db_option()
@output_options
def page(db: str, as_json: bool, campaign: str) -> None:
    """CAMPAIGN's public page: raised, donors, matched, fees, where the money went (Crowdfund.page)."""
    with open_ledger(db) as ledger:
        data = Crowdfund(ledger).page(campaign).to_dict()
    if as_json:
        emit(data, as_json)
        return
    backers, outgoing = data.pop("backers"), data.pop("outgoing")
    data["events"] = ", ".join(data["events"])
    data.pop("matching")
    emit(data, as_json)
    for rows in (backers, outgoing):
        if rows:
            click.echo()
            emit(rows, as_json)


@crowdfund.command("history")
@click.argument("donor")
@db_option()
@output_options
def history(db: str, as_json: bool, donor: str) -> None:
    """DONOR's pledges in every campaign (Crowdfund.donor_history)."""
    with open_ledger(db) as ledger:
        emit([r.to_dict() for r in Crowdfund(ledger).donor_history(donor)], as_json)


__all__ = ["crowdfund"]
