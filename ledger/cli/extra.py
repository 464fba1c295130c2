"""Commands that are not one ``Ledger`` method: copying between stores, the demo, the installation."""

from __future__ import annotations

import os
from typing import Optional

import click

from ..plugins import PluginHost
from .base import cli, db_option, emit, open_ledger, output_options


@cli.command()
@click.option("--from", "source", required=True, help="The ledger to copy: sqlite:PATH or a postgresql:// URL.")
@click.option("--to", "target", required=True, help="An empty store: a postgresql:// URL, or sqlite:PATH.")
@output_options
def migrate(source: str, target: str, as_json: bool) -> None:
    """Copy a ledger to another store with its chain intact, then verify the copy (ledger.migrate).

    Stop writers first. The signing key stays where it is: point LEDGER_KEY (or
    --key-path on init) at it when you use the new store.
    """
    from ..migrate import migrate as run

    report = run(source, target)
    if as_json:
        emit(report.to_dict(), as_json)
    else:
        click.echo(
            f"OK: {report.size} events copied from {report.source} to {report.target}, "
            f"chain verified, root {report.root[:16]}…, checkpoint {report.checkpoint_size}"
        )


@cli.command()
@db_option(default="demo.db", envvar=None)
@output_options
def demo(db: str, as_json: bool) -> None:
    """Record and verify a demo season (ledger.demo.run_demo).

    Creates the demo ledger if the file holds none; running it again writes nothing new.
    """
    from ..demo import run_demo

    summary = run_demo(db, out=(lambda *args: None) if as_json else click.echo)
    if as_json:
        emit(summary, as_json)


@cli.command("plugins")
@click.option("--db", default=None, help="Also list this ledger's schemes and whether each is writable here.")
@output_options
def plugins_command(db: Optional[str], as_json: bool) -> None:
    """Loaded plugins: their distribution, version, scheme kinds and fact types.

    With --db (or $LEDGER_DB), also each registered scheme, the plugin its kind was
    registered with, and whether it is writable here (its kind's plugin is loaded;
    the same as 'ledger scheme plugins').
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
