"""A fresh carbon scheme on a real SQLite file or PostgreSQL database (``ledger.testing``): "green",
with a rate table, a verifier, three residents and a bakery."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from ledger_carbon import CarbonScheme, plugin

from ledger import Ledger
from ledger.testing import FakeClock, dump  # noqa: F401 - the test modules import them from here

RATES: list[dict[str, Any]] = [
    {"behaviour": "recycling", "unit": "kg", "points_per_unit": 10, "co2e_g_per_unit": 1500,
     "daily_cap": 100, "monthly_cap": 300},
    {"behaviour": "green_travel", "unit": "km", "points_per_unit": 2, "co2e_g_per_unit": 93},
    {"behaviour": "waste_sorting", "unit": "bag", "points_per_unit": 5, "co2e_g_per_unit": 200, "daily_cap": 10},
]
ITEMS: list[dict[str, Any]] = [{"item": "loaf", "price": 30}, {"item": "cake", "price": 120}]
RESIDENTS = ("alice", "bob", "carol")
PLUGIN = "ledger_carbon.plugin"  # the module's name when registered with plugins=[...]


def open_ledger(path: str, clock: FakeClock) -> Ledger:
    """The plugin registered explicitly, as a unit under test, without other installed plugins."""
    return Ledger(path, create=True, ledger_id="test.commons-ledger.local/carbon", clock=clock,
                  plugins=[plugin], load_entrypoints=False)


def new_scheme(ledger: Ledger, **options: Any) -> CarbonScheme:
    cs = CarbonScheme.create(ledger, "green", rates=RATES, **options)
    cs.add_verifier("station", ["recycling", "waste_sorting"])
    cs.add_verifier("app", ["green_travel"])
    for resident in RESIDENTS:
        cs.join(resident)
    cs.add_merchant("bakery", ITEMS)
    cs.restock("bakery", "loaf", 5)
    cs.restock("bakery", "cake", 1)
    return cs


@pytest.fixture
def led(db_path: str, clock: FakeClock) -> Iterator[Ledger]:
    with open_ledger(db_path, clock) as ledger:
        yield ledger


@pytest.fixture
def cs(led: Ledger) -> CarbonScheme:
    return new_scheme(led)
