"""The ``ledger`` command line: one command per ``Ledger`` method, with the method's option names.

Modelled on sqlite-utils: every command takes ``--db`` (env ``LEDGER_DB``) and the shared
output options (``--json``); a library error is printed as one ``Error: ...`` line on
stderr with exit code 1 (usage errors print one line too and keep click's exit code 2).
Amounts and limits reach the library as the strings typed, so its schemas name the rule
that was broken. ``cli`` is a plain module-level group: plugins add sub-groups to it.

The module is longer than most because it is the whole one-to-one map from methods to
commands, each a few lines; splitting it would scatter that map.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import click
from click.core import ParameterSource

from . import Ledger, LedgerError
from .plugins import PluginHost
from .results import Record

DEFAULT_DB = "ledger.db"
_HELP_ERRORS = tuple(e for e in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if e is not None)


class OneLineError(click.ClickException):
    """Printed by click as ``Error: <message>`` alone, with the given exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn library errors (exit 1) and usage errors (exit 2) into one ``Error:`` line."""
    try:
        yield
    except LedgerError as exc:
        raise OneLineError(str(exc)) from None
    except _HELP_ERRORS:
        raise  # ``ledger`` alone prints the help, as click does
    except click.UsageError as exc:
        raise OneLineError(exc.format_message(), exc.exit_code) from None


class LedgerGroup(click.Group):
    """The root group: every error raised below it, in any sub-group, becomes one line.

    Plugin sub-commands (``ledger_register_commands``) are added the first time click
    looks a command up, not at import: ``--help`` of a built-in stays fast and tests
    that import the CLI do not load installed plugins.
    """

    _plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        with one_line_errors():
            PluginHost().call("ledger_register_commands", cli=self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        if cmd_name not in self.commands:
            self._load_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def make_context(self, info_name: Optional[str], args: list[str], parent: Any = None, **extra: Any) -> Any:
        with one_line_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with one_line_errors():
            return super().invoke(ctx)


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="SQLite file for the command that follows, like giving it --db.",
)
@click.version_option(package_name="commons-ledger", prog_name="ledger")
def cli(db: Optional[str]) -> None:
    """An open, hash-chained, double-entry ledger for community credits.

    Each command is one method of ledger.Ledger with the same option names.
    Amounts are integers in the unit's smallest step.
    """


# -- shared options and output ------------------------------------------------------


def _db_from_group(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    """A command's ``--db`` wins; else the group's ``ledger --db``; else env or default."""
    if ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE:
        group_db = ctx.find_root().params.get("db")
        if group_db is not None:
            return group_db
    return value


def db_option(default: str = DEFAULT_DB, envvar: Optional[str] = "LEDGER_DB") -> Callable[..., Any]:
    """``--db``: the SQLite file or ``postgresql://`` URL, on every command (env ``LEDGER_DB``)."""
    return click.option(
        "--db",
        default=default,
        envvar=envvar,
        show_default=True,
        show_envvar=envvar is not None,
        type=click.Path(dir_okay=False),
        callback=_db_from_group,
        help="SQLite file holding the ledger, or a postgresql:// URL.",
    )


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The output options every command shares."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)


def request_id_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--request-id", help="Idempotency key: repeating the same command with it returns the first result."
    )(f)


def limit_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--floor N | --no-floor`` and ``--ceiling N | --no-ceiling`` (``--no-*`` = unlimited)."""
    for name, what in (("ceiling", "Highest"), ("floor", "Lowest")):
        f = click.option(f"--no-{name}", f"no_{name}", is_flag=True, help=f"No {name}: unlimited.")(f)
        f = click.option(f"--{name}", metavar="N", help=f"{what} balance allowed.")(f)
    return f


def limits(required: bool = False, **options: Any) -> dict[str, Any]:
    """Keyword arguments for the limits given: absent ones are left to the library's default."""
    out: dict[str, Any] = {}
    for name in ("floor", "ceiling"):
        value, unlimited = options[name], options[f"no_{name}"]
        if value is not None and unlimited:
            raise click.UsageError(f"give --{name} or --no-{name}, not both.")
        if value is not None or unlimited:
            out[name] = value
        elif required:
            raise click.UsageError(f"Missing option '--{name}' (or '--no-{name}').")
    return out


