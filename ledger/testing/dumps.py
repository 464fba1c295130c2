"""A database's whole logical contents, so a test can prove that a refused command changed nothing."""

from __future__ import annotations

import sqlite3

from ..app import is_postgres_url


def dump(path: str) -> list[str]:
    """The database's whole logical contents: equal dumps mean equal contents.

    SQLite: every statement needed to rebuild the file. PostgreSQL (a URL): every row
    of every table, sorted. Sequences are left out on purpose: PostgreSQL never gives
    back a number a rolled-back insert drew, and a gap in notification ids is not a
    change to the ledger (the chain has no gaps; ``verify`` walks both in step).
    """
    if is_postgres_url(path):
        return _dump_postgres(str(path))
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _dump_postgres(url: str) -> list[str]:
    import psycopg

    out = []
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in sorted(tables):
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            out += [f"{table}: {row!r}" for row in sorted(rows, key=repr)]
            out.append(f"{table}: {len(rows)} rows")
    return out


__all__ = ["dump"]
