"""FIFO lots: redemption consumes the oldest unexpired lots, expiry moves what is left of each due
lot with one transfer naming it, and conservation holds at every step."""

from __future__ import annotations

import pytest

from ledger import RuleViolation

from .conftest import dump

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def lots(cs, resident="alice"):
    return [(lot.points, lot.redeemed, lot.expired, lot.remaining) for lot in cs.lots(resident)]


def conserved(cs, led):
    s = cs.statement()
    assert s.issued == s.outstanding + s.redeemed + s.expired
    assert s.redeemed == s.settled + s.unsettled
    assert s.liability == s.outstanding + s.unsettled
    assert led.unit_totals()["points"]["posted"] == 0
    assert led.verify().ok
    return s


def test_fifo_expiry_across_lots_with_a_partial_redemption_in_between(cs, led, clock):
    cs.award("alice", "recycling", 2, verifier="station", evidence="lot-a")  # 20, expires 2027-06-01
    clock.advance(days=10)
    cs.award("alice", "recycling", 3, verifier="station", evidence="lot-b")  # 30, expires 2027-06-11
    clock.advance(days=10)
    cs.award("alice", "green_travel", 20, verifier="app", evidence="lot-c")  # 40, expires 2027-06-21
    redemption = cs.redeem("alice", "bakery", "loaf")  # 30: all of a, 10 of b
    assert redemption.details["lots"] == [{"lot": "green.award.lot-a", "points": 20},
                                          {"lot": "green.award.lot-b", "points": 10}]
    assert lots(cs) == [(20, 20, 0, 0), (30, 10, 0, 20), (40, 0, 0, 40)]
    clock.advance(days=355)  # 2027-06-11T12:00: lot b is due at exactly this instant, lot c is not
    expired = cs.expire()
    assert [(t.amount, t.details) for t in expired] == [
        (20, {"lot": "green.award.lot-b", "expires_at": "2027-06-11T12:00:00+00:00"})]
    assert [t.credit for t in expired] == ["green:expired"]
    assert lots(cs) == [(20, 20, 0, 0), (30, 10, 20, 0), (40, 0, 0, 40)]
    assert cs.expire() == []  # nothing twice
    cs.redeem("alice", "bakery", "loaf")  # 30 of c
    clock.advance(days=10)
    assert [t.amount for t in cs.expire()] == [10]
    assert lots(cs) == [(20, 20, 0, 0), (30, 10, 20, 0), (40, 30, 10, 0)]
    statement = cs.resident_statement("alice")
    assert (statement.earned, statement.redeemed, statement.expired, statement.balance) == (90, 60, 30, 0)
    assert [lot["expires_at"] for lot in statement.lots] == [
        "2027-06-01T12:00:00+00:00", "2027-06-11T12:00:00+00:00", "2027-06-21T12:00:00+00:00"]
    s = conserved(cs, led)
    assert (s.issued, s.outstanding, s.redeemed, s.expired) == (90, 0, 60, 30)


def test_a_due_lot_cannot_be_spent_before_expire_runs(cs, clock, db_path):
    cs.award("alice", "recycling", 3, verifier="station", evidence="old")
    clock.advance(days=365)
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        cs.redeem("alice", "bakery", "loaf")
    assert err.value.message == "'green:alice' has 0 unexpired points, so spending 30 is short by 30"
    assert dump(db_path) == before


def test_an_expiry_before_the_lot_is_due_is_refused(cs, led, db_path):
    award = cs.award("alice", "recycling", 1, verifier="station", evidence="young")
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        led.transfer("green:alice", "green:expired", 10, code="carbon.expiry",
                     details={"lot": award.transfer_id, "expires_at": award.details["expires_at"]})
    assert err.value.message == (
        "lot 'green.award.young' expires at 2027-06-01T12:00:00+00:00, after now (2026-06-01T12:00:00+00:00)")
    assert dump(db_path) == before


def test_a_redemption_that_skips_the_oldest_lot_is_refused(cs, led, db_path):
    cs.award("alice", "recycling", 3, verifier="station", evidence="a")
    cs.award("alice", "green_travel", 15, verifier="app", evidence="b")
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        led.transfer("green:alice", "green:bakery", 30, code="carbon.redemption",
                     details={"item": "loaf", "quantity": 1, "price": 30,
                              "lots": [{"lot": "green.award.b", "points": 30}]})
    assert err.value.message == (
        "a redemption of 30 points by 'green:alice' must consume its oldest lots first: "
        "[{'lot': 'green.award.a', 'points': 30}], not [{'lot': 'green.award.b', 'points': 30}]")
    assert dump(db_path) == before


def test_expiry_setting_applies_to_new_awards_only(cs, clock):
    first = cs.award("alice", "recycling", 1, verifier="station", evidence="a")
    cs.set_expiry_days(30)
    second = cs.award("alice", "recycling", 1, verifier="station", evidence="b")
    assert (first.details["expires_at"], second.details["expires_at"]) == (
        "2027-06-01T12:00:00+00:00", "2026-07-01T12:00:00+00:00")
    clock.advance(days=30)
    assert [t.details["lot"] for t in cs.expire()] == ["green.award.b"]
