"""A fresh time bank on a real SQLite file or PostgreSQL database (``ledger.testing``): riverside,
with a catalogue and three members."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from ledger_time_bank import TimeBank, plugin

from ledger import Ledger
from ledger.testing import FakeClock, dump  # noqa: F401 - the test modules import them from here

SERVICES: list[dict[str, Any]] = [
    {"category": "garden", "name": "weeding"},
    {"category": "care", "name": "shopping"},
    {"category": "care", "name": "hot meal", "price": 60, "redeemable": True},
    {"category": "repair", "name": "bike check", "price": 45, "redeemable": False},
]
MEMBERS = ("alice", "bob", "carol")


def open_ledger(path: str, clock: FakeClock) -> Ledger:
    """The plugin registered explicitly, as a unit under test, without other installed plugins."""
    return Ledger(path, create=True, ledger_id="test.commons-ledger.local/time-bank", clock=clock,
                  plugins=[plugin], load_entrypoints=False)


def new_bank(ledger: Ledger, **options: Any) -> TimeBank:
    bank = TimeBank.create(ledger, "riverside", catalogue=SERVICES, **options)
    for member in MEMBERS:
        bank.join(member)
    return bank


@pytest.fixture
def led(db_path: str, clock: FakeClock) -> Iterator[Ledger]:
    with open_ledger(db_path, clock) as ledger:
        yield ledger


@pytest.fixture
def bank(led: Ledger) -> TimeBank:
    return new_bank(led)
