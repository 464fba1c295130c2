"""Two-phase transfers: held -> posted (all or part) | voided | expired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger import HoldExpired, HoldNotPending, InsufficientFunds, PostExceedsHold, UnknownHold
from ledger.testing import dump

# Every test here runs on both stores: the same rules, the same errors.
BACKENDS = ("sqlite", "postgres")


def test_hold_reserves_then_partial_post_moves_part_and_releases_the_rest(community):
    community.transfer("carbon:issuer", "alice.pts", 100)
    hold = community.hold("alice.pts", "bob.pts", 60, hold_id="h1")
    assert hold.status == "held"
    a = community.balance("alice.pts")
    assert (a.posted, a.debits_pending, a.available) == (100, 60, 40)
    assert community.balance("bob.pts").credits_pending == 60
    posted = community.post("h1", 45)
    assert (posted.status, posted.posted) == ("posted", 45)
    a, b = community.balance("alice.pts"), community.balance("bob.pts")
    assert (a.posted, a.debits_pending, b.posted, b.credits_pending) == (55, 0, 45, 0)
    assert community.unit_totals()["points"]["pending"] == 0


def test_pending_holds_count_against_the_floor(community):
    community.transfer("carbon:issuer", "alice.pts", 100)
    community.hold("alice.pts", "bob.pts", 70)
    with pytest.raises(InsufficientFunds) as err:
        community.hold("alice.pts", "carol.pts", 31)
    assert str(err.value) == "account 'alice.pts' (points) would go below its floor of 0 by 1"
    with pytest.raises(InsufficientFunds):
        community.transfer("alice.pts", "carol.pts", 31)


def test_void_releases_everything_and_a_hold_settles_once(community):
    community.transfer("carbon:issuer", "alice.pts", 10)
    community.hold("alice.pts", "bob.pts", 10, hold_id="h")
    assert community.void("h", reason="changed mind").status == "voided"
    assert community.balance("alice.pts").available == 10
    with pytest.raises(HoldNotPending) as err:
        community.void("h")
    assert str(err.value) == "hold 'h' is already voided; only a held hold can be posted or voided"
    with pytest.raises(HoldNotPending):
        community.post("h")


def test_post_more_than_held_is_refused(community):
    community.transfer("carbon:issuer", "alice.pts", 10)
    community.hold("alice.pts", "bob.pts", 10, hold_id="h")
    with pytest.raises(PostExceedsHold, match="cannot post 11 from hold 'h', which holds only 10"):
        community.post("h", 11)


def test_hold_past_deadline_cannot_be_posted_and_expires_explicitly(community, clock, db_path):
    community.transfer("carbon:issuer", "alice.pts", 10)
    community.hold("alice.pts", "bob.pts", 10, hold_id="late", timeout=3600)
    clock.advance(seconds=3600)
    before = dump(db_path)
    with pytest.raises(HoldExpired) as err:
        community.post("late")
    assert str(err.value) == "hold 'late' expired at 2026-06-01T13:00:00.000000Z and can no longer be posted"
    assert dump(db_path) == before
    assert community.expire_holds() == ["late"]
    assert community.expire_holds() == []
    assert community.balance("alice.pts").available == 10
    with pytest.raises(HoldNotPending, match="already expired"):
        community.void("late")


def test_expire_holds_leaves_holds_that_are_not_yet_due(community, clock):
    community.transfer("carbon:issuer", "alice.pts", 10)
    community.hold("alice.pts", "bob.pts", 3, hold_id="soon", timeout=60)
    community.hold("alice.pts", "bob.pts", 3, hold_id="later", expires_at=clock.now + timedelta(days=1))
    community.hold("alice.pts", "bob.pts", 3, hold_id="never")
    assert community.expire_holds(clock.now + timedelta(minutes=5)) == ["soon"]
    assert community.post("later").status == "posted"
    assert community.post("never").status == "posted"


def test_unknown_hold_is_named(community):
    with pytest.raises(UnknownHold, match="hold 'ghost' does not exist"):
        community.post("ghost")


def test_posted_hold_can_be_reversed(community):
    community.transfer("carbon:issuer", "alice.pts", 10)
    community.hold("alice.pts", "bob.pts", 10, hold_id="h")
    community.post("h", 7)
    reversal = community.reverse(hold_id="h", reason="refund")
    assert (reversal.debit, reversal.credit, reversal.amount, reversal.reverses) == (
        "bob.pts",
        "alice.pts",
        7,
        "hold:h",
    )
    assert community.balance("alice.pts").posted == 10
