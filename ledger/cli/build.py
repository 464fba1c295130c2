"""Click commands made from the table in ``mapping.py``: one per ``Ledger`` method, nothing hand-copied.

A command's arguments and options are the method's parameters (``mapping.parameters``);
the options the user leaves out are not passed, so the library's defaults apply and its
schemas name any rule broken by what was typed.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

import click

from .. import Ledger, LedgerError
from . import handlers
from .base import cli, db_option, emit, jsonable, limits, open_ledger, output_options
from .mapping import COMMANDS, EXTRA, NOT_OFFERED, PARAMS, Param, Spec

GROUPS = {
    "scheme": "Credit schemes: a unit and default account limits.",
    "account": "Accounts: open, inspect, change limits, close.",
}
LIMITS = ("floor", "ceiling")
ALIAS = "alias__"  # the destination prefix of a hidden older spelling


class NotFound(LedgerError):
    """A read that found nothing (the method returned ``None``): exit 1 like any refusal."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Parameter:
    """One parameter of a method as the CLI offers it."""

    name: str
    required: bool
    default: Any  # inspect.Parameter.empty when there is none worth showing


def member(spec: Spec) -> Any:
    return inspect.getattr_static(Ledger, spec.method)


def parameters(spec: Spec) -> list[Parameter]:
    """The method's parameters (its schema's fields for ``**kwargs``), minus those no command offers."""
    attr = member(spec)
    if isinstance(attr, property):
        return []
    signature = inspect.signature(getattr(Ledger, spec.method))
    out: list[Parameter] = []
    for p in signature.parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in NOT_OFFERED:
            continue
        if p.name == "db":
            continue  # Ledger.init's store: the --db every command takes
        default = p.default if p.default is not None and type(p.default) is not object else inspect.Parameter.empty
        out.append(Parameter(p.name, p.default is inspect.Parameter.empty, default))
    named = {p.name for p in out}
    if spec.schema is not None:
        for name, fld in spec.schema._declared_fields.items():
            if name not in named:
                out.append(Parameter(name, fld.required, inspect.Parameter.empty))
    if spec.method == "init":  # Ledger.init passes its keywords to Ledger(); the CLI offers where the key goes
        out.append(Parameter("key_path", False, inspect.Parameter.empty))
    return out


def dashed(name: str) -> str:
    return "--" + name.replace("_", "-")


def _option(param: Parameter, info: Param) -> Callable[..., Any]:
    help_text = info.help
    if param.default is not inspect.Parameter.empty and not info.flag:
        help_text += f"  [default: {param.default}]"
    if info.flag:
        return click.option(info.flag, param.name, is_flag=True, default=None, help=help_text)
    return click.option(
        dashed(param.name),
        param.name,
        type=info.type,
        metavar=info.metavar,
        multiple=info.multiple,
        required=param.required,
        help=help_text,
    )


def _limit_options(param: Parameter, info: Param) -> list[Callable[..., Any]]:
    no = "" if not param.required else " One of the two is required."
    return [
        click.option(dashed(param.name), param.name, metavar="N", help=f"{info.help}{no}"),
        click.option(f"--no-{param.name}", f"no_{param.name}", is_flag=True, help=f"No {param.name}: unlimited."),
    ]


def decorators(spec: Spec) -> list[Callable[..., Any]]:
    """The click parameters of a command, in the order its help lists them."""
    params = parameters(spec)
    by_name = {p.name: p for p in params}
    out: list[Callable[..., Any]] = []
    for name in spec.arguments:
        p, info = by_name[name], PARAMS[name]
        metavar = info.metavar or name.upper()
        out.append(
            click.argument(
                name, type=info.type, required=p.required, metavar=f"[{metavar}]" if not p.required else metavar
            )
        )
    for p in params:
        if p.name in spec.arguments:
            continue
        info = PARAMS[p.name]
        out += _limit_options(p, info) if p.name in LIMITS else [_option(p, info)]
        for old in spec.aliases.get(p.name, ()):
            kind = {"multiple": info.multiple, "type": info.type, "metavar": info.metavar}
            out.append(click.option(old, ALIAS + p.name, hidden=True, **kind))
    for name in spec.extra:
        info = EXTRA[name]
        out.append(click.option(dashed(name), name, type=info.type, help=info.help))
    return out


