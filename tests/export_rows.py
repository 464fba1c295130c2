"""Rows of an export's derived tables two ways: from the ledger's read models, and from ``ledger.sqlite``.

Shared by the export tests: the derivation (``ledger_audit.derived``) computes the rows
from the exported leaves and bodies, the write path keeps read models in the database;
for a private export the two must agree row for row.
"""

from __future__ import annotations

import sqlite3

from ledger_audit.derived import TABLES

from ledger import Ledger


def store_rows(led: Ledger) -> dict[str, list[tuple]]:
    """What the ledger's own read models say, in the derived tables' shape and order."""
    last = dict(led._rows("SELECT account, max(seq) FROM ledger_postings GROUP BY account"))
    balances = [
        (a, u, cp - dp, dpend, cpend, last.get(a), 1)
        for a, u, dp, cp, dpend, cpend in led._rows(
            "SELECT account, unit, debits_posted, credits_posted, debits_pending, credits_pending "
            "FROM ledger_balances ORDER BY account"
        )
    ]
    units: dict[str, list[int]] = {}
    for _, unit, posted, *_ in balances:
        units.setdefault(unit, [0, 0])
        units[unit][0] += 1
        units[unit][1] += posted
    return {
        "schemes": [tuple(r) for r in led._rows("SELECT * FROM ledger_schemes ORDER BY scheme")],
        "accounts": [
            (*r, 1)
            for r in led._rows(
                "SELECT account, scheme, unit, owner, floor, ceiling, closed, seq FROM ledger_accounts ORDER BY account"
            )
        ],
        "transfers": [
            tuple(r)
            for r in led._rows(
                "SELECT transfer_id, debit, credit, amount, unit, code, memo, details, reverses, seq "
                "FROM ledger_transfers ORDER BY seq"
            )
        ],
        "balances": balances,
        "unit_balances": [(u, n, s, 1) for u, (n, s) in sorted(units.items())],
    }


def sqlite_rows(path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        return {
            t.name: db.execute(f'SELECT {", ".join(t.names)} FROM "{t.name}" ORDER BY "{t.order}"').fetchall()
            for t in TABLES
        }
    finally:
        db.close()
