"""``ledger time-bank ...``: one command per ``TimeBank`` method, with the method's option names.

Built from ``ledger.cli``'s helpers, so every command takes ``--db`` and ``--json`` and a
refusal prints as one ``Error:`` line (the root group does that for every ``LedgerError``).
No rule lives here: the commands only translate arguments.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Optional

import click

from ledger.cli import AwareDateTime, db_option, emit, open_ledger, output_options, request_id_option

from .bank import TimeBank


@click.group("time-bank")
def time_bank() -> None:
    """Time banks: members exchange services for minutes (time bank plugin)."""


def read_services(source: click.File) -> list[dict[str, Any]]:
    """A catalogue file: a JSON list of services, or ``{"services": [...]}``."""
    try:
        data = json.load(source)  # type: ignore[arg-type]
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"the catalogue is not JSON: {exc}") from None
    services = data.get("services") if isinstance(data, dict) else data
    if not isinstance(services, list):
        raise click.UsageError('the catalogue must be a JSON list of services or {"services": [...]}.')
    return services


@time_bank.command("create")
@click.argument("bank")
@click.option("--max-exchange", type=int, help="Largest exchange in minutes (default 480).")
@click.option("--floor", type=int, help="Members' default floor in minutes (default -600).")
@click.option("--ceiling", type=int, help="Members' default ceiling in minutes (default 3000).")
@click.option("--organisation-floor", type=int, help="Floor of BANK:community (default 0).")
@click.option("--confirm-timeout", type=int, metavar="SECONDS", help="Time to confirm an exchange (default 14 days).")
@click.option("--catalogue", type=click.File("r"), help="JSON file of services (- for stdin).")
@request_id_option
@db_option()
@output_options
def create(db: str, as_json: bool, bank: str, catalogue: Optional[click.File], **options: Any) -> None:
    """Create time bank BANK with its organisation account BANK:community (TimeBank.create)."""
    given = {k: v for k, v in options.items() if v is not None}
    if catalogue is not None:
        given["catalogue"] = read_services(catalogue)
    with open_ledger(db) as ledger:
        emit(TimeBank.create(ledger, bank, **given).describe(), as_json)


@time_bank.command("join")
@click.argument("bank")
@click.argument("member")
@click.option("--owner", default="", help="Who the account belongs to (free text; prefer a pseudonym).")
@click.option("--floor", type=int, help="This member's floor (default: the bank's).")
@click.option("--ceiling", type=int, help="This member's ceiling (default: the bank's).")
@request_id_option
@db_option()
@output_options
def join(db: str, as_json: bool, bank: str, member: str, **options: Any) -> None:
    """Open MEMBER's account BANK:MEMBER (TimeBank.join)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).join(member, **options), as_json)


@time_bank.command("exchange")
@click.argument("bank")
@click.argument("provider")
@click.argument("receiver")
@click.argument("minutes", type=int)
@click.option("--category", required=True, help="A category of the bank's catalogue.")
@click.option("--description", required=True, help="What was done.")
@click.option("--confirm", is_flag=True, help="Wait for the receiver's confirmation (a hold).")
@click.option("--id", "--exchange-id", "exchange_id", help="Exchange id (default: generated).")
@request_id_option
@db_option()
@output_options
def exchange(db: str, as_json: bool, bank: str, provider: str, receiver: str, minutes: int, **options: Any) -> None:
    """PROVIDER gave RECEIVER MINUTES of service; RECEIVER pays (TimeBank.record_exchange)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).record_exchange(provider, receiver, minutes, **options), as_json)


@time_bank.command("confirm")
@click.argument("bank")
@click.argument("exchange_id")
@request_id_option
@db_option()
@output_options
def confirm(db: str, as_json: bool, bank: str, exchange_id: str, request_id: Optional[str]) -> None:
    """Confirm a pending exchange: the minutes move (TimeBank.confirm)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).confirm(exchange_id, request_id=request_id), as_json)


@time_bank.command("reject")
@click.argument("bank")
@click.argument("exchange_id")
@click.option("--reason", required=True, help="Why (recorded in the chain).")
@request_id_option
@db_option()
@output_options
def reject(db: str, as_json: bool, bank: str, exchange_id: str, reason: str, request_id: Optional[str]) -> None:
    """Reject a pending exchange: nothing moves (TimeBank.reject)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).reject(exchange_id, reason, request_id=request_id), as_json)


@time_bank.command("donate")
@click.argument("bank")
@click.argument("donor")
@click.argument("minutes", type=int)
@click.option("--to", help="The member who receives (default: the community pool).")
@request_id_option
@db_option()
@output_options
def donate(db: str, as_json: bool, bank: str, donor: str, minutes: int, **options: Any) -> None:
    """DONOR gives MINUTES of its credit (TimeBank.donate)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).donate(donor, minutes, **options), as_json)


@time_bank.command("grant")
@click.argument("bank")
@click.argument("member")
@click.argument("minutes", type=int)
@click.option("--description", required=True, help="The community work the grant pays for.")
@request_id_option
@db_option()
@output_options
def grant(db: str, as_json: bool, bank: str, member: str, minutes: int, description: str, **options: Any) -> None:
    """The organisation pays MEMBER MINUTES for community work (TimeBank.grant)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).grant(member, minutes, description, **options), as_json)


@time_bank.command("redeem")
@click.argument("bank")
@click.argument("member")
@click.argument("service")
@request_id_option
@db_option()
@output_options
def redeem(db: str, as_json: bool, bank: str, member: str, service: str, request_id: Optional[str]) -> None:
    """MEMBER spends the price of catalogue SERVICE (TimeBank.redeem)."""
    with open_ledger(db) as ledger:
        emit(TimeBank(ledger, bank).redeem(member, service, request_id=request_id), as_json)


@time_bank.command("catalogue")
@click.argument("bank")
@click.argument("source", type=click.File("r"), required=False)
@request_id_option
@db_option()
@output_options
def catalogue(db: str, as_json: bool, bank: str, source: Optional[click.File], request_id: Optional[str]) -> None:
    """Show BANK's catalogue, or replace it with the services in SOURCE, a JSON file or -
    (TimeBank.catalogue / TimeBank.set_catalogue)."""
    with open_ledger(db) as ledger:
        tb = TimeBank(ledger, bank)
        if source is None:
            services = [s.to_dict() for s in tb.catalogue()]
        else:
            services = tb.set_catalogue(read_services(source), request_id=request_id).data["services"]
    emit(services, as_json)


@time_bank.command("statement")
@click.argument("bank")
@click.option("--member", help="A member's statement instead of the bank's.")
@click.option("--since", type=AwareDateTime(), help="Only what was recorded after this time.")
@click.option("--until", type=AwareDateTime(), help="Only what was recorded up to this time.")
@db_option()
@output_options
def statement(
    db: str, as_json: bool, bank: str, member: Optional[str], since: Optional[datetime], until: Optional[datetime]
) -> None:
    """BANK's hours, exchanges and categories, or --member's earnings and spending
    (TimeBank.statement / TimeBank.member_statement)."""
    with open_ledger(db) as ledger:
        tb = TimeBank(ledger, bank)
        if member is not None:
            emit(tb.member_statement(member, since=since, until=until).to_dict(), as_json)
            return
        data = tb.statement(since=since, until=until).to_dict()
    if as_json:
        emit(data, as_json)
        return
    categories = data.pop("categories")
    emit(data, as_json)
    if categories:
        click.echo()
        emit(categories, as_json)


__all__ = ["time_bank"]
