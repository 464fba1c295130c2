"""TimeBank's confirmation flow: an exchange waits as a hold, then is confirmed, rejected or expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ledger_time_bank import NotAnExchange, TimeBank

from ledger import HoldExpired, HoldNotPending, UnknownHold

from .conftest import dump

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def test_an_exchange_to_confirm_waits_as_a_hold_with_the_banks_timeout(bank, clock):
    pending = bank.record_exchange("alice", "bob", 90, "care", "shopping", confirm=True, exchange_id="ex-1")
    assert (pending.hold_id, pending.status, pending.debit, pending.credit) == (
        "ex-1", "held", "riverside:bob", "riverside:alice")
    assert pending.expires_at == "2026-06-15T12:00:00.000000Z"  # the FakeClock's now + 14 days
    bob, alice = bank.balance("bob"), bank.balance("alice")
    assert (bob.posted, bob.debits_pending, bob.available) == (0, 90, -90)
    assert (alice.posted, alice.credits_pending) == (0, 90)
    assert [h.hold_id for h in bank.pending_exchanges()] == ["ex-1"]
    assert [h.hold_id for h in bank.pending_exchanges("alice")] == ["ex-1"]
    assert bank.pending_exchanges("carol") == []


def test_confirming_posts_the_exchange(bank):
    bank.record_exchange("alice", "bob", 90, "care", "shopping", confirm=True, exchange_id="ex-1")
    done = bank.confirm("ex-1")
    assert (done.status, done.posted) == ("posted", 90)
    assert (bank.balance("alice").posted, bank.balance("bob").posted, bank.balance("bob").debits_pending) == (90, -90, 0)
    assert bank.pending_exchanges() == []


def test_rejecting_voids_the_exchange_and_moves_nothing(bank, led):
    bank.record_exchange("alice", "bob", 90, "care", "shopping", confirm=True, exchange_id="ex-1")
    voided = bank.reject("ex-1", "never happened")
    assert (voided.status, voided.posted) == ("voided", 0)
    assert (bank.balance("alice").posted, bank.balance("bob").available) == (0, 0)
    assert led.history("riverside:bob").entries[-1].memo == "care"
    with pytest.raises(HoldNotPending) as err:
        bank.confirm("ex-1")
    assert str(err.value) == "hold 'ex-1' is already voided; only a held hold can be posted or voided"


def test_an_unconfirmed_exchange_expires_at_the_banks_deadline(db_path, clock):
    from .conftest import SERVICES, open_ledger

    with open_ledger(db_path, clock) as led:
        bank = TimeBank.create(led, "riverside", catalogue=SERVICES, confirm_timeout=timedelta(days=2))
        bank.join("alice")
        bank.join("bob")
        bank.record_exchange("alice", "bob", 30, "care", "shopping", confirm=True, exchange_id="ex-1")
        assert led.expire_holds(clock.advance(days=2) - timedelta(microseconds=1)) == []
        with pytest.raises(HoldExpired) as err:
            bank.confirm("ex-1")  # past the deadline, even before housekeeping ran
        assert str(err.value) == "hold 'ex-1' expired at 2026-06-03T12:00:00.000000Z and can no longer be posted"
        assert led.expire_holds(clock()) == ["ex-1"]
        assert led.hold_info("ex-1").status == "expired"
        assert (bank.balance("alice").posted, bank.balance("bob").available) == (0, 0)
        with pytest.raises(HoldNotPending, match="hold 'ex-1' is already expired"):
            bank.reject("ex-1", "too late")
        assert led.verify().ok


def test_confirm_accepts_only_exchanges_of_its_own_bank(bank, led, db_path):
    bank.record_exchange("alice", "bob", 200, "care", "shopping")
    led.hold("riverside:alice", "riverside:carol", 20, code="time_bank.donation", hold_id="gift-1")
    other = TimeBank.create(led, "hillside", catalogue=[{"category": "care", "name": "shopping"}])
    other.join("ann")
    other.join("ben")
    other.record_exchange("ann", "ben", 10, "care", "shopping", confirm=True, exchange_id="hill-1")
    before = dump(db_path)
    for hold_id in ("gift-1", "hill-1"):
        with pytest.raises(NotAnExchange) as err:
            bank.confirm(hold_id)
        assert str(err.value) == f"hold {hold_id!r} is not an exchange of time bank 'riverside'"
    with pytest.raises(UnknownHold):
        bank.reject("nothing", "no such hold")
    assert dump(db_path) == before


def test_request_ids_make_exchanges_safe_to_retry(bank, led):
    first = bank.record_exchange("alice", "bob", 30, "garden", "weeding", request_id="r-1")
    again = bank.record_exchange("alice", "bob", 30, "garden", "weeding", request_id="r-1")
    assert again == first
    assert bank.balance("alice").posted == 30
