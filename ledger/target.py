"""Where a new ledger may be created: an empty database, never someone else's.

``ledger init`` (and ``Ledger(..., create=True)``, ``ledger migrate --to``) add a dozen tables
and, on SQLite, switch the file to WAL. Done to an unrelated database, that is damage: so a
target that already holds other tables is refused before anything is written, an in-memory
SQLite database (gone when the process ends, a ledger nobody can audit) is refused, and a
refused creation removes the files it made.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Optional

from .app import is_postgres_url, redact
from .errors import LedgerUnreadable, StoreUnreachable, ValidationError
from .store.writeset import SCHEMA

OURS = frozenset(
    {"stored_events", *(re.search(r"TABLE IF NOT EXISTS (\w+)", s).group(1) for s in SCHEMA if "CREATE TABLE" in s)}
)
#: Tables SQLite itself may add to a file.
SQLITE_INTERNAL = re.compile(r"sqlite_(sequence|stat\d)$")


class TargetNotEmpty(ValidationError):
    """The database holds tables that are not a ledger's: a ledger is not created there."""


def is_memory(db: str) -> bool:
    return db == ":memory:" or db.startswith("file::memory:") or "mode=memory" in db


def existing_tables(db: str) -> Optional[set[str]]:
    """The tables ``db`` holds now (``None``: a SQLite file that does not exist yet)."""
    if is_postgres_url(db):
        return _postgres_tables(db)
    path = Path(db)
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise LedgerUnreadable(redact(db), str(exc)) from None
    return {r[0] for r in rows if not SQLITE_INTERNAL.match(r[0])}


def _postgres_tables(url: str) -> set[str]:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            ).fetchall()
    except psycopg.Error as exc:
        raise StoreUnreachable(redact(url), str(exc).strip()) from None
    return {r[0] for r in rows}


def check_new_ledger_target(db: str, command: str) -> Optional[set[str]]:
    """Refuse a target a ledger must not be created in; return its tables (``None``: no file yet)."""
    if is_memory(db):
        raise ValidationError(command, {"db": ["must be a file or a postgresql:// URL: an in-memory SQLite "
                                               "database is gone when the process ends, and nobody can audit it."]})
    if not is_postgres_url(db):
        path = Path(db)
        if path.exists() and not path.is_file():
            raise ValidationError(command, {"db": [f"{db} is not a regular file: give a new file's path."]})
        if not path.parent.is_dir():
            raise ValidationError(command, {"db": [f"the directory {str(path.parent)!r} does not exist."]})
    try:
        tables = existing_tables(db)
    except LedgerUnreadable as exc:
        rule = f"is not a SQLite database ({exc.reason}): give a new file's path."
        raise ValidationError(command, {"db": [rule]}) from None
    foreign = sorted((tables or set()) - OURS)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise TargetNotEmpty(command, {"db": [f"holds other tables ({shown}): a ledger is created only in an empty "
                                              "database or a new file; nothing was written."]})
    return tables


def holds_ledger(db: str) -> bool:
    """Whether ``db`` already holds a ledger (a chain with its genesis leaf)."""
    tables = existing_tables(db)
    if not tables or "ledger_chain" not in tables:
        return False
    sql = "SELECT 1 FROM ledger_chain LIMIT 1"
    if is_postgres_url(db):
        import psycopg

        with psycopg.connect(db, connect_timeout=10) as conn:
            return conn.execute(sql).fetchone() is not None
    conn = sqlite3.connect(Path(db).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone() is not None
    finally:
        conn.close()


def signer_files(key: Path) -> list[Path]:
    """The files a signer keeps beside its key: its memory, a pending rotation, a write in progress."""
    return [key.with_name(key.name + suffix) for suffix in (".last-checkpoint", ".next", ".tmp")]


def sqlite_files(db: str) -> list[Path]:
    """The files a SQLite ledger at ``db`` consists of (database, WAL, shared memory)."""
    return [Path(db), Path(db + "-wal"), Path(db + "-shm")]


__all__ = ["TargetNotEmpty", "check_new_ledger_target", "existing_tables", "holds_ledger", "is_memory", "signer_files",
           "sqlite_files"]
