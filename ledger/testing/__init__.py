"""Testing the ledger and scheme plugins against real databases (no mocks), as a pytest plugin.

Add ``pytest_plugins = ["ledger.testing"]`` to your ``conftest.py`` and every test gets the
fixtures of :mod:`ledger.testing.fixtures`: ``clock`` (a :class:`FakeClock`), ``db_path``
(a real SQLite file, or with ``BACKENDS = ("sqlite", "postgres")`` in the module, also a
database on the session's own PostgreSQL server) and ``ledger``. ``dump`` gives a database's
logical contents; ``assert_refused`` proves a refused command wrote nothing (chain size and
every table), and :class:`SchemeContract` is the suite every scheme plugin passes.
"""

from __future__ import annotations

from .clock import FakeClock
from .contract import SchemeContract
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
from .refusals import assert_refused

__all__ = [
    "ALL_BACKENDS",
    "FakeClock",
    "SchemeContract",
    "assert_refused",
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