def given(**kwargs: Any) -> dict[str, Any]:
    """Only the options the user gave, so the library's defaults apply to the rest."""
    return {k: v for k, v in kwargs.items() if v is not None}


@contextmanager
def open_ledger(db: str) -> Iterator[Ledger]:
    with Ledger(db) as ledger:
        yield ledger


def jsonable(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    """Rows as aligned columns under a header; numbers right-aligned."""
    if not rows:
        return ""
    columns = list(rows[0])
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), int) or row.get(c) is None for row in rows) for c in columns]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(columns), *(line(r) for r in cells)])


def lines(data: dict[str, Any]) -> str:
    """One record as ``key  value`` lines."""
    width = max((len(k) for k in data), default=0)
    return "\n".join(f"{k.ljust(width)}  {cell(v)}" for k, v in data.items())


def emit(value: Any, as_json: bool) -> None:
    """Print a result: JSON with ``--json``, else a table (lists) or key/value lines (records)."""
    data = jsonable(value)
    if as_json:
        click.echo(json.dumps(data, indent=2))
    elif data and isinstance(data, list) and isinstance(data[0], dict):
        click.echo(table(data))
    elif isinstance(data, list):
        for item in data:
            click.echo(cell(item))
    else:
        click.echo(lines(data))


class AwareDateTime(click.ParamType):
    name = "ISO-TIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            self.fail(f"{value!r} is not a timezone-aware ISO 8601 time (e.g. 2026-01-31T12:00:00+00:00).")
        return when


# -- the ledger itself -----------------------------------------------------------------


@cli.command()
@click.option("--id", "--ledger-id", "ledger_id", help="Ledger id, e.g. example.org/garden (default: generated).")
@click.option(
    "--key",
    "--key-path",
    "key_path",
    type=click.Path(dir_okay=False),
    help="Where to write the signing key (default: DB.key).",
)
@db_option()
@output_options
def init(db: str, as_json: bool, ledger_id: Optional[str], key_path: Optional[str]) -> None:
    """Create a ledger with a signing key (Ledger.init).

    Prints the ledger id, the key file and its public (verifier) key.
    """
    from ledger_audit import verifier_key

    with Ledger.init(db, ledger_id, key_path=key_path) as ledger:
        path = Path(ledger.key_path)
        info = {
            "ledger_id": ledger.ledger_id,
            "db": ledger.db,
            "key_path": str(path),
            "public_key": verifier_key(path.read_text().strip()),
        }
    emit(info, as_json)


@cli.command()
@db_option()
@output_options
def verify(db: str, as_json: bool) -> None:
    """Check the chain, what was signed, and every read model against the chain (Ledger.verify).

    Prints the size and head; exits 1 naming the first bad seq, or listing each read-model
    cell that differs from what the chain's events say (table, key, column, expected, found).
    """
    with open_ledger(db) as ledger:
        report = ledger.verify()
    if as_json:
        emit(report, as_json)
    elif report.ok:
        click.echo(f"OK: chain of {report.size} events verified, head {report.head}; read models match it")
    else:
        if report.bad_seq is not None:
            click.echo(f"Error: chain breaks at seq {report.bad_seq}: {report.reason}", err=True)
        else:
            click.echo(f"Error: {report.reason}", err=True)
        for difference in report.differences:
            click.echo(f"  {difference}", err=True)
        if report.drift > len(report.differences):
            click.echo(f"  ... and {report.drift - len(report.differences)} more", err=True)
    if not report.ok:
        raise SystemExit(1)


@cli.command()
@click.option("--from", "source", required=True, help="The ledger to copy: sqlite:PATH or a postgresql:// URL.")
@click.option("--to", "target", required=True, help="An empty store: a postgresql:// URL, or sqlite:PATH.")
@output_options
def migrate(source: str, target: str, as_json: bool) -> None:
    """Copy a ledger to another store with its chain intact, then verify the copy (ledger.migrate).

    Stop writers first. The signing key stays where it is: point LEDGER_KEY (or
    --key on init) at it when you use the new store.
    """
    from .migrate import migrate as run

    report = run(source, target)
    if as_json:
        emit(report.to_dict(), as_json)
    else:
        click.echo(
            f"OK: {report.size} events copied from {report.source} to {report.target}, "
            f"chain verified, root {report.root[:16]}…, checkpoint {report.checkpoint_size}"
        )


