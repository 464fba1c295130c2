"""Batched transfers/s: ``Ledger.batch`` of 1,000 transfers per transaction."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from .common import Figure, baseline_app, median_rate, movement, new_ledger, temp_dir, timed, transfer_items

NAME = "batched"
N, QUICK_N = 20_000, 2_000
BATCH = 1_000
GOAL_ES, GOAL_RAW = 0.8, 0.2


def stored_bytes_per_transfer(db: Path) -> int:
    """Mean bytes we store per transfer in the log and the chain (event state + leaf + hash)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT AVG(LENGTH(e.state) + LENGTH(c.leaf) + LENGTH(c.hash)) FROM ledger_chain c "
            "JOIN stored_events e ON e.rowid = c.notification_id WHERE e.topic = 'ledger.transfer.recorded.v1'"
        ).fetchone()
    return round(row[0])


def ours(n: int) -> tuple[float, int]:
    items = transfer_items(BATCH)
    with temp_dir() as d:
        lg = new_ledger(d)
        try:
            seconds = timed(lambda: [lg.batch(items) for _ in range(n // BATCH)])
        finally:
            lg.close()
        return seconds, stored_bytes_per_transfer(d / "ours.db")


def baseline(n: int) -> float:
    with temp_dir() as d:
        app = baseline_app(d)
        try:
            return timed(lambda: [app.save(*[movement() for _ in range(BATCH)]) for _ in range(n // BATCH)])
        finally:
            app.close()


def raw(n: int, row_bytes: int) -> float:
    """The floor: sqlite3 executemany of prebuilt rows of our size, one transaction per batch, WAL, FULL."""
    with temp_dir() as d:
        conn = sqlite3.connect(d / "raw.db", isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("CREATE TABLE transfers (seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, body BLOB NOT NULL)")
            body = os.urandom(max(row_bytes - 36, 1))
            batches = [[(str(uuid.uuid4()), body) for _ in range(BATCH)] for _ in range(n // BATCH)]

            def write() -> None:
                for rows in batches:
                    conn.execute("BEGIN")
                    conn.executemany("INSERT INTO transfers (stream, body) VALUES (?, ?)", rows)
                    conn.execute("COMMIT")

            return timed(write)
        finally:
            conn.close()


def run(n: int, repeats: int) -> list[Figure]:
    n = max(BATCH, n // BATCH * BATCH)
    mine: list[float] = []
    base: list[float] = []
    floor: list[float] = []
    for _ in range(repeats):
        seconds, row_bytes = ours(n)
        mine.append(seconds)
        base.append(baseline(n))
        floor.append(raw(n, row_bytes))
    rate = median_rate(n, mine)
    es_name = "eventsourcing, saves of 1,000 x 2 events"
    raw_name = f"raw sqlite3 executemany, {row_bytes} B rows"
    return [
        Figure("batched transfers/s", rate, median_rate(n, base), es_name, GOAL_ES, n),
        Figure("batched transfers/s", rate, median_rate(n, floor), raw_name, GOAL_RAW, n),
    ]
