"""Shared fixtures: every test gets a fresh ledger in a real SQLite file, or a real PostgreSQL database.

The backend-switching fixtures (``db_path``, ``ledger``, ``clock``, the session's PostgreSQL
server) come from ``ledger.testing``, the pytest plugin scheme authors use too: a test module
that sets ``BACKENDS = ("sqlite", "postgres")`` runs each of its tests on both stores.
Without a server the PostgreSQL tests fail; they never skip.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from ledger import Ledger

pytest_plugins = ["ledger.testing"]

# CI runs fewer examples of every property, never fewer kinds of checks.
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def community(ledger: Ledger) -> Ledger:
    """A time bank (minutes, floor -600, ceiling 3000) and carbon points (floor 0), with members."""
    ledger.register_scheme("time", "minutes", floor=-600, ceiling=3000)
    ledger.register_scheme("carbon", "points", floor=0)
    for name in ("alice", "bob", "carol"):
        ledger.open_account(name, "time", owner=name.title())
        ledger.open_account(f"{name}.pts", "carbon", owner=name.title())
    return ledger