@cli.command()
@db_option()
@output_options
def checkpoint(db: str, as_json: bool) -> None:
    """Sign a checkpoint of the whole ledger (Ledger.checkpoint); prints the signed note."""
    with open_ledger(db) as ledger:
        signed = ledger.checkpoint()
    if as_json:
        emit(signed.to_dict(), as_json)
    else:
        click.echo(signed.note, nl=False)


@cli.command("export")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="A new or empty directory.")
@click.option("--private", is_flag=True, help="Keep personal bodies (an internal export, not for publication).")
@click.option("--format", "formats", multiple=True, help="Only these exporters (repeatable); default: all.")
@db_option()
@output_options
def export_command(out: str, private: bool, formats: tuple[str, ...], db: str, as_json: bool) -> None:
    """Write the auditor's export directory (Ledger.export): leaves, bodies, checkpoint, exporters."""
    with open_ledger(db) as ledger:
        emit(ledger.export(out, public=not private, formats=list(formats) or None).to_dict(), as_json)


@cli.command()
@click.argument("seq", type=int)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the receipt here instead of printing it.")
@db_option()
@output_options
def receipt(seq: int, out: Optional[str], db: str, as_json: bool) -> None:
    """A donor's receipt: proof that event SEQ is in the signed ledger (Ledger.receipt). Always JSON."""
    with open_ledger(db) as ledger:
        text = json.dumps(ledger.receipt(seq), indent=1, ensure_ascii=False) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("old_size", type=int)
@click.argument("new_size", type=int, required=False)
@db_option()
@output_options
def consistency(old_size: int, new_size: Optional[int], db: str, as_json: bool) -> None:
    """Proof that the ledger's tree extends its tree of OLD_SIZE events (Ledger.consistency). Always JSON."""
    with open_ledger(db) as ledger:
        click.echo(json.dumps(ledger.consistency(old_size, new_size), indent=1))


@cli.command("rotate-key")
@request_id_option
@db_option()
@output_options
def rotate_key(request_id: Optional[str], db: str, as_json: bool) -> None:
    """Hand checkpoint signing to a new key, recorded in the chain (Ledger.rotate_key)."""
    with open_ledger(db) as ledger:
        emit(ledger.rotate_key(request_id=request_id), as_json)


@cli.command()
@db_option()
@output_options
def totals(db: str, as_json: bool) -> None:
    """Sum of balances per unit, 0 when sound (Ledger.unit_totals)."""
    with open_ledger(db) as ledger:
        result = ledger.unit_totals()
    emit(result if as_json else [{"unit": unit, **row} for unit, row in result.items()], as_json)


@cli.command()
@db_option(default="demo.db", envvar=None)
@output_options
def demo(db: str, as_json: bool) -> None:
    """Record and verify a demo season (ledger.demo.run_demo).

    Creates the demo ledger if the file holds none; running it again writes nothing new.
    """
    from .demo import run_demo

    summary = run_demo(db, out=(lambda *args: None) if as_json else click.echo)
    if as_json:
        emit(summary, as_json)


# -- schemes ------------------------------------------------------------------------------


@cli.group()
def scheme() -> None:
    """Credit schemes: a unit and default account limits."""


@scheme.command("register")
@click.argument("name")
@click.argument("unit")
@limit_options
@db_option()
@output_options
def scheme_register(db: str, as_json: bool, name: str, unit: str, **limit_args: Any) -> None:
    """Register scheme NAME counting in UNIT (Ledger.register_scheme).

    Its issuer account is NAME:issuer. Accounts default to floor 0 (no overdraft)
    and no ceiling.
    """
    with open_ledger(db) as ledger:
        emit(ledger.register_scheme(name, unit, **limits(**limit_args)), as_json)


@scheme.command("list")
@db_option()
@output_options
def scheme_list(db: str, as_json: bool) -> None:
    """List the registered schemes (Ledger.schemes)."""
    with open_ledger(db) as ledger:
        emit(ledger.schemes(), as_json)


# -- accounts -----------------------------------------------------------------------------


@cli.group()
def account() -> None:
    """Accounts: open, inspect, change limits, close."""


