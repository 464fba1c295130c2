"""A fresh grants ledger on a real SQLite file or PostgreSQL database (``ledger.testing``): currency
``eur`` (cents), a funder with money, three donors, two payees, a restricted fund ``water`` and an unrestricted fund ``general``,
and grant ``g1`` (10 000.00 for clean water, lines staff 6000.00 / supplies 4000.00, 5 % tolerance)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from ledger_grants import Grants, plugin

from ledger import Ledger, RuleViolation
from ledger.testing import FakeClock, dump

DONORS = ("alice", "bob", "carol")
PAYEES = ("pumps-ltd", "staff")
LEDGER_ID = "test.commons-ledger.local/grants"
RECEIPT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"  # SHA-256 of "test"


def open_ledger(path: str, clock: FakeClock) -> Ledger:
    """The plugin registered explicitly, as a unit under test, without other installed plugins."""
    return Ledger(path, create=True, ledger_id=LEDGER_ID, clock=clock, plugins=[plugin], load_entrypoints=False)


def seed(ledger: Ledger) -> Grants:
    ledger.register_scheme("eur", kind="grants")
    ledger.open_account("foundation", "eur", owner="River Foundation", personal=False)
    for account in (*DONORS, *PAYEES):
        ledger.open_account(account, "eur")
    ledger.transfer("eur:issuer", "foundation", 2_000_000)
    for donor in DONORS:
        ledger.transfer("eur:issuer", donor, 100_000)
    grants = Grants(ledger)
    grants.open_fund("water", "eur", currency="EUR", purpose="clean water", owner="Well Project")
    grants.open_fund("general", "eur", currency="EUR", owner="General Fund")
    return grants


def award(grants: Grants, name: str = "g1", **options: Any) -> None:
    settings: dict[str, Any] = dict(
        title="Wells for Riverside", funder="foundation", fund="water", total=1_000_000, currency="EUR",
        purpose="clean water", start="2026-06-01", end="2027-05-31", awarded_on="2026-05-20",
        lines={"staff": 600_000, "supplies": 400_000}, tolerance_bps=500,
    )
    settings.update(options)
    grants.award(name, **settings)


@pytest.fixture
def led(db_path: str, clock: FakeClock) -> Iterator[Ledger]:
    with open_ledger(db_path, clock) as ledger:
        yield ledger


@pytest.fixture
def grants(led: Ledger) -> Grants:
    g = seed(led)
    award(g)
    return g


def files(db_path: str) -> dict[str, bytes]:
    """The bytes of the database file and of its write-ahead log (or journal), if any.

    Not ``-shm``: it is SQLite's shared-memory index of the WAL, whose read marks every reader
    updates; it holds no data and is rebuilt from the WAL when lost.
    """
    if "://" in db_path:
        return {}  # a PostgreSQL database has no file of its own: its rows are compared by dump()
    path = Path(db_path)
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))
            if not p.name.endswith("-shm")}


def refused(db_path: str, action, message: str, error: type[Exception] = RuleViolation) -> Exception:
    """Run ``action``, expect the whole ``message``, and prove the database did not change by a byte:
    the same logical dump and the same bytes in the file (and its journal, if any)."""
    before, raw = dump(db_path), files(db_path)
    with pytest.raises(error) as caught:
        action()
    assert str(caught.value) == message
    assert dump(db_path) == before
    assert files(db_path) == raw
    return caught.value
