"""The chained recorder for PostgreSQL, the scale-out store.

Same leaves, same hashes, same read models as the SQLite recorder: the chain code
(``ChainWriter``) and the read-model code (``WriteSet``) are shared and speak SQL
with ``?`` placeholders, which ``PgCursor`` adapts. Differences from eventsourcing's
``PostgresApplicationRecorder``, and why:

* ``insert_events`` is replaced wholly. The library's version runs the insert in a
  pipeline and keeps a Python exception raised inside the transaction block to
  re-raise *after* the block, so the transaction commits: a plugin's veto or a
  broken limit would be written anyway. Here any exception rolls everything back.
* Writers serialise on a transaction-scoped advisory lock taken as the first
  statement (readers are not blocked). Under READ COMMITTED each later statement
  sees every transaction committed before the lock was granted, so the chain head
  read after it is the true head and two writers can never fork the chain. The
  library locks the events table IN EXCLUSIVE MODE instead, which PostgreSQL only
  allows a role holding UPDATE, DELETE or TRUNCATE rights on it: exactly the rights
  a production role must not have (``grant_statements``).
* Notification ids are returned with their stream keys and checked to ascend in
  event order: the chain's ``notification_id`` column must walk the events table in
  step, or ``verify`` would (rightly) report the ledger broken.
* Triggers make the event log, the chain, the tree, checkpoints and the request log
  append-only in the database, TRUNCATE included; ``docs/scaling.md`` describes the
  production role without UPDATE/DELETE rights.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Iterable, Iterator, Optional, Sequence
from uuid import UUID

import psycopg
from psycopg.adapt import Loader
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from .chain import ChainWriter
from .es_adapter import StoredEvent, postgres_classes
from .es_adapter import persistence as es
from .readers import ReaderConnections
from .writeset import APPEND_ONLY_TABLES, SCHEMA, WriteSet

PostgresApplicationRecorder, PostgresDatastore, PostgresFactory = postgres_classes()

EVENTS_TABLE = "stored_events"


class _NumericAsInt(Loader):
    """``SUM`` over BIGINT is NUMERIC in PostgreSQL; the ledger's amounts are integers."""

    def load(self, data: Any) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else value


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", _NumericAsInt)


_PLACEHOLDER = re.compile(r"\?")
_adapted: dict[str, str] = {}


