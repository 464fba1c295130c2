"""``ledger grants ...`` and ``ledger trace ...``: one command per ``Grants`` method or query,
with the method's option names.

Built from ``ledger.cli``'s helpers, so every command takes ``--db`` and ``--json`` and a
refusal prints as one ``Error:`` line. No rule lives here: the commands only translate arguments.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import click

from ledger.cli import db_option, emit, open_ledger, output_options, request_id_option

from .grants import Grants
from .statements import fund_statement, fund_statements, funder_statement, grant_statement, grant_statements
from .tracing import Tracer


def expense_options(f: Any) -> Any:
    """What every expense command takes: its date, its evidence, and the shared options."""
    for option in reversed((
        click.option("--date", "day", required=True, help="The expense's date, e.g. 2026-07-01."),
        click.option("--evidence", required=True, help="A document id or the receipt's SHA-256 (never the file)."),
        click.option("--transfer-id"),
        db_option(),
        output_options,
        request_id_option,
    )):
        f = option(f)
    return f


def _lines(values: tuple[str, ...]) -> dict[str, int]:
    lines = {}
    for value in values:
        name, sep, amount = value.partition("=")
        if not sep or not re.fullmatch(r"[0-9]+", amount):
            raise click.BadParameter(f"{value!r} is not LINE=AMOUNT (e.g. staff=600000).", param_hint="--line")
        lines[name] = int(amount)
    return lines


@click.group("grants")
def grants() -> None:
    """Funds, grants, budget lines and statements (grants plugin)."""


@grants.command("fund")
@click.argument("account")
@click.option("--scheme", required=True, help="The currency's scheme (e.g. kind grants).")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
@click.option("--purpose", default="", help="The restricted purpose; leave out for an unrestricted fund.")
@click.option("--description", default="")
@click.option("--owner", help="Who holds the fund (opening a new account).")
@db_option()
@output_options
@request_id_option
def fund(db: str, as_json: bool, account: str, scheme: str, **options: Any) -> None:
    """Open ACCOUNT (if new) and declare it a fund (Grants.open_fund)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).open_fund(account, scheme, **options).to_dict(), as_json)


@grants.command("conduit")
@click.argument("account")
@click.argument("fund_account", metavar="FUND")
@click.option("--note", default="")
@db_option()
@output_options
@request_id_option
def conduit(db: str, as_json: bool, account: str, fund_account: str, note: str, request_id: Optional[str]) -> None:
    """Trace money through ACCOUNT (a campaign's escrow) into FUND (Grants.add_conduit)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).add_conduit(account, fund_account, note, request_id=request_id), as_json)


@grants.command("donate")
@click.argument("donor")
@click.argument("fund_account", metavar="FUND")
@click.argument("amount", type=int)
@click.option("--transfer-id")
@click.option("--memo", default="")
@click.option("--public", "public", is_flag=True, help="Name the donor in public exports.")
@db_option()
@output_options
@request_id_option
def donate(db: str, as_json: bool, donor: str, fund_account: str, amount: int, transfer_id: Optional[str],
           memo: str, public: bool, request_id: Optional[str]) -> None:
    """DONOR gives AMOUNT (minor units) to FUND (Grants.donate)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).donate(donor, fund_account, amount, transfer_id=transfer_id, memo=memo,
                                   personal=not public, request_id=request_id), as_json)


@grants.command("spend")
@click.argument("fund_account", metavar="FUND")
@click.argument("payee")
@click.argument("amount", type=int)
@click.option("--purpose", required=True)
@expense_options
def spend(db: str, as_json: bool, fund_account: str, payee: str, amount: int, **options: Any) -> None:
    """An expense from FUND outside any grant (Grants.spend)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).spend(fund_account, payee, amount, **options), as_json)


@grants.command("move")
@click.argument("source")
@click.argument("target")
@click.argument("amount", type=int)
@click.option("--memo", default="")
@click.option("--transfer-id")
@db_option()
@output_options
@request_id_option
def move(db: str, as_json: bool, source: str, target: str, amount: int, **options: Any) -> None:
    """Move AMOUNT from fund SOURCE to fund TARGET (same purpose if SOURCE is restricted) (Grants.move)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).move(source, target, amount, **options), as_json)


