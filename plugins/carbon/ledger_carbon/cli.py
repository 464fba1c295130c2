"""``ledger carbon ...``: one command per ``CarbonScheme`` method, with the method's option names.

Built from ``ledger.cli``'s helpers, so every command takes ``--db`` and ``--json`` and a refusal
prints as one ``Error:`` line. No rule lives here: the commands only translate arguments.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import click

from ledger.cli import db_option, emit, open_ledger, output_options, request_id_option

from .scheme import CarbonScheme


@click.group("carbon")
def carbon() -> None:
    """Carbon points: awards for verified green behaviour, redeemed at partner merchants (carbon plugin)."""


def read_list(source: Any, key: str) -> list[dict[str, Any]]:
    """A JSON list, or ``{key: [...]}``."""
    try:
        data = json.load(source)
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"the file is not JSON: {exc}") from None
    rows = data.get(key) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise click.UsageError(f'expected a JSON list or {{"{key}": [...]}}.')
    return rows


@carbon.command("create")
@click.argument("scheme")
@click.option("--rates", type=click.File("r"), help="JSON rate table (list of behaviours; - for stdin).")
@click.option("--expiry-days", type=int, default=365, show_default=True, help="Days points live after earning.")
@request_id_option
@db_option()
@output_options
def create(db: str, as_json: bool, scheme: str, rates: Any, expiry_days: int, request_id: Optional[str]) -> None:
    """Create carbon scheme SCHEME with its expiry account (CarbonScheme.create)."""
    with open_ledger(db) as ledger:
        cs = CarbonScheme.create(ledger, scheme, rates=read_list(rates, "behaviours") if rates else (),
                                 expiry_days=expiry_days, request_id=request_id)
        emit({"scheme": scheme, "rate_version": cs.rates().version, "expiry_days": expiry_days,
              "expired_account": cs.expired_account}, as_json)


@carbon.command("rates")
@click.argument("scheme")
@click.argument("source", type=click.File("r"), required=False)
@request_id_option
@db_option()
@output_options
def rates(db: str, as_json: bool, scheme: str, source: Any, request_id: Optional[str]) -> None:
    """Show the rate table in force, or publish a new version from SOURCE (CarbonScheme.set_rates)."""
    with open_ledger(db) as ledger:
        cs = CarbonScheme(ledger, scheme)
        if source is not None:
            cs.set_rates(read_list(source, "behaviours"), request_id=request_id)
        table = cs.rates()
        emit([{"version": table.version, **r.to_dict()} for r in table.rates.values()], as_json)


@carbon.command("verifier")
@click.argument("scheme")
@click.argument("verifier")
@click.argument("behaviours", nargs=-1)
@request_id_option
@db_option()
@output_options
def verifier(db: str, as_json: bool, scheme: str, verifier: str, behaviours: tuple[str, ...],
             request_id: Optional[str]) -> None:
    """Authorise VERIFIER to attest BEHAVIOURS (none: suspend it) (CarbonScheme.add_verifier)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).add_verifier(verifier, behaviours, request_id=request_id), as_json)


@carbon.command("join")
@click.argument("scheme")
@click.argument("resident")
@click.option("--owner", default="", help="Who the account belongs to (makes it personal).")
@request_id_option
@db_option()
@output_options
def join(db: str, as_json: bool, scheme: str, resident: str, owner: str, request_id: Optional[str]) -> None:
    """Open RESIDENT's account SCHEME:RESIDENT (CarbonScheme.join)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).join(resident, owner=owner, request_id=request_id), as_json)


@carbon.command("merchant")
@click.argument("scheme")
@click.argument("merchant")
@click.argument("catalogue", type=click.File("r"))
@click.option("--new", is_flag=True, help="Open the merchant's account too (CarbonScheme.add_merchant).")
@request_id_option
@db_option()
@output_options
def merchant(db: str, as_json: bool, scheme: str, merchant: str, catalogue: Any, new: bool,
             request_id: Optional[str]) -> None:
    """Record MERCHANT's CATALOGUE, a JSON list of {item, price} (CarbonScheme.set_catalogue)."""
    items = read_list(catalogue, "items")
    with open_ledger(db) as ledger:
        cs = CarbonScheme(ledger, scheme)
        if new:
            cs.add_merchant(merchant, items, request_id=request_id)
        else:
            cs.set_catalogue(merchant, items, request_id=request_id)
        emit([i.to_dict() for i in cs.catalogue(merchant).values()], as_json)


