"""The few commands whose input or output is more than call-and-print (``Spec.handler``).

Each takes ``(db, kwargs, as_json, **cli_only_options)``; ``kwargs`` are the method's
arguments as the table built them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any, Optional

import click

from .. import Ledger, LedgerError
from ..errors import ValidationError
from .base import emit, open_ledger


def init(db: str, kwargs: dict[str, Any], as_json: bool) -> None:
    """Prints the ledger id, the key file and its public (verifier) key."""
    from ..signing import verifier_key

    with Ledger.init(db, kwargs.pop("ledger_id", None), **kwargs) as ledger:
        path = Path(ledger.key_path)
        info = {
            "ledger_id": ledger.ledger_id,
            "db": ledger.db,
            "key_path": str(path),
            "public_key": verifier_key(path.read_text().strip()),
        }
    emit(info, as_json)


def verify(db: str, kwargs: dict[str, Any], as_json: bool) -> None:
    with open_ledger(db) as ledger:
        report = ledger.verify(**kwargs)
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
        raise SystemExit(1)  # the report is the output (stdout under --json), the exit code says it failed


def receipt(db: str, kwargs: dict[str, Any], as_json: bool, out: Optional[str] = None) -> None:
    with open_ledger(db) as ledger:
        text = json.dumps(ledger.receipt(**kwargs), indent=1, ensure_ascii=False) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


class BatchLineError(LedgerError):
    """A batch item refused, named by its line in the file (``line``) rather than its index."""

    def __init__(self, file: str, line: int, message: str, errors: Optional[dict[str, list[str]]] = None) -> None:
        self.file, self.line, self.errors = file, line, errors
        super().__init__(f"{file} line {line}: {message}")


def read_items(source: IO[str]) -> tuple[list[dict[str, Any]], list[int]]:
    """The JSON objects of a JSON Lines file and the line each came from (blank lines are skipped)."""
    items, numbers = [], []
    name = "stdin" if source.name == "<stdin>" else source.name
    for number, text in enumerate(source, start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError as exc:
            raise BatchLineError(name, number, f"not JSON ({exc})") from None
        if not isinstance(item, dict):
            raise BatchLineError(name, number, 'not a JSON object: each line is one item, {"type": ...}')
        items.append(item)
        numbers.append(number)
    return items, numbers


ITEM_FIELD = re.compile(r"items\[(\d+)\]\.(.*)")


def batch(db: str, kwargs: dict[str, Any], as_json: bool) -> None:
    """Prints the result of every item (a table per kind, or one JSON list)."""
    source = kwargs.pop("items")
    name = "stdin" if source.name == "<stdin>" else source.name
    items, numbers = read_items(source)
    try:
        with open_ledger(db) as ledger:
            results = ledger.batch(items, **kwargs)
    except ValidationError as exc:
        # The library names items by index; a person editing the file wants its line.
        found = ITEM_FIELD.match(exc.field)
        if found is None or int(found.group(1)) >= len(numbers):
            raise
        index = int(found.group(1))
        errors = {ITEM_FIELD.sub(r"\2", k): v for k, v in exc.errors.items()}
        detail = "; ".join(f"{f}: {' '.join(r)}" for f, r in errors.items())
        raise BatchLineError(name, numbers[index], f"invalid {items[index].get('type')}: {detail}", errors) from None
    if as_json:
        emit(results, True)
        return
    for kind in dict.fromkeys(type(r) for r in results):  # one table per result type, in order of appearance
        emit([r for r in results if type(r) is kind], False)
