"""docs/cli.md, generated from the click command tree: ``python -m ledger.cli.docs`` rewrites it.

``tests/test_cli_docs.py`` regenerates it and fails if the committed file differs, so the
reference cannot fall behind the commands. Only the ledger's own commands are listed
(``CORE_COMMANDS``), never those of whatever plugins happen to be installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import CORE_COMMANDS, cli
from .build import OUTPUTS
from .mapping import COMMANDS, EXCLUDED

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"

INTRO = """\
# The `ledger` command line

Generated from the command tree by `python -m ledger.cli.docs`; do not edit by hand
(`tests/test_cli_docs.py` fails when this file is stale).

Every command is one method of `ledger.Ledger` (the table in `ledger/cli/mapping.py`): its
positional parameters are the command's arguments and every other parameter is an option
spelled as the parameter is (`request_id` is `--request-id`). Options left out are not
passed, so the library's defaults apply. Every command takes `--db` (a SQLite file or a
`postgresql://` URL; `$LEDGER_DB`; `ledger --db PATH COMMAND` too) and `--json`.

## Exit codes and errors

| exit | when | stderr | stderr with `--json` |
|---|---|---|---|
| 0 | done | nothing (`history` adds `more: --after N`) | nothing |
{exit_rows}

The JSON error is one line; besides `type` (the error's class) and `message` it carries the
error's fields (`ValidationError`: `command`, `errors`, `field`, `rule`). `verify --json`
prints its report on stdout and exits 1 when the report is not ok.
"""
EXIT_ROWS = (
    "| 1 | the ledger refused (a `ledger.errors` error), or `verify` found a problem | `Error: <message>` "
    '| `{"error": {"type": "LimitExceeded", "message": ..., "account": ..., ...}}` |',
    "| 2 | a usage error: missing or unknown option, value of the wrong type | `Error: <message>` "
    '| `{"error": {"type": "UsageError", "message": ...}}` |',
)


def _usage(path: list[str], command: click.Command) -> tuple[str, click.Context]:
    ctx = click.Context(cli, info_name="ledger")
    for name in path[:-1]:
        ctx = click.Context(cli.commands[name], info_name=name, parent=ctx)
    ctx = click.Context(command, info_name=path[-1], parent=ctx)
    return " ".join(["ledger", *path, *command.collect_usage_pieces(ctx)]), ctx


def _command(path: list[str], command: click.Command) -> list[str]:
    usage, ctx = _usage(path, command)
    out = [f"### `{' '.join(['ledger', *path])}`", "", f"`{usage}`", "", (command.help or "").strip(), ""]
    records = [p.get_help_record(ctx) for p in command.get_params(ctx) if isinstance(p, click.Option)]
    rows = [r for r in records if r is not None and r[0] not in ("--help", "-h, --help")]
    if rows:
        out += ["| option | meaning |", "|---|---|"]
        out += [f"| `{opts}` | {text.replace('|', '/')} |" for opts, text in rows]
        out.append("")
    return out


def _walk(group: click.Group, names: list[str], path: list[str]) -> list[tuple[list[str], click.Command]]:
    found: list[tuple[list[str], click.Command]] = []
    for name in names:
        command = group.commands[name]
        if isinstance(command, click.Group):
            found += _walk(command, sorted(command.commands), [*path, name])
        else:
            found.append(([*path, name], command))
    return found


def render() -> str:
    lines = [
        INTRO.replace("{exit_rows}", "\n".join(EXIT_ROWS)),
        "## Methods and commands",
        "",
        "| `Ledger` method | command | output |",
        "|---|---|---|",
    ]
    for spec in sorted(COMMANDS, key=lambda s: s.method):
        names = ", ".join(f"`ledger {n}`" for n in (spec.name, *spec.also))
        lines.append(f"| `{spec.method}` | {names} | {'its own' if spec.handler else spec.output} |")
    lines += ["", "Public members with no command:", ""]
    lines += [f"- `{name}`: {why}." for name, why in sorted(EXCLUDED.items())]
    lines += ["", "Outputs: " + "; ".join(f"`{k}`" for k in OUTPUTS) + " (see `ledger/cli/build.py`).", ""]
    lines += ["## Commands", ""]
    shorthands = {name for spec in COMMANDS for name in spec.also}  # documented under their full name
    for path, command in _walk(cli, [n for n in CORE_COMMANDS if n not in shorthands], []):
        lines += _command(path, command)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Write docs/cli.md (``--check``: only say whether it is current, exit 1 if not)."""
    text = render()
    if "--check" in argv:
        current = DOC.exists() and DOC.read_text(encoding="utf-8") == text
        print(f"{DOC}: {'up to date' if current else 'stale; run python -m ledger.cli.docs'}")
        return 0 if current else 1
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