@carbon.command("restock")
@click.argument("scheme")
@click.argument("merchant")
@click.argument("item")
@click.argument("change", type=int)
@click.option("--reason", type=click.Choice(["restock", "adjustment"]), default="restock", show_default=True)
@request_id_option
@db_option()
@output_options
def restock(db: str, as_json: bool, scheme: str, merchant: str, item: str, change: int, reason: str,
            request_id: Optional[str]) -> None:
    """Change the stock of MERCHANT's ITEM by CHANGE (CarbonScheme.restock)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).restock(merchant, item, change, reason=reason, request_id=request_id),
             as_json)


@carbon.command("award")
@click.argument("scheme")
@click.argument("resident")
@click.argument("behaviour")
@click.argument("quantity", type=int)
@click.option("--verifier", required=True, help="The registered verifier submitting the activity.")
@click.option("--evidence", required=True, help="An opaque evidence id or sha256:<hex> of a photo/receipt.")
@request_id_option
@db_option()
@output_options
def award(db: str, as_json: bool, scheme: str, resident: str, behaviour: str, quantity: int, **options: Any) -> None:
    """Award RESIDENT points for QUANTITY units of BEHAVIOUR (CarbonScheme.award)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).award(resident, behaviour, quantity, **options), as_json)


@carbon.command("redeem")
@click.argument("scheme")
@click.argument("resident")
@click.argument("merchant")
@click.argument("item")
@click.option("--quantity", type=int, default=1, show_default=True)
@request_id_option
@db_option()
@output_options
def redeem(db: str, as_json: bool, scheme: str, resident: str, merchant: str, item: str, quantity: int,
           request_id: Optional[str]) -> None:
    """RESIDENT redeems ITEM at MERCHANT (CarbonScheme.redeem)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).redeem(resident, merchant, item, quantity, request_id=request_id), as_json)


@carbon.command("expire")
@click.argument("scheme")
@db_option()
@output_options
def expire(db: str, as_json: bool, scheme: str) -> None:
    """Move every lot due now to SCHEME:expired, one transfer per lot (CarbonScheme.expire)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).expire(), as_json)


@carbon.command("settle")
@click.argument("scheme")
@click.argument("merchant")
@click.option("--reference", required=True, help="The settlement's reference (invoice or payment id).")
@click.option("--amount", type=int, help="Points to settle (default: all the merchant holds).")
@request_id_option
@db_option()
@output_options
def settle(db: str, as_json: bool, scheme: str, merchant: str, reference: str, amount: Optional[int],
           request_id: Optional[str]) -> None:
    """Settle MERCHANT's points with the operator (CarbonScheme.settle)."""
    with open_ledger(db) as ledger:
        emit(CarbonScheme(ledger, scheme).settle(merchant, reference, amount, request_id=request_id), as_json)


@carbon.command("statement")
@click.argument("scheme")
@click.option("--resident", help="A resident's statement.")
@click.option("--merchant", help="A merchant's statement.")
@db_option()
@output_options
def statement(db: str, as_json: bool, scheme: str, resident: Optional[str], merchant: Optional[str]) -> None:
    """SCHEME's totals and CO2e, or --resident's or --merchant's statement."""
    with open_ledger(db) as ledger:
        cs = CarbonScheme(ledger, scheme)
        if resident is not None:
            data = cs.resident_statement(resident).to_dict()
        elif merchant is not None:
            data = cs.merchant_statement(merchant).to_dict()
        else:
            data = cs.statement().to_dict()
    if as_json:
        emit(data, as_json)
        return
    emit({k: v for k, v in data.items() if not isinstance(v, list)}, as_json)
    for key, rows in data.items():
        if isinstance(rows, list) and rows:
            click.echo(f"\n{key}:")
            emit(rows, as_json)


__all__ = ["carbon"]
