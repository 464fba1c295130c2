"""Statements with exact numbers: per member, per category, per bank and period; posted only."""

from __future__ import annotations

from datetime import datetime

import pytest
from ledger_time_bank import hours, statements

from ledger import UnknownAccount, ValidationError

from .conftest import MEMBERS

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def season(bank):
    """Exchanges in three categories, a pending and a rejected one, a reversal, gifts, a grant, a redemption.

    Posted balances after it: alice 85, bob -115, carol -40, community 70.
    """
    bank.record_exchange("alice", "bob", 120, "garden", "weeding")
    bank.record_exchange("alice", "carol", 60, "care", "shopping")
    bank.record_exchange("bob", "alice", 45, "repair", "bike check")
    bank.record_exchange("carol", "bob", 90, "care", "shopping", confirm=True, exchange_id="ex-confirmed")
    bank.confirm("ex-confirmed")
    bank.record_exchange("alice", "bob", 400, "garden", "hedges", confirm=True, exchange_id="ex-pending")
    bank.record_exchange("bob", "carol", 50, "garden", "never done", confirm=True, exchange_id="ex-rejected")
    bank.reject("ex-rejected", "not done")
    wrong = bank.record_exchange("carol", "alice", 15, "repair", "typo")
    bank.ledger.reverse(wrong.transfer_id, reason="recorded by mistake")
    bank.donate("alice", 50)
    bank.donate("carol", 10, to="bob")
    bank.grant("bob", 40, "litter pick")
    bank.redeem("carol", "hot meal")


def test_member_statements_split_every_posted_minute_by_kind(bank):
    season(bank)
    alice = bank.member_statement("alice")
    assert alice.to_dict() == {
        "bank": "riverside", "member": "alice", "account": "riverside:alice", "since": None, "until": None,
        "exchanges": 3, "earned_by_exchanges": 180, "spent_on_exchanges": 45,
        "received_as_grants": 0, "paid_as_grants": 0, "donated": 50, "received_donations": 0,
        "spent_on_redemptions": 0, "received_for_redemptions": 0, "balance": 85,
    }
    bob = bank.member_statement("bob")
    assert (bob.exchanges, bob.earned_by_exchanges, bob.spent_on_exchanges, bob.received_as_grants,
            bob.received_donations, bob.balance) == (3, 45, 210, 40, 10, -115)
    carol = bank.member_statement("carol")
    assert (carol.exchanges, carol.earned_by_exchanges, carol.spent_on_exchanges, carol.donated,
            carol.spent_on_redemptions, carol.balance) == (2, 90, 60, 10, 60, -40)
    community = bank.member_statement("community")
    assert (community.received_donations, community.paid_as_grants, community.received_for_redemptions,
            community.balance) == (50, 40, 60, 70)


def test_over_the_whole_history_a_statement_nets_to_the_balance(bank):
    season(bank)
    for member in (*MEMBERS, "community"):
        s = bank.member_statement(member).to_dict()
        ins = s["earned_by_exchanges"] + s["received_as_grants"] + s["received_donations"] + s["received_for_redemptions"]
        outs = s["spent_on_exchanges"] + s["paid_as_grants"] + s["donated"] + s["spent_on_redemptions"]
        assert ins - outs == s["balance"] == bank.balance(member).posted, member


def test_the_bank_statement_counts_posted_exchanges_by_category(bank):
    season(bank)
    assert bank.statement().to_dict() == {
        "bank": "riverside", "since": None, "until": None,
        "minutes_exchanged": 315, "hours_exchanged": "5:15", "exchanges": 4, "active_members": 3,
        "granted": 40, "donated": 60, "redeemed": 60,
        "categories": [
            {"category": "care", "minutes": 150, "exchanges": 2},
            {"category": "garden", "minutes": 120, "exchanges": 1},  # the pending 400 does not count
            {"category": "repair", "minutes": 45, "exchanges": 1},  # the reversed 15 nets out
        ],
    }


def test_a_period_counts_what_was_recorded_after_since_up_to_until(bank, led):
    first = bank.record_exchange("alice", "bob", 120, "garden", "weeding")
    bank.join("dave")
    boundary = datetime.fromisoformat(led.seq_time(led.size() - 1))
    bank.record_exchange("carol", "dave", 60, "care", "shopping")
    bank.record_exchange("carol", "alice", 30, "care", "shopping", confirm=True, exchange_id="late")
    bank.confirm("late")
    later = bank.statement(since=boundary)
    assert (later.minutes_exchanged, later.exchanges, later.active_members, later.hours_exchanged) == (90, 2, 3, "1:30")
    assert [c.to_dict() for c in later.categories] == [{"category": "care", "minutes": 90, "exchanges": 2}]
    earlier = bank.statement(until=boundary)
    assert (earlier.minutes_exchanged, earlier.exchanges, earlier.active_members) == (120, 1, 2)
    assert earlier.until == boundary.isoformat()
    alice_then = bank.member_statement("alice", until=boundary)
    assert (alice_then.earned_by_exchanges, alice_then.spent_on_exchanges, alice_then.balance) == (120, 0, 120)
    alice_later = bank.member_statement("alice", since=boundary)
    assert (alice_later.earned_by_exchanges, alice_later.spent_on_exchanges, alice_later.balance) == (0, 30, 90)
    assert led.seq_at(boundary) == first.seq + 1  # the last event of the first period: dave's account


def test_a_hold_counts_in_the_period_it_was_confirmed(bank, led):
    bank.record_exchange("alice", "bob", 60, "garden", "weeding", confirm=True, exchange_id="slow")
    boundary = datetime.fromisoformat(led.seq_time(led.size() - 1))
    assert bank.statement(until=boundary).exchanges == 0  # still pending then
    bank.confirm("slow")
    assert (bank.statement(since=boundary).exchanges, bank.statement(since=boundary).minutes_exchanged) == (1, 60)


def test_statements_read_every_page(bank, monkeypatch):
    monkeypatch.setattr(statements, "PAGE", 2)  # a page size small enough to need several pages
    for minutes in range(1, 8):
        bank.record_exchange("alice", "bob", minutes, "garden", "weeding")
    assert (bank.statement().minutes_exchanged, bank.statement().exchanges) == (28, 7)
    assert bank.member_statement("bob").spent_on_exchanges == 28


def test_statement_periods_must_be_aware_and_members_must_exist(bank):
    with pytest.raises(ValidationError) as err:
        bank.statement(since=datetime(2026, 6, 1))
    assert str(err.value) == "invalid statement: since: must be a timezone-aware datetime."
    with pytest.raises(UnknownAccount) as missing:
        bank.member_statement("zoe")
    assert str(missing.value) == "account 'riverside:zoe' does not exist; open it first"


@pytest.mark.parametrize(("minutes", "text"), [(0, "0:00"), (59, "0:59"), (60, "1:00"), (255, "4:15"), (-90, "-1:30")])
def test_hours_are_written_h_mm(minutes, text):
    assert hours(minutes) == text