@grants.command("award")
@click.argument("grant")
@click.option("--title", required=True)
@click.option("--funder", required=True, help="The funder's account.")
@click.option("--fund", "fund_account", required=True, help="The recipient fund's account.")
@click.option("--total", type=int, required=True, help="The commitment in minor units.")
@click.option("--currency", required=True)
@click.option("--purpose", required=True)
@click.option("--start", required=True, help="Grant period start, e.g. 2026-06-01.")
@click.option("--end", required=True, help="Grant period end.")
@click.option("--awarded-on", required=True, help="Award date.")
@click.option("--line", "lines", multiple=True, required=True, metavar="LINE=AMOUNT", help="A budget line (repeat).")
@click.option("--tolerance-bps", type=int, default=0, show_default=True, help="Overrun allowed per line (500 = 5%).")
@click.option("--identifier", default="", help="360Giving identifier (360G-...).")
@click.option("--funder-name", default="")
@click.option("--recipient-name", default="")
@db_option()
@output_options
@request_id_option
def award(db: str, as_json: bool, grant: str, fund_account: str, lines: tuple[str, ...], **options: Any) -> None:
    """Record GRANT's commitment, budget lines and 'awarded' event (Grants.award)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).award(grant, fund=fund_account, lines=_lines(lines), **options).to_dict(), as_json)


@grants.command("disburse")
@click.argument("grant")
@click.argument("amount", type=int)
@click.option("--transfer-id")
@db_option()
@output_options
@request_id_option
def disburse(db: str, as_json: bool, grant: str, amount: int, transfer_id: Optional[str],
             request_id: Optional[str]) -> None:
    """A tranche of AMOUNT from the funder into GRANT's fund (Grants.disburse)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).disburse(grant, amount, transfer_id=transfer_id, request_id=request_id), as_json)


@grants.command("expense")
@click.argument("grant")
@click.argument("payee")
@click.argument("amount", type=int)
@click.option("--line", required=True, help="The budget line.")
@expense_options
def expense(db: str, as_json: bool, grant: str, payee: str, amount: int, **options: Any) -> None:
    """Record an expense of GRANT paid to PAYEE (Grants.expense)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).expense(grant, payee, amount, **options), as_json)


@grants.command("reallocate")
@click.argument("grant")
@click.argument("source")
@click.argument("target")
@click.argument("amount", type=int)
@click.option("--reason", required=True)
@db_option()
@output_options
@request_id_option
def reallocate(db: str, as_json: bool, grant: str, source: str, target: str, amount: int, reason: str,
               request_id: Optional[str]) -> None:
    """Move AMOUNT of GRANT's budget from line SOURCE to line TARGET (Grants.reallocate)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).reallocate(grant, source, target, amount, reason=reason, request_id=request_id),
             as_json)


@grants.command("report")
@click.argument("grant")
@click.option("--from", "start", help="First day the report covers (default: the grant's start).")
@click.option("--to", "end", help="Last day the report covers (default: the grant's end).")
@click.option("--note", default="")
@db_option()
@output_options
@request_id_option
def report(db: str, as_json: bool, grant: str, start: Optional[str], end: Optional[str], note: str,
           request_id: Optional[str]) -> None:
    """Compute GRANT's expense report from the ledger and submit it (Grants.submit_report); prints
    the report with the digest a funder accepts or rejects."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).submit_report(grant, start=start, end=end, note=note, request_id=request_id), as_json)


@grants.command("show-report")
@click.argument("grant")
@click.argument("number", type=int, required=False)
@db_option()
@output_options
def show_report(db: str, as_json: bool, grant: str, number: Optional[int]) -> None:
    """GRANT's submitted report NUMBER (default: the latest) (Grants.report)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).report(grant, number), as_json)


@grants.command("accept")
@click.argument("grant")
@click.option("--report", "digest", required=True, help="The digest of the report accepted.")
@click.option("--note", default="")
@db_option()
@output_options
@request_id_option
def accept(db: str, as_json: bool, grant: str, digest: str, note: str, request_id: Optional[str]) -> None:
    """Accept GRANT's submitted report, named by its digest (Grants.accept_report)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).accept_report(grant, digest, note, request_id=request_id), as_json)


@grants.command("reject")
@click.argument("grant")
@click.option("--report", "digest", required=True, help="The digest of the report rejected.")
@click.option("--reason", required=True)
@db_option()
@output_options
@request_id_option
def reject(db: str, as_json: bool, grant: str, digest: str, reason: str, request_id: Optional[str]) -> None:
    """Reject GRANT's submitted report, named by its digest, with a reason (Grants.reject_report)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).reject_report(grant, digest, reason, request_id=request_id), as_json)


