"""The pytest fixtures that run a test on a real SQLite file and on a real PostgreSQL database.

A test module that sets ``BACKENDS = ("sqlite", "postgres")`` runs each of its tests on both
stores: ``db_path`` is then a file path or a ``postgresql://`` URL of a new database on the
session's own server (``ledger.pgserver.TemporaryPostgres``). Without a server the PostgreSQL
tests fail; they never skip, so a green run means the rules held on both. A test marked
``sqlite_only`` (it copies or flips bytes of the file itself) runs on SQLite alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ..ledger import Ledger
from ..pgserver import PostgresUnavailable, TemporaryPostgres
from .clock import FakeClock

#: What a module sets as ``BACKENDS`` to run every test on both stores.
ALL_BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    # Declared here too, so a scheme author's suite under --strict-markers knows the marker.
    config.addinivalue_line(
        "markers", "sqlite_only: in a BACKENDS module, runs on SQLite only (it handles the database file itself)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends = getattr(metafunc.module, "BACKENDS", None)
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ("sqlite",)  # the test handles the file itself (copies, byte flips)
    if backends and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """The suite's own PostgreSQL server, started once (binaries found as ``ledger.pgserver.find_bindir`` says)."""
    try:
        server = TemporaryPostgres().start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL tests cannot run: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: the store this run of the test uses (``sqlite`` unless ``BACKENDS`` says)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty PostgreSQL database; the ledger's key goes in ``tmp_path`` (``LEDGER_KEY``)."""
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    monkeypatch.setenv("LEDGER_KEY", str(tmp_path / "ledger.key"))
    yield url
    server.drop_database(url)


@pytest.fixture
def db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where the test's ledger lives: a file in ``tmp_path`` or a ``postgresql://`` URL of a new database."""
    if backend == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "ledger.db")


@pytest.fixture
def ledger(db_path: str, clock: FakeClock) -> Iterator[Ledger]:
    """A new ledger at ``db_path`` on the fake clock, with every installed plugin."""
    with Ledger(db_path, create=True, ledger_id="test.commons-ledger.local/unit", clock=clock) as led:
        yield led


__all__ = ["ALL_BACKENDS", "backend", "clock", "db_path", "ledger", "postgres_server", "postgres_url"]
