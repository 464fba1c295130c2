"""The chained recorder for SQLite, the embedded default store.

Differences from eventsourcing's ``SQLiteApplicationRecorder``, and why:

* Writes begin with ``BEGIN IMMEDIATE``. The library's plain ``BEGIN`` is deferred:
  a transaction that reads the chain head and then writes fails with
  SQLITE_BUSY_SNAPSHOT if another *process* committed in between, and the busy
  timeout does not help. Taking the write lock first makes the head read safe and
  makes concurrent processes queue instead of failing.
* Every event gets its leaf (``ledger_chain``) and its read-model rows
  (``WriteSet``) in that same transaction.
* Connections keep a real prepared-statement cache. The library opens them with
  ``cached_statements=True``, which the sqlite3 module reads as a cache of *one*
  statement: a transfer runs a dozen different statements, so each was parsed and
  planned again every time (~55 % of the SQL time of a transfer).
* Triggers make the event log, the chain and the request log append-only in the
  database itself: an UPDATE or DELETE is refused whoever issues it.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence
from uuid import UUID

from .chain import ChainWriter
from .es_adapter import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteFactory,
    StoredEvent,
    sqlite_connection,
    use_statement_caching_pool,
)
from .es_adapter import persistence as es
from .readers import ReaderConnections
from .writeset import APPEND_ONLY_TABLES, SCHEMA, WriteSet

_ERRORS = (
    (sqlite3.IntegrityError, es.IntegrityError),
    (sqlite3.OperationalError, es.OperationalError),
    (sqlite3.DatabaseError, es.DatabaseError),
    (sqlite3.Error, es.PersistenceError),
)


def append_only_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {verb} on {table} is refused'); END"
        for verb in ("UPDATE", "DELETE")
    ]


class Snapshot:
    """One consistent read-only view of the file (a read transaction) for exports and ``verify``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        return iter(self._conn.execute(sql, params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Optional[tuple]:
        return self._conn.execute(sql, params).fetchone()

    def column_names(self, sql: str) -> list[str]:
        return [d[0] for d in self._conn.execute(sql).description]

    def dicts(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        cursor = self._conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return (dict(zip(names, row)) for row in cursor)


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite application recorder that hash-chains every event it stores."""

    #: How SQL elsewhere names an event row's position in the events table.
    event_id = "rowid"
    dialect = "sqlite"

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.chain = ChainWriter()
        self._readers = ReaderConnections(
            lambda: sqlite3.connect(
                self.datastore.pool.db_name, uri=True, isolation_level=None, check_same_thread=False, timeout=30
            )
        )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one read-only statement on this thread's reader connection.

        Autocommit mode: each SELECT is its own snapshot, with none of the pool's
        BEGIN/ROLLBACK round trips (they were a sixth of a single transfer's time).
        """
        return self._readers.get().execute(sql, params).fetchall()

    def has_tables(self) -> bool:
        """Whether this database holds the ledger's tables (opening never creates them)."""
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_chain'"))

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        # as_uri() percent-encodes '#', '?' and '%' in the path, which a raw "file:" URI would misread.
        uri = Path(self.datastore.pool.db_name).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        try:
            conn.execute("BEGIN")
            yield Snapshot(conn)
        finally:
            conn.close()

    def insert_checkpoint(self, size: int, root: bytes, note: str, signed_at: str) -> None:
        """Keep a signed checkpoint beside the chain (idempotent for an identical note)."""
        with self.datastore.get_connection(commit=True) as conn:
            raw: sqlite3.Connection = sqlite_connection(conn)
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute(
                    "INSERT OR IGNORE INTO ledger_checkpoints VALUES (?, ?, ?, ?)", (size, root, note, signed_at)
                )
                raw.commit()
            except BaseException:
                if raw.in_transaction:
                    raw.rollback()
                raise

    def load_tables(self, tables: Iterable[tuple[str, Sequence[str], Iterable[tuple]]], *, chunk: int = 5000) -> dict:
        """Bulk-load a whole ledger (``ledger.migrate``) in one transaction.

        The events table's position column arrives as ``event_id`` and becomes the rowid.
        """
        counts: dict[str, int] = {}
        with self.datastore.get_connection(commit=True) as conn:
            raw: sqlite3.Connection = sqlite_connection(conn)
            try:
                raw.execute("BEGIN IMMEDIATE")
                for table, columns, rows in tables:
                    names = ["rowid" if c == "event_id" else c for c in columns]
                    if "originator_id" in names:  # the library stores stream ids as 32 hex digits
                        at = names.index("originator_id")
                        rows = (tuple(UUID(str(v)).hex if i == at else v for i, v in enumerate(r)) for r in rows)
                    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
                    n, block = 0, []
                    for row in rows:
                        block.append(tuple(row))
                        if len(block) >= chunk:
                            raw.executemany(sql, block)
                            n, block = n + len(block), []
                    raw.executemany(sql, block)
                    counts[table] = n + len(block)
                raw.commit()
            except BaseException:
                if raw.in_transaction:
                    raw.rollback()
                raise
        return counts

    def close_readers(self) -> None:
        self._readers.close()

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements() + list(SCHEMA)
        for table in (self.events_table_name, *APPEND_ONLY_TABLES):
            statements += append_only_triggers(table)
        return statements

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Optional[Sequence[int]]:
        with self.datastore.get_connection(commit=True) as conn:
            raw: sqlite3.Connection = sqlite_connection(conn)
            cursor = SQLiteCursor(raw.cursor())
            try:
                cursor.execute("BEGIN IMMEDIATE")
                ids = self._insert_events(cursor, stored_events, **kwargs)
                raw.commit()
                return ids
            except BaseException as exc:
                if raw.in_transaction:
                    raw.rollback()
                for theirs, ours in _ERRORS:
                    if isinstance(exc, theirs):
                        raise ours(exc) from exc
                raise

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], *, writeset: Optional[WriteSet] = None, **kw: Any
    ) -> Sequence[int]:
        # One executemany instead of the library's one INSERT per event. Rowids of a rowid
        # table without AUTOINCREMENT are max + 1 per insert, and the writer holds the write
        # lock, so the ids of the rows just inserted are the run ending at last_insert_rowid().
        params = [
            (
                s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                s.originator_version,
                s.topic,
                s.state,
            )
            for s in stored_events
        ]
        if len(params) == 1:
            c.execute(self.insert_events_statement, params[0])
            ids = [c.lastrowid]
        else:
            c.executemany(self.insert_events_statement, params)
            c.execute("SELECT last_insert_rowid()")
            last = c.fetchone()[0]
            ids = list(range(last - len(params) + 1, last + 1))
        rows = self.chain.append(c, stored_events, ids)
        if writeset is not None:
            writeset.apply(c, rows)
        return ids


class ChainedSQLiteFactory(SQLiteFactory):
    """Infrastructure factory: ``PERSISTENCE_MODULE=ledger.store.sqlite:ChainedSQLiteFactory``."""

    application_recorder_class = ChainedSQLiteRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        use_statement_caching_pool(self)  # before any connection exists: the library's pool connects lazily
