"""Helpers for testing the ledger and plugins against real SQLite files (no mocks).

``FakeClock`` drives hold deadlines exactly; ``dump`` gives a database's logical
contents, so a test can prove that a refused command changed nothing.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta


class FakeClock:
    """The ledger's clock, moved by hand: ``Ledger(path, clock=FakeClock())``."""

    def __init__(self, start: datetime = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def dump(path: str) -> list[str]:
    """Every statement needed to rebuild the database: equal dumps mean equal contents."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


__all__ = ["FakeClock", "dump"]
