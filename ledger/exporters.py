"""The built-in exporters, written as a plugin like any other: a SQLite database and CSV files.

Both describe the ledger as of the export's checkpoint (``manifest.json`` gives the
size) and honour ``public``: names of personal accounts and memos of personal movements
are left out. They are for reading; what an auditor *verifies* is leaves and bodies.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from .app import is_postgres_url
from .hookspecs import hookimpl
from .plugins import Exporter

if TYPE_CHECKING:
    from .ledger import Ledger


# Every exported table's columns, so a table exists (with its keys) even when it is empty.
TABLES: dict[str, dict[str, Any]] = {
    "events": {"columns": {"seq": int, "ts": str, "type": str, "body": str}, "pk": "seq"},
    "schemes": {
        "columns": {
            "scheme": str,
            "kind": str,
            "unit": str,
            "step": int,
            "floor": int,
            "ceiling": int,
            "issuer": str,
            "seq": int,
        },
        "pk": "scheme",
        "foreign_keys": [("seq", "events", "seq")],
    },
    "accounts": {
        "columns": {
            "account": str,
            "scheme": str,
            "unit": str,
            "owner": str,
            "floor": int,
            "ceiling": int,
            "closed": int,
            "seq": int,
        },
        "pk": "account",
        "foreign_keys": [("scheme", "schemes", "scheme"), ("seq", "events", "seq")],
    },
    "transfers": {
        "columns": {
            "transfer_id": str,
            "debit": str,
            "credit": str,
            "amount": int,
            "unit": str,
            "code": str,
            "memo": str,
            "details": str,
            "reverses": str,
            "seq": int,
        },
        "pk": "transfer_id",
        "foreign_keys": [("debit", "accounts", "account"), ("credit", "accounts", "account"), ("seq", "events", "seq")],
    },
    "balances": {
        "columns": {
            "account": str,
            "unit": str,
            "posted": int,
            "pending_debits": int,
            "pending_credits": int,
            "as_of_seq": int,
        },
        "pk": "account",
        "foreign_keys": [("account", "accounts", "account")],
    },
    "unit_balances": {"columns": {"unit": str, "accounts": int, "sum_posted": int}, "pk": "unit"},
}


def _size(out: Path) -> int:
    return sum(1 for _ in open(out / "leaves.jsonl", "rb"))


def _snapshot(ledger: Ledger, size: int, public: bool) -> dict[str, list[dict[str, Any]]]:
    """Rows of every table, as of ``size`` events, with personal data withheld if ``public``.

    Both built-in exporters need the same rows; the ledger's first ``size`` events never
    change, so one read serves both.
    """
    key = (ledger.ledger_id, ledger.db if is_postgres_url(ledger.db) else str(Path(ledger.db).resolve()), size, public)
    if key not in _cache:
        _cache[key] = _read_snapshot(ledger, size, public)
        while len(_cache) > 2:
            _cache.pop(next(iter(_cache)))
    return _cache[key]


_cache: dict[tuple, dict[str, list[dict[str, Any]]]] = {}


def _read_snapshot(ledger: Ledger, size: int, public: bool) -> dict[str, list[dict[str, Any]]]:
    with ledger._recorder.snapshot() as snap:
        personal = (
            {r[0] for r in snap.rows("SELECT seq FROM ledger_personal WHERE seq < ?", (size,))} if public else set()
        )
        schemes = list(snap.dicts("SELECT * FROM ledger_schemes WHERE seq < ? ORDER BY scheme", (size,)))
        accounts = []
        for row in snap.dicts("SELECT * FROM ledger_accounts WHERE seq < ? ORDER BY account", (size,)):
            if row["seq"] in personal:
                row["owner"] = None
            accounts.append(row)
        events = [
            {
                "seq": r["seq"],
                "ts": r["ts"],
                "type": r["topic"],
                "body": None if r["seq"] in personal else bytes(r["state"]).decode(),
            }
            for r in snap.dicts(
                "SELECT c.seq, c.ts, e.topic, e.state FROM ledger_chain c "
                f"JOIN stored_events e ON e.{ledger._recorder.event_id} = c.notification_id "
                "WHERE c.seq < ? ORDER BY c.seq",
                (size,),
            )
        ]
        transfers = []
        for row in snap.dicts("SELECT * FROM ledger_transfers WHERE seq < ? ORDER BY seq", (size,)):
            if row["seq"] in personal:
                row["memo"], row["details"] = None, None
            transfers.append(row)
        balances = []
        for account in accounts:
            found = snap.one(
                "SELECT debits_posted, credits_posted, debits_pending, credits_pending, seq FROM ledger_postings "
                "WHERE account = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
                (account["account"], size),
            )
            dp, cp, dpend, cpend, seq = tuple(found) if found else (0, 0, 0, 0, None)
            balances.append(
                {
                    "account": account["account"],
                    "unit": account["unit"],
                    "posted": cp - dp,
                    "pending_debits": dpend,
                    "pending_credits": cpend,
                    "as_of_seq": seq,
                }
            )
    units: dict[str, dict[str, int]] = {}
    for b in balances:
        unit = units.setdefault(b["unit"], {"unit": b["unit"], "accounts": 0, "sum_posted": 0})
        unit["accounts"] += 1
        unit["sum_posted"] += b["posted"]
    return {
        "schemes": schemes,
        "accounts": accounts,
        "events": events,
        "transfers": transfers,
        "balances": balances,
        "unit_balances": list(units.values()),
    }


def export_sqlite(ledger: Ledger, out: Path, public: bool) -> list[Path]:
    """``ledger.sqlite``: tables with foreign keys and full-text search on memos (sqlite-utils)."""
    path = out / "ledger.sqlite"
    data = _snapshot(ledger, _size(out), public)
    db = sqlite_utils.Database(path)
    for name, spec in TABLES.items():
        db[name].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
        db[name].insert_all(data[name])
    db["transfers"].enable_fts(["memo"], create_triggers=False)
    db.conn.close()
    return [path]


def export_csv(ledger: Ledger, out: Path, public: bool) -> list[Path]:
    """``csv/*.csv``: accounts, transfers and balances for a spreadsheet."""
    data = _snapshot(ledger, _size(out), public)
    folder = out / "csv"
    folder.mkdir()
    written = []
    for name in ("accounts", "transfers", "balances", "unit_balances"):
        rows = data[name]
        path = folder / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(TABLES[name]["columns"]))
            writer.writeheader()
            writer.writerows(
                {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in r.items()} for r in rows
            )
        written.append(path)
    return written


@hookimpl
def ledger_register_exporters() -> list[Exporter]:
    return [
        Exporter(
            "sqlite", "ledger.sqlite: events, schemes, accounts, transfers, balances; FTS on memos", export_sqlite
        ),
        Exporter("csv", "csv/: accounts, transfers, balances and per-unit totals", export_csv),
    ]
