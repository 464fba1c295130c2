"""Redemption at partner merchants: stock falls atomically and never below zero; settlement."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from ledger import LedgerError, RuleViolation

from .conftest import RESIDENTS, FakeClock, dump, new_scheme, open_ledger

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def test_redeeming_the_last_item_then_one_more_is_refused_naming_the_stock(cs, led, db_path):
    cs.award("alice", "green_travel", 150, verifier="app", evidence="a")
    result = cs.redeem("alice", "bakery", "cake")
    assert (result.debit, result.credit, result.amount) == ("green:alice", "green:bakery", 120)
    assert cs.stock("bakery", "cake") == 0
    assert led.fact("carbon.stock.v1", "green:bakery/cake").data == {"stock": 0, "change": -1, "reason": "redemption"}
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        cs.redeem("alice", "bakery", "cake")
    assert str(err.value) == (
        "rule 'stock' refused the command: 'green:bakery' has 0 of 'cake' in stock, so redeeming 1 is short by 1")
    assert dump(db_path) == before


def test_an_item_not_in_the_catalogue_is_refused(cs, db_path):
    cs.award("alice", "green_travel", 150, verifier="app", evidence="a")
    with pytest.raises(RuleViolation) as err:
        cs.redeem("alice", "bakery", "pie")
    assert err.value.message == "'green:bakery' does not offer 'pie'; it offers cake, loaf"


def test_merchant_statement_shows_redemptions_stock_and_settlements(cs):
    cs.award("alice", "green_travel", 150, verifier="app", evidence="a")
    cs.redeem("alice", "bakery", "loaf", 3)
    cs.settle("bakery", "inv-7", 60)
    s = cs.merchant_statement("bakery").to_dict()
    assert s == {
        "scheme": "green", "merchant": "bakery", "account": "green:bakery", "redemptions": 1,
        "redeemed_points": 90, "settled": 60, "unsettled": 30,
        "items": [{"item": "loaf", "price": 30, "stock": 2, "redeemed": 3},
                  {"item": "cake", "price": 120, "stock": 1, "redeemed": 0}],
        "settlements": [{"reference": "inv-7", "points": 60, "seq": s["settlements"][0]["seq"]}],
    }
    community = cs.statement()
    assert (community.issued, community.redeemed, community.settled, community.outstanding,
            community.liability, community.co2e_g) == (300, 90, 60, 210, 240, 150 * 93)


@given(st.data(), st.integers(1, 12))
def test_stock_never_goes_negative_and_points_are_conserved(data, steps):
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "ledger.db")
        with open_ledger(path, FakeClock()) as led:
            cs = new_scheme(led)
            for i, resident in enumerate(RESIDENTS):
                cs.award(resident, "green_travel", 100, verifier="app", evidence=f"seed-{i}")
            stock = {"loaf": 5, "cake": 1}
            points = dict.fromkeys(RESIDENTS, 200)
            prices = {"loaf": 30, "cake": 120}
            for _ in range(steps):
                who = data.draw(st.sampled_from(RESIDENTS))
                item = data.draw(st.sampled_from(sorted(stock)))
                quantity = data.draw(st.integers(1, 3))
                ok = quantity <= stock[item] and quantity * prices[item] <= points[who]
                event(f"redeem {'accepted' if ok else 'refused'}")
                before = dump(path)
                if ok:
                    cs.redeem(who, "bakery", item, quantity)
                    stock[item] -= quantity
                    points[who] -= quantity * prices[item]
                else:
                    with pytest.raises(LedgerError):
                        cs.redeem(who, "bakery", item, quantity)
                    assert dump(path) == before
                assert cs.stock("bakery", item) == stock[item] >= 0
            assert {r: cs.balance(r).posted for r in RESIDENTS} == points
            s = cs.statement()
            assert s.issued == s.outstanding + s.redeemed + s.expired
            assert led.verify().ok
