"""Shared fixtures: every test gets a fresh ledger in a real SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ledger import Ledger
from ledger.testing import FakeClock

# CI runs fewer examples of every property, never fewer kinds of checks.
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
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
