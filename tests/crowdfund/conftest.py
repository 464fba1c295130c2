"""A fresh crowdfund on a real SQLite file or PostgreSQL database (``ledger.testing``): currency
``usd`` (cents), an organiser, a host, a sponsor and three donors with money, and campaign ``well`` (goal 1000, deadline in 7 days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterator

import pytest
from ledger_crowdfund import Crowdfund, plugin

from ledger import Ledger
from ledger.testing import FakeClock, dump  # noqa: F401 - the test modules import them from here

DONORS = ("alice", "bob", "carol")
FUNDED = 10_000  # cents each donor and the sponsor start with
LEDGER_ID = "test.commons-ledger.local/crowdfund"


def open_ledger(path: str, clock: FakeClock) -> Ledger:
    """The plugin registered explicitly, as a unit under test, without other installed plugins."""
    return Ledger(path, create=True, ledger_id=LEDGER_ID, clock=clock, plugins=[plugin], load_entrypoints=False)


def seed(ledger: Ledger) -> None:
    """The currency and its accounts; money is minted from the scheme's issuer."""
    ledger.register_scheme("usd", kind="crowdfund")
    ledger.open_account("org", "usd", owner="Clean Water Collective", personal=False)
    ledger.open_account("host", "usd", owner="Open Host", personal=False)
    ledger.open_account("sponsor", "usd", owner="River Foundation", personal=False)
    for donor in DONORS:
        ledger.open_account(donor, "usd")
    for account in ("sponsor", *DONORS):
        ledger.transfer("usd:issuer", account, FUNDED)


def new_campaign(fund: Crowdfund, clock: FakeClock, name: str = "well", **options: Any) -> None:
    settings: dict[str, Any] = dict(scheme="usd", organiser="org", goal=1000, deadline=clock.now + timedelta(days=7),
                                    description="a well for the school", funds="grant-2026-07")
    settings.update(options)
    fund.create(name, **settings)


@pytest.fixture
def led(db_path: str, clock: FakeClock) -> Iterator[Ledger]:
    with open_ledger(db_path, clock) as ledger:
        seed(ledger)
        yield ledger


@pytest.fixture
def fund(led: Ledger, clock: FakeClock) -> Crowdfund:
    crowdfund = Crowdfund(led)
    new_campaign(crowdfund, clock)
    return crowdfund


def past_deadline(clock: FakeClock) -> None:
    """Move the clock to exactly the campaign's deadline (7 days after the fixture's start)."""
    clock.advance(days=7)
