"""Testing the ledger and scheme plugins against real databases (no mocks), as a pytest plugin.

Add ``pytest_plugins = ["ledger.testing"]`` to your ``conftest.py`` and every test gets the
fixtures of :mod:`ledger.testing.fixtures`: ``clock`` (a :class:`FakeClock`), ``db_path``
(a real SQLite file, or with ``BACKENDS = ("sqlite", "postgres")`` in the module, also a
database on the session's own PostgreSQL server) and ``ledger``. ``dump`` gives a database's
logical contents, so a test can prove that a refused command changed nothing.
"""

from __future__ import annotations

from .clock import FakeClock
from .dumps import dump
from .fixtures import (
    ALL_BACKENDS,
    backend,
    clock,
    db_path,
    ledger,
    postgres_server,
    postgres_url,
    pytest_configure,
    pytest_generate_tests,
)

__all__ = [
    "ALL_BACKENDS",
    "FakeClock",
    "backend",
    "clock",
    "db_path",
    "dump",
    "ledger",
    "postgres_server",
    "postgres_url",
    "pytest_configure",
    "pytest_generate_tests",
]
