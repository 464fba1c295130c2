"""Shared fixtures: every test gets a fresh ledger in a real SQLite file, or a real PostgreSQL database.

A test module that sets ``BACKENDS = ("sqlite", "postgres")`` runs each of its tests
on both stores: ``db_path`` is then a file path or a ``postgresql://`` URL of a new
database on the session's own server (``ledger.pgserver.TemporaryPostgres``).
Without a server the PostgreSQL tests fail; they never skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ledger import Ledger
from ledger.pgserver import PostgresUnavailable, TemporaryPostgres
from ledger.testing import FakeClock

# CI runs fewer examples of every property, never fewer kinds of checks.
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends = getattr(metafunc.module, "BACKENDS", None)
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ("sqlite",)  # the test handles the file itself (copies, byte flips)
    if backends and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    """The suite's own PostgreSQL server, started once (binaries found as ``ledger.pgserver.find_bindir`` says)."""
    try:
        server = TemporaryPostgres().start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL tests cannot run: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A new, empty PostgreSQL database; the ledger's key goes in ``tmp_path`` (``LEDGER_KEY``)."""
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    monkeypatch.setenv("LEDGER_KEY", str(tmp_path / "ledger.key"))
    yield url
    server.drop_database(url)


@pytest.fixture
def db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "ledger.db")


@pytest.fixture
def ledger(db_path: str, clock: FakeClock):
    with Ledger(db_path, create=True, ledger_id="test.commons-ledger.local/unit", clock=clock) as led:
        yield led


@pytest.fixture
def community(ledger: Ledger) -> Ledger:
    """A time bank (minutes, floor -600, ceiling 3000) and carbon points (floor 0), with members."""
    ledger.register_scheme("time", "minutes", floor=-600, ceiling=3000)
    ledger.register_scheme("carbon", "points", floor=0)
    for name in ("alice", "bob", "carol"):
        ledger.open_account(name, "time", owner=name.title())
        ledger.open_account(f"{name}.pts", "carbon", owner=name.title())
    return ledger
