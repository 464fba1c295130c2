"""The built-in exporters, written as a plugin like any other: a SQLite database and CSV files.

Both write the rows :func:`ledger_audit.derived.derive` computes from the export's own
``leaves.jsonl`` and ``bodies.jsonl``, never from the database: so they describe the
ledger exactly as of the export's checkpoint even while others write, personal data
can reach them only through a published body (a withheld one contributes nothing but
its leaf), and the verifier, computing the same rows, can check every cell
(docs/chain-spec.md §8). They stream: memory grows with accounts, not with events.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils
from ledger_audit.derived import CSV_FOLDER, SQLITE_FILE, TABLE, TABLES, derive, read_events

from .hookspecs import hookimpl
from .plugins import Exporter

if TYPE_CHECKING:
    from .ledger import Ledger

#: The SQLite export's foreign keys (the rows and columns themselves are ``ledger_audit.derived.TABLES``).
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "schemes": [("seq", "events", "seq")],
    "accounts": [("scheme", "schemes", "scheme"), ("seq", "events", "seq")],
    "transfers": [("debit", "accounts", "account"), ("credit", "accounts", "account"), ("seq", "events", "seq")],
    "balances": [("account", "accounts", "account")],
}
BATCH = 1_000  # rows per executemany: few statements, bounded memory


def export_sqlite(ledger: Ledger, out: Path, public: bool) -> list[Path]:
    """``ledger.sqlite``: tables with foreign keys and full-text search on memos (sqlite-utils)."""
    path = out / SQLITE_FILE
    # A throw-away file, complete only when the export is (and then digested by the manifest):
    # no journal, no fsync, one transaction. Durability here would cost ~10x for nothing.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        db = sqlite_utils.Database(conn)
        for table in TABLES:
            db[table.name].create(dict(table.columns), pk=table.key, foreign_keys=FOREIGN_KEYS.get(table.name))
        inserts = {
            t.name: f'INSERT INTO "{t.name}" VALUES ({", ".join("?" * len(t.columns))})' for t in TABLES
        }
        pending: dict[str, list[tuple]] = {t.name: [] for t in TABLES}
        conn.execute("BEGIN")
        for name, row in derive(read_events(out)):
            rows = pending[name]
            rows.append(row)
            if len(rows) >= BATCH:
                conn.executemany(inserts[name], rows)
                rows.clear()
        for name, rows in pending.items():
            conn.executemany(inserts[name], rows)
        conn.execute("COMMIT")
        db["transfers"].enable_fts(["memo"], create_triggers=False)
    finally:
        conn.close()
    return [path]


def export_csv(ledger: Ledger, out: Path, public: bool) -> list[Path]:
    """``csv/*.csv``: accounts, transfers, balances and per-unit totals for a spreadsheet."""
    folder = out / CSV_FOLDER
    folder.mkdir()
    files: dict[str, Any] = {}
    writers: dict[str, Any] = {}
    try:
        for table in TABLES:
            if table.csv:
                files[table.name] = open(folder / table.csv, "w", newline="", encoding="utf-8")
                writers[table.name] = csv.writer(files[table.name])
                writers[table.name].writerow(table.names)
        # csv writes None as the empty cell and integers as their digits: ledger_audit.derived.csv_cell.
        for name, row in derive(read_events(out)):
            writer = writers.get(name)
            if writer is not None:
                writer.writerow(row)
    finally:
        for f in files.values():
            f.close()
    return [folder / TABLE[name].csv for name in files]


@hookimpl
def ledger_register_exporters() -> list[Exporter]:
    return [
        Exporter(
            "sqlite", "ledger.sqlite: events, schemes, accounts, transfers, balances; FTS on memos", export_sqlite
        ),
        Exporter("csv", "csv/: accounts, transfers, balances and per-unit totals", export_csv),
    ]
