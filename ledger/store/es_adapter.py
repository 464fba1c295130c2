"""Every part of eventsourcing the ledger relies on beyond its documented API, in one place.

The recorders (:mod:`ledger.store.sqlite`, :mod:`ledger.store.postgres`) and the application
(:mod:`ledger.app`) import eventsourcing only from here, so a new eventsourcing release is
checked against this list (and ``tests/test_es_adapter.py``), not against the whole store.
The tested range is in ``pyproject.toml``: the store's tests (recorder, transfers, batches,
idempotency, concurrency, on SQLite and PostgreSQL) pass on 9.5.0, 9.5.5 and 9.5.6; on 9.4.6
internal 5 is missing (``sql_create_statements``).

Public API used (stable across 9.x): ``Application``, ``AggregateNotFoundError``,
``persistence.StoredEvent``/``Recording``/``Transcoder``/``JSONTranscoder`` and its
``DatetimeAsISO``/``UUIDAsHex`` transcodings, the ``persistence`` error classes,
``SQLiteApplicationRecorder``/``SQLiteFactory``, ``PostgresApplicationRecorder``/``PostgresFactory``.

Internals relied on, and why:

1. ``SQLiteConnection._sqlite_conn`` (:func:`sqlite_connection`): the raw ``sqlite3``
   connection under the library's wrapper. The recorder runs ``BEGIN IMMEDIATE`` on it (the
   library's deferred ``BEGIN`` fails with SQLITE_BUSY_SNAPSHOT across processes) and commits
   or rolls back itself.
2. ``SQLiteConnectionPool._create_connection`` and its attributes ``db_name``, ``lock_timeout``,
   ``max_age``, ``is_sqlite_memory_mode``, ``is_journal_mode_wal``,
   ``journal_mode_was_changed_to_wal``, and ``SQLITE3_DEFAULT_LOCK_TIMEOUT``
   (:class:`StatementCachingPool`): the library opens connections with
   ``cached_statements=True``, a cache of one statement; this subclass opens them as the
   library does but with a real cache (over half of a transfer's SQL time).
3. ``datastore.pool`` is replaced on the factory's datastore before it first connects
   (:func:`use_statement_caching_pool`): the pool connects lazily.
4. ``SQLiteApplicationRecorder.insert_events_statement``, ``events_table_name`` and
   ``construct_create_table_statements()``: the recorder inserts events with the library's own
   statement into its own table, and adds the ledger's tables and triggers to its schema.
   ``insert_events`` is replaced wholly (the write transaction is the ledger's); the recorder's
   own ``_insert_events`` shares the library's name and signature, so the library's other
   callers of that hook reach the chained version.
5. ``PostgresApplicationRecorder.sql_create_statements`` (a list the constructor fills),
   ``datastore.get_connection()``, ``datastore.lock_timeout`` and ``datastore.pool.kwargs``
   (the connection arguments, which the ledger's readers reuse and ``LEDGER_PG_CONNINFO``
   extends): the library's table lock needs rights an append-only role must not hold, so
   ``insert_events`` is replaced and takes an advisory lock.
6. ``Application._record``, ``_take_snapshots``, ``_notify`` and ``ProcessingEvent``
   (``events``, ``aggregates``, ``saved_kwargs``) (:func:`save_aggregates`): ``Application.save``
   as the library writes it, without its two runtime-``Protocol`` checks per object (~10 % of a
   batch of transfers).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from eventsourcing import persistence
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Recording, StoredEvent, Transcoder, UUIDAsHex
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)

__all__ = [
    "AggregateNotFoundError",
    "Application",
    "DatetimeAsISO",
    "JSONTranscoder",
    "Recording",
    "SQLiteApplicationRecorder",
    "SQLiteCursor",
    "SQLiteFactory",
    "StatementCachingPool",
    "StoredEvent",
    "Transcoder",
    "UUIDAsHex",
    "persistence",
    "postgres_classes",
    "save_aggregates",
    "sqlite_connection",
    "use_statement_caching_pool",
]

#: Prepared statements kept per connection: every statement the write path and the
#: plugins' in-transaction reads run, with room to spare.
STATEMENT_CACHE = 256


def sqlite_connection(conn: SQLiteConnection) -> sqlite3.Connection:
    """Internal 1: the raw ``sqlite3`` connection of a pooled connection."""
    return conn._sqlite_conn


class StatementCachingPool(SQLiteConnectionPool):
    """Internal 2: the library's pool, with connections that keep :data:`STATEMENT_CACHE` prepared statements."""

    def _create_connection(self) -> SQLiteConnection:
        try:
            c = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                cached_statements=STATEMENT_CACHE,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as e:
            raise persistence.InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            mode = c.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                c.execute("PRAGMA journal_mode=WAL")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        c.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=c, max_age=self.max_age)


def use_statement_caching_pool(factory: SQLiteFactory) -> None:
    """Internal 3: swap the factory's pool for :class:`StatementCachingPool` before anything connects."""
    pool = factory.datastore.pool
    factory.datastore.pool = StatementCachingPool(db_name=pool.db_name, lock_timeout=pool.lock_timeout)


def postgres_classes() -> tuple[type, type, type]:
    """``(PostgresApplicationRecorder, PostgresDatastore, PostgresFactory)``; imported late (psycopg is optional)."""
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory

    return PostgresApplicationRecorder, PostgresDatastore, PostgresFactory


def save_aggregates(app: Application, objs: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Recording]:
    """Internal 6: ``Application.save`` for aggregates only, collecting their events directly."""
    processing_event: ProcessingEvent = ProcessingEvent()
    for aggregate in objs:
        processing_event.events.extend(aggregate.collect_events())
        processing_event.aggregates[aggregate.id] = aggregate
    processing_event.saved_kwargs.update(kwargs)
    recordings = app._record(processing_event)
    app._take_snapshots(processing_event)
    app._notify(recordings)
    return recordings