@account.command("open")
@click.argument("account")
@click.option("--scheme", required=True, help="The scheme (and so the unit) of the account.")
@click.option("--owner", help="Who the account belongs to (free text).")
@limit_options
@request_id_option
@db_option()
@output_options
def account_open(db: str, as_json: bool, account: str, scheme: str, **options: Any) -> None:
    """Open ACCOUNT in a scheme (Ledger.open_account).

    Limits default to the scheme's; --no-floor / --no-ceiling mean unlimited.
    """
    limit_args = {k: options.pop(k) for k in ("floor", "no_floor", "ceiling", "no_ceiling")}
    with open_ledger(db) as ledger:
        emit(ledger.open_account(account, scheme, **limits(**limit_args), **given(**options)), as_json)


@account.command("show")
@click.argument("account")
@db_option()
@output_options
def account_show(db: str, as_json: bool, account: str) -> None:
    """Show ACCOUNT's scheme, owner and limits (Ledger.account)."""
    with open_ledger(db) as ledger:
        emit(ledger.account(account), as_json)


@account.command("list")
@click.option("--scheme", help="Only accounts of this scheme.")
@db_option()
@output_options
def account_list(db: str, as_json: bool, scheme: Optional[str]) -> None:
    """List accounts (Ledger.accounts)."""
    with open_ledger(db) as ledger:
        emit(ledger.accounts(scheme), as_json)


@account.command("close")
@click.argument("account")
@click.option("--reason", help="Why it is closed (recorded in the chain).")
@db_option()
@output_options
def account_close(db: str, as_json: bool, account: str, reason: Optional[str]) -> None:
    """Close an account for good (Ledger.close_account).

    Its balance and pending amounts must be zero.
    """
    with open_ledger(db) as ledger:
        emit(ledger.close_account(account, **given(reason=reason)), as_json)


@account.command("limits")
@click.argument("account")
@limit_options
@click.option("--reason", required=True, help="Why the limits change (recorded in the chain).")
@db_option()
@output_options
def account_limits(db: str, as_json: bool, account: str, reason: str, **limit_args: Any) -> None:
    """Record new limits for ACCOUNT (Ledger.change_limits).

    Give each limit as --floor N / --ceiling N, or --no-floor / --no-ceiling.
    """
    with open_ledger(db) as ledger:
        emit(ledger.change_limits(account, **limits(required=True, **limit_args), reason=reason), as_json)


# -- movements ----------------------------------------------------------------------------


@cli.command()
@click.argument("debit")
@click.argument("credit")
@click.argument("amount")
@click.option("--id", "--transfer-id", "transfer_id", help="Transfer id (default: generated).")
@click.option("--code", help="A short code classifying the transfer.")
@click.option("--memo", help="Free text recorded with the transfer.")
@request_id_option
@db_option()
@output_options
def transfer(db: str, as_json: bool, debit: str, credit: str, amount: str, **options: Any) -> None:
    """Move AMOUNT from DEBIT to CREDIT now (Ledger.transfer)."""
    with open_ledger(db) as ledger:
        emit(ledger.transfer(debit, credit, amount, **given(**options)), as_json)


@cli.command()
@click.argument("debit")
@click.argument("credit")
@click.argument("amount")
@click.option("--id", "--hold-id", "hold_id", help="Hold id (default: generated).")
@click.option("--timeout", metavar="SECONDS", help="Expire the hold this many seconds from now.")
@click.option("--expires-at", metavar="ISO-TIME", help="Expire the hold at this time (with an offset).")
@click.option("--code", help="A short code classifying the hold.")
@click.option("--memo", help="Free text recorded with the hold.")
@request_id_option
@db_option()
@output_options
def hold(db: str, as_json: bool, debit: str, credit: str, amount: str, **options: Any) -> None:
    """Reserve AMOUNT from DEBIT for CREDIT (Ledger.hold).

    The hold stays pending until it is posted, voided or expired.
    """
    with open_ledger(db) as ledger:
        emit(ledger.hold(debit, credit, amount, **given(**options)), as_json)


@cli.command()
@click.argument("hold_id")
@click.argument("amount", required=False)
@request_id_option
@db_option()
@output_options
def post(db: str, as_json: bool, hold_id: str, amount: Optional[str], request_id: Optional[str]) -> None:
    """Post all of a hold, or AMOUNT of it (Ledger.post).

    Posting part of a hold releases the rest.
    """
    with open_ledger(db) as ledger:
        emit(ledger.post(hold_id, amount, **given(request_id=request_id)), as_json)


