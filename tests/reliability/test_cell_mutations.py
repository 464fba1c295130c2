"""Any single-cell change of any ledger table is a named failure of verify — never a traceback.

A hypothesis mutator picks a table, a row and a column of a small ledger that exercises every
read model, and changes that one cell (NULL, text where bytes belong, an out-of-range or
neighbouring integer, a truncated or flipped blob), or deletes the row, or adds a row that no
event derives. ``Ledger.verify()`` must then report ``ok=False`` with a reason, and
``ledger verify`` must exit 1 with one ``Error:`` line — on SQLite and PostgreSQL.

Not mutated, because this format does not bind them to the chain (docs/read-models.md):
``ledger_personal`` (which bodies a public export withholds) and ``ledger_checkpoints.signed_at``
(when a note was stored, information only).
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from ledger import FactType, Ledger, hookimpl
from ledger.cli import cli
from ledger.errors import LedgerUnreadable

TABLES = (
    "stored_events", "ledger_chain", "ledger_tree", "ledger_checkpoints", "ledger_requests", "ledger_schemes",
    "ledger_accounts", "ledger_balances", "ledger_postings", "ledger_transfers", "ledger_holds", "ledger_facts",
)
UNBOUND = {("ledger_checkpoints", "signed_at")}
KINDS = ("null", "text", "big", "negative", "bump", "truncate", "delete", "extra")


class Notes:
    """A fact type, so that ledger_facts has rows (reading and verifying need no plugin)."""

    @hookimpl
    def ledger_register_fact_types(self):
        return [FactType("notes.note.v1", NoteSchema)]


class NoteSchema(Schema):
    text = fields.String(required=True)


def build(db: str, key: str) -> None:
    with Ledger(db, create=True, ledger_id="t.local/mutations", key_path=key, plugins=[Notes()]) as led:
        led.record_fact("notes.note.v1", "season", {"text": "spring"})
        led.record_fact("notes.note.v1", "season", {"text": "summer"}, request_id="r-0")
        led.register_scheme("time", "minutes", floor=-600)
        for name in ("ana", "ben", "cy"):
            led.open_account(name, "time")
        led.transfer("time:issuer", "ana", 300, request_id="r-1", details={"where": "garden"})
        led.hold("ana", "ben", 60, hold_id="h1", timeout=3600)
        led.post("h1", 40, request_id="r-2")
        led.hold("ben", "cy", 10, hold_id="h2")
        led.batch([{"type": "transfer", "debit": "ben", "credit": "cy", "amount": 5 + i} for i in range(30)],
                  request_id="r-3")
        led.change_limits("cy", floor=-100, ceiling=900, reason="new member")
        led.reverse(led.transfers(account="cy")[0].transfer_id, reason="entered twice")
        led.checkpoint()
        assert led.verify().ok


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def template(request: pytest.FixtureRequest, tmp_path_factory) -> tuple[str, str, Any]:
    home = tmp_path_factory.mktemp("mutations")
    key = str(home / "t.key")
    if request.param == "sqlite":
        db = str(home / "template.db")
        build(db, key)
        return "sqlite", db, key
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    build(url, key)
    return "postgres", url, (server, key)


class Store:
    """A fresh copy of the template and raw SQL on it, past the append-only triggers."""

    def __init__(self, template: tuple[str, str, Any], tmp: Path) -> None:
        self.kind, source, extra = template
        if self.kind == "sqlite":
            self.db = str(tmp / f"{uuid.uuid4().hex}.db")
            self.key = self.db + ".key"  # where the CLI looks: the key and the signer's memory beside the copy
            shutil.copy(source, self.db)
            shutil.copy(extra, self.key)
            shutil.copy(extra + ".last-checkpoint", self.key + ".last-checkpoint")
            conn = sqlite3.connect(self.db, isolation_level=None)
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                conn.execute(f"DROP TRIGGER {name}")
            self.conn: Any = conn
        else:
            import psycopg

            server, self.key = extra
            name = f"m_{uuid.uuid4().hex}"
            with psycopg.connect(server.url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name} TEMPLATE {source.rsplit('/', 1)[1]}")
            self.db = server.database_url(name)
            self.conn = psycopg.connect(self.db, autocommit=True)
            self.conn.execute("SET session_replication_role = replica")

    def sql(self, text: str) -> str:
        return text if self.kind == "sqlite" else text.replace("?", "%s")

    def columns(self, table: str) -> list[str]:
        if self.kind == "sqlite":
            return [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})").fetchall()]
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [r[0] for r in rows]

    #: SQLite tables WITHOUT ROWID, addressed by their primary key instead.
    KEYS = {"ledger_tree": ("level", "idx"), "ledger_postings": ("account", "seq")}

    def rows(self, table: str) -> list[tuple[tuple, tuple]]:
        """``(address, values)`` per row; ``where(table)`` matches one address."""
        if self.kind == "postgres":
            return [(r[:1], r[1:]) for r in self.conn.execute(f"SELECT ctid, * FROM {table}").fetchall()]
        if table in self.KEYS:
            columns = self.columns(table)
            at = [columns.index(c) for c in self.KEYS[table]]
            return [(tuple(r[i] for i in at), r) for r in self.conn.execute(f"SELECT * FROM {table}").fetchall()]
        return [(r[:1], r[1:]) for r in self.conn.execute(f"SELECT rowid, * FROM {table}").fetchall()]

    def where(self, table: str) -> str:
        if self.kind == "postgres":
            return "ctid = ?"
        return " AND ".join(f"{c} = ?" for c in self.KEYS[table]) if table in self.KEYS else "rowid = ?"

    def execute(self, text: str, params: tuple = ()) -> bool:
        """Run one change; ``False`` if the database itself refuses it (a type or a constraint)."""
        try:
            self.conn.execute(self.sql(text), params)
            return True
        except Exception as exc:  # the store's own refusal: sqlite3 or psycopg errors
            if self.kind == "postgres" and not isinstance(exc, __import__("psycopg").Error):
                raise
            if self.kind == "sqlite" and not isinstance(exc, sqlite3.Error):
                raise
            return False

    def returning(self, text: str, params: tuple) -> Any:
        """The value an ``UPDATE ... RETURNING col`` stored, or ``None`` if the store refused it."""
        try:
            row = self.conn.execute(self.sql(text), params).fetchone()
        except (sqlite3.Error, *self._pg_errors()):
            return None
        return None if row is None else (row[0] if row[0] is not None else _NULL)

    def _pg_errors(self) -> tuple:
        if self.kind != "postgres":
            return ()
        import psycopg

        return (psycopg.Error,)

    def close(self) -> None:
        self.conn.close()


_NULL = object()  # a NULL that was stored (distinct from "the store refused the change")


def mutated(value: Any, kind: str) -> Any:
    if kind == "null":
        return None
    if kind == "text":
        return value.hex() if isinstance(value, (bytes, memoryview)) else str(value) + " "
    if kind == "big":
        return 2**62 + 7
    if kind == "negative":
        return -1 if not isinstance(value, int) or value != -1 else -2
    if kind == "truncate":
        if isinstance(value, (bytes, memoryview)):
            return bytes(value)[:-1]
        return str(value)[:-1] if isinstance(value, str) else value
    if isinstance(value, (bytes, memoryview)):
        raw = bytearray(bytes(value))
        raw[0] ^= 0x01
        return bytes(raw)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return 1 if value is None else None
    return value + 1 if isinstance(value, int) else value + "x"


@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=st.sampled_from(TABLES), kind=st.sampled_from(KINDS), pick=st.integers(0, 10**6), data=st.data())
def test_any_single_cell_change_is_a_named_failure(template, tmp_path, table, kind, pick, data):
    store = Store(template, tmp_path)
    try:
        rows = store.rows(table)
        assume(rows)
        address, values = rows[pick % len(rows)]
        columns = store.columns(table)
        where = store.where(table)
        if kind == "delete":
            changed = store.execute(f"DELETE FROM {table} WHERE {where}", address)
        elif kind == "extra":
            # A copy of the row under a key nothing derives: every integer column far out of range.
            extra = tuple(v + 10**9 if isinstance(v, int) and not isinstance(v, bool) else v for v in values)
            extra = tuple(f"{v}-planted" if isinstance(v, str) and i == 0 else v for i, v in enumerate(extra))
            changed = store.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(extra))})", extra)
        else:
            column = data.draw(st.sampled_from(columns))
            assume((table, column) not in UNBOUND)
            old = values[columns.index(column)]
            new = mutated(old, kind)
            assume(not (type(new) is type(old) and new == old))
            # RETURNING reads the stored value back: a column's type may turn "5 " back into 5.
            found = store.returning(f"UPDATE {table} SET {column} = ? WHERE {where} RETURNING {column}",
                                    (new, *address))
            changed = found is not None and not (type(found) is type(old) and found == old)
        assume(changed)
    finally:
        store.close()
    try:
        led = Ledger(store.db, key_path=store.key)
    except LedgerUnreadable as exc:  # genesis itself is unreadable: a named refusal to open
        assert "genesis" in str(exc), exc
    else:
        with led:
            report = led.verify()
        assert not report.ok and report.reason, (table, kind, report)
    result = CliRunner().invoke(cli, ["verify", "--db", store.db], env={"LEDGER_KEY": store.key})
    assert result.exit_code == 1, (table, kind, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and result.output.startswith("Error: ")
