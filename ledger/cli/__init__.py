"""The ``ledger`` command line: one command per ``Ledger`` method, with the method's parameter names.

``mapping.py`` is the table (method -> command, arguments, output); ``build.py`` makes the
click commands from it; ``handlers.py`` holds the few commands that are more than
call-and-print; ``extra.py`` those that are no method (migrate, demo, plugins);
``docs.py`` writes docs/cli.md from the result. Plugins build their commands from the
helpers exported here.
"""

from __future__ import annotations

from . import extra  # noqa: F401  (registers migrate, demo, plugins)
from .base import (
    DEFAULT_DB,
    AwareDateTime,
    LedgerGroup,
    OneLineError,
    cli,
    db_option,
    emit,
    given,
    jsonable,
    limit_options,
    limits,
    one_line_errors,
    open_ledger,
    output_options,
    request_id_option,
    table,
)
from .build import register

register()
#: The commands of the ledger itself, before any plugin adds its own (what docs/cli.md lists).
CORE_COMMANDS: tuple[str, ...] = tuple(sorted(cli.commands))


def main() -> None:
    """The ``ledger`` console script."""
    cli.main(prog_name="ledger")


__all__ = [
    "DEFAULT_DB",
    "AwareDateTime",
    "LedgerGroup",
    "OneLineError",
    "cli",
    "db_option",
    "emit",
    "given",
    "jsonable",
    "limit_options",
    "limits",
    "main",
    "one_line_errors",
    "open_ledger",
    "output_options",
    "request_id_option",
    "table",
]