@cli.command()
@click.argument("hold_id")
@click.option("--reason", help="Why the hold is released.")
@request_id_option
@db_option()
@output_options
def void(db: str, as_json: bool, hold_id: str, **options: Any) -> None:
    """Release hold HOLD_ID without moving anything (Ledger.void)."""
    with open_ledger(db) as ledger:
        emit(ledger.void(hold_id, **given(**options)), as_json)


@cli.command()
@click.argument("transfer_id", required=False)
@click.option("--hold", "hold_id", metavar="HOLD_ID", help="Reverse this posted hold instead of a transfer.")
@click.option("--reason", required=True, help="Why (recorded as the reversal's memo).")
@request_id_option
@db_option()
@output_options
def reverse(
    db: str, as_json: bool, transfer_id: Optional[str], hold_id: Optional[str], reason: str, request_id: Optional[str]
) -> None:
    """Undo a transfer or a posted hold (Ledger.reverse).

    Records a new transfer the other way that names TRANSFER_ID (or --hold HOLD_ID);
    the original is never edited.
    """
    with open_ledger(db) as ledger:
        emit(ledger.reverse(transfer_id, hold_id=hold_id, reason=reason, **given(request_id=request_id)), as_json)


@cli.command("expire-holds")
@click.option("--now", type=AwareDateTime(), help="Expire holds due at or before this time (default: now).")
@click.option("--limit", type=int, default=500, show_default=True, help="Holds per commit.")
@db_option()
@output_options
def expire_holds(db: str, as_json: bool, now: Optional[datetime], limit: int) -> None:
    """Expire held holds past their deadline (Ledger.expire_holds).

    Prints the ids of the holds it expired, one a line.
    """
    with open_ledger(db) as ledger:
        emit(ledger.expire_holds(now, limit=limit), as_json)


# -- queries ------------------------------------------------------------------------------


@cli.command()
@click.argument("account")
@click.option("--as-of", metavar="SEQ|ISO-TIME", help="The balance as of a sequence number or a time.")
@db_option()
@output_options
def balance(db: str, as_json: bool, account: str, as_of: Optional[str]) -> None:
    """An account's posted, pending, available (Ledger.balance)."""
    with open_ledger(db) as ledger:
        emit(ledger.balance(account, as_of), as_json)


@cli.command()
@click.argument("account")
@click.option("--after", type=int, metavar="SEQ", help="Start after this sequence number (a page's next).")
@click.option("--limit", type=int, default=50, show_default=True, help="Entries per page (1-1000).")
@db_option()
@output_options
def history(db: str, as_json: bool, account: str, after: Optional[int], limit: int) -> None:
    """An account's movements, a page at a time (Ledger.history).

    With more to read, prints the --after value for the next page on stderr.
    """
    with open_ledger(db) as ledger:
        page = ledger.history(account, after=after, limit=limit)
    if as_json:
        emit(page, as_json)
        return
    emit(page.entries, as_json)
    if page.next is not None:
        click.echo(f"more: --after {page.next}", err=True)


@cli.command("plugins")
@click.option("--db", default=None, help="Also list this ledger's schemes and whether each is writable here.")
@output_options
def plugins_command(db: Optional[str], as_json: bool) -> None:
    """Loaded plugins: their distribution, version, scheme kinds and fact types.

    With --db (or $LEDGER_DB), also each registered scheme, the plugin its kind was
    registered with, and whether it is writable here (its kind's plugin is loaded).
    """
    rows = PluginHost().describe()
    db = db or os.environ.get("LEDGER_DB")
    if db:
        with open_ledger(db) as ledger:
            schemes = ledger.scheme_plugins()
        if as_json:
            emit({"plugins": rows, "schemes": schemes}, as_json)
            return
        emit(rows, False)
        click.echo("")
        emit(schemes, False)
        return
    if rows or as_json:
        emit(rows, as_json)
    else:
        click.echo("no plugins installed (see docs/plugins.md)")


def main() -> None:
    """The ``ledger`` console script."""
    cli.main(prog_name="ledger")


if __name__ == "__main__":
    main()