@grants.command("close")
@click.argument("grant")
@click.option("--note", default="")
@db_option()
@output_options
@request_id_option
def close(db: str, as_json: bool, grant: str, note: str, request_id: Optional[str]) -> None:
    """Close GRANT once its report is accepted and nothing is unspent (Grants.close)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).close(grant, note, request_id=request_id), as_json)


@grants.command("reverse")
@click.argument("transfer_id")
@click.option("--reason", required=True)
@db_option()
@output_options
@request_id_option
def reverse(db: str, as_json: bool, transfer_id: str, reason: str, request_id: Optional[str]) -> None:
    """Take back an erroneous movement with a reversal naming it (Grants.reverse)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).reverse(transfer_id, reason=reason, request_id=request_id), as_json)


@grants.command("correct")
@click.argument("transfer_id")
@click.option("--reason", required=True)
@click.option("--amount", type=int, help="The corrected amount (default: the original's).")
@click.option("--line", help="The corrected budget line (expenses).")
@click.option("--date", "day", help="The corrected date (expenses).")
@click.option("--evidence", help="The corrected evidence (expenses).")
@click.option("--payee", help="The corrected payee (expenses).")
@db_option()
@output_options
@request_id_option
def correct(db: str, as_json: bool, transfer_id: str, reason: str, request_id: Optional[str], **changes: Any) -> None:
    """Reverse a grant movement and record its corrected version in one batch (Grants.correct)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).correct(transfer_id, reason=reason, request_id=request_id, **changes), as_json)


@grants.command("return")
@click.argument("grant")
@click.argument("amount", type=int, required=False)
@db_option()
@output_options
@request_id_option
def return_unspent(db: str, as_json: bool, grant: str, amount: Optional[int], request_id: Optional[str]) -> None:
    """Return GRANT's unspent balance (or AMOUNT of it) to the funder (Grants.return_unspent)."""
    with open_ledger(db) as ledger:
        emit(Grants(ledger).return_unspent(grant, amount, request_id=request_id), as_json)


@grants.command("statement")
@click.argument("kind", type=click.Choice(["fund", "grant", "funder"]))
@click.argument("subject", required=False)
@db_option()
@output_options
def statement(db: str, as_json: bool, kind: str, subject: Optional[str]) -> None:
    """A statement of one fund, grant or funder; of every fund or grant without SUBJECT."""
    with open_ledger(db) as ledger:
        if kind == "funder":
            if subject is None:
                raise click.UsageError("a funder statement needs the funder's account.")
            emit(funder_statement(ledger, subject).to_dict(), as_json)
        elif kind == "fund":
            emit(fund_statement(ledger, subject).to_dict() if subject else
                 [s.to_dict() for s in fund_statements(ledger)], as_json)
        else:
            result = grant_statement(ledger, subject).to_dict() if subject else [
                {k: v for k, v in s.to_dict().items() if k != "lines"} for s in grant_statements(ledger)]
            emit(result, as_json)


@click.group("trace")
def trace() -> None:
    """Where a donation went, what paid for an expense: FIFO tracing (grants plugin)."""


@trace.command("donation")
@click.argument("transfer_id")
@db_option()
@output_options
def trace_donation(db: str, as_json: bool, transfer_id: str) -> None:
    """The expenses (and unspent balances) TRANSFER_ID's money paid for."""
    with open_ledger(db) as ledger:
        result = Tracer(ledger).donation(transfer_id).to_dict()
    if as_json:
        emit(result, True)
    else:
        rows = [{k: u[k] for k in ("transfer_id", "credit", "amount", "code", "grant", "line")} for u in result["uses"]]
        rows += [{"transfer_id": "(unspent)", "credit": fund, "amount": n, "code": None, "grant": None, "line": None}
                 for fund, n in result["unspent"].items()]
        emit(rows, False)


@trace.command("expense")
@click.argument("transfer_id")
@db_option()
@output_options
def trace_expense(db: str, as_json: bool, transfer_id: str) -> None:
    """The donations and tranches that paid for TRANSFER_ID."""
    with open_ledger(db) as ledger:
        result = Tracer(ledger).expense(transfer_id).to_dict()
    if as_json:
        emit(result, True)
    else:
        rows = [{k: s[k] for k in ("transfer_id", "debit", "amount", "code", "grant")} for s in result["sources"]]
        if result["unfunded"]:
            rows.append({"transfer_id": "(unfunded)", "debit": None, "amount": result["unfunded"], "code": None,
                         "grant": None})
        emit(rows, False)


__all__ = ["grants", "trace"]
