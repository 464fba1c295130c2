"""The eventsourcing internals the store relies on are all in ledger/store/es_adapter.py, and all there.

A new eventsourcing release that renames one of them fails here, by name, before any write does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import eventsourcing.sqlite as es_sqlite
import pytest
from eventsourcing.application import Application, ProcessingEvent

from ledger.store import es_adapter

LEDGER = Path(__file__).resolve().parent.parent / "ledger"
#: Modules that may import eventsourcing's public API directly: the aggregates, and the Ledger's error handling.
PUBLIC_ONLY = {"ledger.py", "domain"}


def _eventsourcing_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eventsourcing"):
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("eventsourcing")]
    return found


def test_only_the_adapter_imports_eventsourcing_in_the_store_and_the_application():
    offenders = {}
    for path in [*sorted((LEDGER / "store").glob("*.py")), LEDGER / "app.py"]:
        if path.name != "es_adapter.py" and _eventsourcing_imports(path):
            offenders[path.name] = _eventsourcing_imports(path)
    assert offenders == {}


def test_elsewhere_the_ledger_uses_only_public_names():
    for path in sorted(LEDGER.rglob("*.py")):
        relative = path.relative_to(LEDGER)
        if relative.parts[0] in PUBLIC_ONLY or relative.name in PUBLIC_ONLY or relative.parts[0] == "store":
            for name in _eventsourcing_imports(path):
                assert not name.rsplit(".", 1)[-1].startswith("_"), (relative, name)


@pytest.mark.parametrize(
    "owner, name",
    [
        (es_sqlite.SQLiteConnectionPool, "_create_connection"),
        (Application, "_record"),
        (Application, "_take_snapshots"),
        (Application, "_notify"),
        (es_sqlite.SQLiteApplicationRecorder, "construct_create_table_statements"),
    ],
)
def test_every_internal_the_adapter_lists_is_there(owner, name):
    assert callable(getattr(owner, name))


def test_the_internal_attributes_are_there_on_a_real_pool_and_recorder(tmp_path):
    factory = es_adapter.SQLiteFactory({"SQLITE_DBNAME": str(tmp_path / "x.db"), "SQLITE_LOCK_TIMEOUT": "5"})
    es_adapter.use_statement_caching_pool(factory)
    pool = factory.datastore.pool
    assert isinstance(pool, es_adapter.StatementCachingPool)
    for name in ("db_name", "lock_timeout", "max_age", "is_sqlite_memory_mode", "is_journal_mode_wal"):
        assert hasattr(pool, name), name
    with factory.datastore.get_connection(commit=False) as conn:
        raw = es_adapter.sqlite_connection(conn)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    recorder = factory.application_recorder()
    assert recorder.insert_events_statement and recorder.events_table_name
    event = ProcessingEvent()
    assert (event.events, event.aggregates, event.saved_kwargs) == ([], {}, {})
    factory.close()