def arguments_from(spec: Spec, options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for the method: given options only, older spellings merged, limits resolved."""
    for key in [k for k in options if k.startswith(ALIAS)]:
        name, old = key[len(ALIAS) :], options.pop(key)
        if old in (None, ()):
            continue
        if options.get(name) not in (None, ()):
            spelled = spec.aliases[name][0]
            raise click.UsageError(f"give {dashed(name)} or {spelled}, not both.")
        options[name] = old
    required = {p.name for p in parameters(spec) if p.required}
    if "floor" in options:
        pairs = {k: options.pop(k) for k in ("floor", "no_floor", "ceiling", "no_ceiling")}
        options.update(limits(required="floor" in required, **pairs))
    out = {}
    for name, value in options.items():
        if isinstance(value, tuple):
            value = list(value) or None
        if value is not None or name in LIMITS:
            out[name] = value
    return out


# -- printing results ---------------------------------------------------------------------


def _value(value: Any, as_json: bool) -> None:
    data = jsonable(value)
    click.echo(json.dumps(data) if as_json else ("-" if data is None else str(data)))


def _hashes(value: list[bytes], as_json: bool) -> None:
    emit([h.hex() for h in value], as_json)


def _checkpoint(value: Any, as_json: bool) -> None:
    if as_json:
        emit(value, True)
    else:
        click.echo(value.note, nl=False)


def _document(value: Any, as_json: bool) -> None:
    click.echo(json.dumps(value, indent=1))


def _totals(value: dict[str, Any], as_json: bool) -> None:
    emit(value if as_json else [{"unit": unit, **row} for unit, row in value.items()], as_json)


def _exporters(value: dict[str, Any], as_json: bool) -> None:
    emit([{"name": e.name, "description": e.description} for e in value.values()], as_json)


def _page(page: Any, as_json: bool) -> None:
    if as_json:
        emit(page, True)
        return
    emit(page.entries, False)
    if page.next is not None:
        click.echo(f"more: --after {page.next}", err=True)


#: How a result is printed (``Spec.output``): with ``--json`` always JSON on stdout.
OUTPUTS: dict[str, Callable[[Any, bool], None]] = {
    "emit": emit,  # a record as key/value lines, a list of records as a table, a list of strings a line each
    "value": _value,  # one scalar (bytes as hex)
    "hashes": _hashes,  # hashes as hex, one a line
    "checkpoint": _checkpoint,  # the signed note's text
    "document": _document,  # a JSON document, with or without --json
    "totals": _totals,  # per unit, as a table
    "exporters": _exporters,  # name and description
    "page": _page,  # a page of entries; the next page's --after on stderr
}


def call(spec: Spec, db: str, kwargs: dict[str, Any], as_json: bool) -> None:
    """Open the ledger, call the method, print what it returned."""
    with open_ledger(db) as ledger:
        attr = getattr(ledger, spec.method)
        value = attr(**kwargs) if callable(attr) else attr
    if value is None and spec.not_found:
        raise NotFound(spec.not_found.format(**kwargs))
    OUTPUTS[spec.output](value, as_json)


def help_text(spec: Spec) -> str:
    first, _, rest = spec.help.partition("\n\n")
    target = "Ledger.init" if spec.method == "init" else f"Ledger.{spec.method}"
    return f"{first} ({target})" + (f"\n\n{rest}" if rest else "")


def make_command(spec: Spec) -> click.Command:
    def run(db: str, as_json: bool, **options: Any) -> None:
        extra = {name: options.pop(name) for name in spec.extra}
        kwargs = arguments_from(spec, options)
        if spec.handler:
            getattr(handlers, spec.handler)(db, kwargs, as_json, **extra)
        else:
            call(spec, db, kwargs, as_json)

    run.__name__ = spec.method
    command: Callable[..., Any] = run
    for decorate in reversed([*decorators(spec), db_option(), output_options]):
        command = decorate(command)
    return click.command(spec.name.split()[-1], help=help_text(spec))(command)


def group(name: str) -> click.Group:
    if name not in cli.commands:

        def members() -> None:
            pass

        cli.add_command(click.Group(name, help=GROUPS[name], callback=members))
    found = cli.commands[name]
    assert isinstance(found, click.Group)
    return found


def register(specs: tuple[Spec, ...] = COMMANDS) -> dict[str, click.Command]:
    """Add a command for every row to ``cli``; returns them by full name (``"scheme register"``)."""
    made: dict[str, click.Command] = {}
    for spec in specs:
        command = make_command(spec)
        words = spec.name.split()
        parent: click.Group = group(words[0]) if len(words) == 2 else cli
        parent.add_command(command, words[-1])
        for other in spec.also:
            cli.add_command(command, other)
        made[spec.name] = command
    return made


def spec_of(method: str) -> Optional[Spec]:
    return next((s for s in COMMANDS if s.method == method), None)
