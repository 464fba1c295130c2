"""The ``ledger`` group and what every command shares: ``--db``, ``--json``, output, errors.

Modelled on sqlite-utils: every command takes ``--db`` (env ``LEDGER_DB``) and the shared
output options (``--json``). A library error is printed as one ``Error: ...`` line on
stderr with exit code 1; a usage error prints one line too and keeps click's exit code 2.
With ``--json`` either is one JSON object on stderr instead,
``{"error": {"type": ..., "message": ..., <the error's fields>}}``, with the same exit codes.
``cli`` is a plain module-level group: plugins add sub-groups to it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Callable, Iterator, Optional

import click
from click.core import ParameterSource

from .. import Ledger, LedgerError
from ..plugins import PluginHost
from ..results import Record

DEFAULT_DB = "ledger.db"
_HELP_ERRORS = tuple(e for e in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if e is not None)


#: Whether the command line being run asked for ``--json`` (errors are then JSON too).
JSON_ERRORS: ContextVar[bool] = ContextVar("ledger_cli_json_errors", default=False)


class OneLineError(click.ClickException):
    """Printed as ``Error: <message>`` alone, or under ``--json`` as one JSON object, with the given exit code."""

    def __init__(self, message: str, exit_code: int = 1, kind: str = "UsageError", fields: Any = None) -> None:
        super().__init__(message)
        self.exit_code, self.kind, self.fields = exit_code, kind, fields or {}

    def show(self, file: Any = None) -> None:
        if not JSON_ERRORS.get():
            return super().show(file)
        error = {"type": self.kind, "message": self.format_message(), **jsonable(self.fields)}
        click.echo(json.dumps({"error": error}, default=str), err=True)


def error_fields(exc: BaseException) -> dict[str, Any]:
    """The data an error carries as attributes (``account``, ``limit``, ``errors`` ...), for JSON output."""
    fields = {k: v for k, v in vars(exc).items() if not k.startswith("_") and k not in ("args", "message")}
    plain = (str, int, float, bool, list, dict, type(None))
    return {k: (v if isinstance(v, plain) else str(v)) for k, v in fields.items()}


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn library errors (exit 1) and usage errors (exit 2) into one line (JSON under ``--json``)."""
    try:
        yield
    except LedgerError as exc:
        raise OneLineError(str(exc), 1, type(exc).__name__, error_fields(exc)) from None
    except _HELP_ERRORS:
        raise  # ``ledger`` alone prints the help, as click does
    except OneLineError:
        raise
    except click.UsageError as exc:
        raise OneLineError(exc.format_message(), exc.exit_code, "UsageError") from None
    except OSError as exc:  # a file the command was told to write or read: full disk, no such directory
        where = f" {exc.filename}" if exc.filename else ""
        raise OneLineError(f"cannot use{where}: {exc.strerror or exc}", 1, type(exc).__name__) from None


def wants_json(args: list[str]) -> bool:
    """``--json`` among the options (before any ``--``): known before parsing, so usage errors can honour it."""
    return "--json" in (args[: args.index("--")] if "--" in args else args)


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
        if parent is None:
            JSON_ERRORS.set(wants_json(args))
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
    if isinstance(value, Record) or hasattr(value, "to_dict"):  # records, checkpoints, export results
        return jsonable(value.to_dict())
    if isinstance(value, bytes):
        return value.hex()
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
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)  # details and fact data, as they would be typed
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