def adapt_sql(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (and a literal ``%`` escaped)."""
    found = _adapted.get(sql)
    if found is None:
        found = _adapted[sql] = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
    return found


def postgres_schema(statements: Sequence[str]) -> list[str]:
    """The SQLite read-model schema in PostgreSQL's dialect (one schema, two spellings).

    TEXT columns compare bytewise (``COLLATE "C"``) as in SQLite, so listings sort the
    same on both stores whatever the server's locale. SQLite lists holds in ``rowid``
    order (insertion order); PostgreSQL has no rowid, so ``ledger_holds`` gets an
    identity column of that name, after the others so positional INSERTs still fit.
    """
    out = []
    for s in statements:
        s = re.sub(r"\bBLOB\b", "BYTEA", s)
        s = re.sub(r"\bINTEGER\b", "BIGINT", s)
        s = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', s)
        s = re.sub(r"\)\s*WITHOUT ROWID\s*$", ")", s)
        if re.match(r"CREATE TABLE IF NOT EXISTS ledger_holds\b", s):
            s = s.rstrip()[:-1] + ",\n        rowid BIGINT GENERATED ALWAYS AS IDENTITY)"
        out.append(s)
    return out


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END
$body$"""


def append_only_triggers(table: str) -> list[str]:
    return [
        f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
        f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()",
    ]


#: Read models are updated in place (balances, holds, accounts); everything else only grows.
UPDATED_TABLES = ("ledger_accounts", "ledger_balances", "ledger_holds")


def grant_statements(role: str) -> list[str]:
    """SQL giving ``role`` what the ledger needs and no more (``docs/scaling.md``).

    The tables belong to an owner role that runs migrations; the application role
    may SELECT and INSERT everywhere, UPDATE only the three read models that change
    in place, and never DELETE or TRUNCATE. The triggers already refuse changes to
    the log; without the rights, even a session that could drop a trigger cannot.
    """
    tables = [EVENTS_TABLE, *(re.search(r"TABLE IF NOT EXISTS (\w+)", s).group(1)  # type: ignore[union-attr]
                              for s in SCHEMA if s.startswith("CREATE TABLE"))]
    out = [f"REVOKE ALL ON {', '.join(tables)} FROM {role}"]
    out.append(f"GRANT SELECT, INSERT ON {', '.join(tables)} TO {role}")
    out.append(f"GRANT UPDATE ON {', '.join(UPDATED_TABLES)} TO {role}")
    out.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return out


#: libpq 14 and later (psycopg's binary wheels bundle one) can pipeline; older ones write plainly.
PIPELINE = psycopg.Pipeline.is_supported()


class PgCursor:
    """The slice of a DB-API cursor that ``ChainWriter``, ``WriteSet`` and plugins' checks use."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self._c = cursor
        self._result = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        sql = adapt_sql(sql)
        if sql.lstrip()[:6].upper() == "SELECT":
            # A query gets a cursor of its own: in pipeline mode one cursor that has run an
            # INSERT and then a SELECT can hand the INSERT's result to fetchone() ("the last
            # operation didn't produce records"), as several request rows in one batch did.
            if self._result is not self._c:
                self._result.close()  # the previous query's own cursor, read by now
            self._result = self._c.connection.cursor(row_factory=tuple_row)
            self._result.execute(sql, tuple(params))
        else:
            self._c.execute(sql, tuple(params))
            self._result = self._c
        return self

    def executemany(self, sql: str, seq_of_params: Sequence[Sequence[Any]]) -> None:
        seq_of_params = list(seq_of_params)
        if seq_of_params:
            self._c.executemany(adapt_sql(sql), seq_of_params)

    def fetchone(self) -> Optional[tuple]:
        return self._result.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._result.fetchall()

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._result)


class Snapshot:
    """One consistent read-only view (REPEATABLE READ) for exports and ``verify``."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._n = 0

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        # A server-side cursor streams: an export of 10^7 events does not sit in memory.
        self._n += 1
        cur = self._conn.cursor(name=f"snap{self._n}", row_factory=tuple_row)
        cur.itersize = 2000
        cur.execute(adapt_sql(sql), tuple(params))
        return iter(cur)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Optional[tuple]:
        with self._conn.cursor(row_factory=tuple_row) as cur:
            return cur.execute(adapt_sql(sql), tuple(params)).fetchone()

    def column_names(self, sql: str) -> list[str]:
        with self._conn.cursor() as cur:
            cur.execute(adapt_sql(sql), ())
            return [d.name for d in cur.description or ()]

    def dicts(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        self._n += 1
        cur = self._conn.cursor(name=f"snap{self._n}", row_factory=psycopg.rows.dict_row)
        cur.itersize = 2000
        cur.execute(adapt_sql(sql), tuple(params))
        return iter(cur)


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL application recorder that hash-chains every event it stores."""

    #: How SQL elsewhere names an event row's position in the events table.
    event_id = "notification_id"
    dialect = "postgresql"

    #: The advisory lock every writer of a database takes first (any constant will do,
    #: as long as every writer uses the same one): int.from_bytes(b"commons!") >> 1.
    WRITER_LOCK = 0x636F6D6D6F6E7321 >> 1

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE) -> None:
        # One table name on every store: the queries, exports and docs name it.
        super().__init__(datastore, events_table_name=EVENTS_TABLE)
        self.chain = ChainWriter()
        self._conninfo = datastore.pool.kwargs
        self._readers = ReaderConnections(self._connect, lambda conn: conn.closed)
        statements = [*postgres_schema(SCHEMA), APPEND_ONLY_FUNCTION]
        for table in (EVENTS_TABLE, *APPEND_ONLY_TABLES):
            statements += append_only_triggers(table)
        self.sql_create_statements += [SQL(s) for s in statements]  # type: ignore[arg-type]
        self._insert = (
            f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
            "SELECT i, v, t, s FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
            "WITH ORDINALITY AS u(i, v, t, s, n) ORDER BY n "
            "RETURNING originator_id, originator_version, notification_id"
        )

    def _connect(self) -> psycopg.Connection:
        kw = {k: v for k, v in self._conninfo.items() if k != "row_factory"}
        conn = psycopg.connect(**kw, autocommit=True)
        _configure(conn)
        return conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one read-only statement on this thread's autocommit reader connection."""
        try:
            return self._readers.get().execute(adapt_sql(sql), tuple(params)).fetchall()
        except psycopg.OperationalError as exc:
            raise es.OperationalError(str(exc)) from exc
        except psycopg.Error as exc:
            raise es.PersistenceError(str(exc)) from exc

    def has_tables(self) -> bool:
        """Whether this database holds the ledger's tables (opening never creates them)."""
        return self.query("SELECT to_regclass('ledger_chain') IS NOT NULL")[0][0]

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        try:
            conn = self._connect()
        except psycopg.Error as exc:
            raise es.OperationalError(str(exc)) from exc
        try:
            conn.autocommit = False
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield Snapshot(conn)
        except psycopg.OperationalError as exc:
            raise es.OperationalError(str(exc)) from exc
        except psycopg.Error as exc:
            raise es.PersistenceError(str(exc)) from exc
        finally:
            with contextlib.suppress(psycopg.Error):  # a dead connection must not mask the first error
                conn.rollback()
            conn.close()

    def insert_checkpoint(self, size: int, root: bytes, note: str, signed_at: str) -> None:
        """Keep a signed checkpoint beside the chain (idempotent for an identical note)."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as c:
            c.execute(
                "INSERT INTO ledger_checkpoints VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (size, root, note, signed_at),
            )

    def load_tables(self, tables: Iterable[tuple[str, Sequence[str], Iterable[tuple]]], *, chunk: int = 5000) -> dict:
        """Bulk-load a whole ledger (``ledger.migrate``) with COPY, in one transaction.

        The events table's position column arrives as ``event_id`` and lands in
        ``notification_id``; the sequence then continues after the last one copied.
        """
        counts: dict[str, int] = {}
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            self._take_writer_lock(cur)
            for table, columns, rows in tables:
                names = ["notification_id" if c == "event_id" else c for c in columns]
                n = 0
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                counts[table] = n
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{EVENTS_TABLE}', 'notification_id'), "
                f"COALESCE(MAX(notification_id), 0) + 1, false) FROM {EVENTS_TABLE}"
            )
        return counts

    def close_readers(self) -> None:
        self._readers.close()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Optional[Sequence[int]]:
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn:
            _configure(conn)
            # The transaction block rolls back on *any* exception, a plugin's veto included.
            with conn.transaction(), conn.cursor(row_factory=tuple_row) as raw:
                # Pipeline mode: statements whose results nobody reads (the isolation level,
                # the lock, the chain's and the read models' writes) travel with the next one
                # that is read, so a write costs fewer round trips, and fewer of them happen
                # while the writer lock is held. The server still runs them in order, so
                # nothing reads before the lock is granted. Errors surface inside the
                # transaction block, which rolls everything back.
                with conn.pipeline() if PIPELINE else contextlib.nullcontext():
                    self._take_writer_lock(raw)
                    return self._insert_events_locked(PgCursor(raw), raw, stored_events, **kwargs)
        return None  # pragma: no cover - get_connection re-raises

    def _take_writer_lock(self, cur: psycopg.Cursor) -> None:
        # READ COMMITTED whatever the server's default: each statement after the lock must see
        # every commit made before it was granted (under REPEATABLE READ the snapshot would be
        # taken by the lock statement itself, before the wait, and the head read stale).
        cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cur.execute(f"SET LOCAL lock_timeout = '{int(self.datastore.lock_timeout)}s'")
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (self.WRITER_LOCK,))

    def _insert_events_locked(
        self,
        c: PgCursor,
        raw: psycopg.Cursor,
        stored_events: Sequence[StoredEvent],
        *,
        writeset: Optional[WriteSet] = None,
        **kw: Any,
    ) -> Sequence[int]:
        raw.execute(
            self._insert,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
        )
        by_key = {(UUID(str(i)), v): n for i, v, n in raw.fetchall()}
        ids = [by_key[(UUID(str(e.originator_id)), e.originator_version)] for e in stored_events]
        if any(b <= a for a, b in itertools.pairwise(ids)):
            raise es.ProgrammingError(f"notification ids {ids} do not ascend in event order")
        rows = self.chain.append(c, stored_events, ids)
        if writeset is not None:
            writeset.apply(c, rows)
        return ids


class ChainedPostgresFactory(PostgresFactory):
    """Infrastructure factory: ``PERSISTENCE_MODULE=ledger.store.postgres:ChainedPostgresFactory``.

    eventsourcing's settings carry only dbname, host, port, user and password; every other
    libpq parameter of the ledger's URL (``sslmode``, ``sslrootcert``, ``application_name``,
    ``options``, ...) arrives in ``LEDGER_PG_CONNINFO`` and joins the connection arguments
    before the pool first connects — dropping ``sslmode=verify-full`` silently would be a
    downgrade nobody asked for.
    """

    application_recorder_class = ChainedPostgresRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        extra = self.env.get("LEDGER_PG_CONNINFO")
        if extra:
            self.datastore.pool.kwargs.update(json.loads(extra))
