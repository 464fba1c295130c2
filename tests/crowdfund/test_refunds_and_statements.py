"""Refunds after success, the public page, a donor's history, and anonymity in exports."""

from __future__ import annotations

import json
import sqlite3

import pytest
from ledger_crowdfund import Crowdfund, NotRefundable

from ledger import InsufficientFunds
from ledger.testing import dump

from .conftest import FUNDED, past_deadline

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def succeeded(fund: Crowdfund, clock) -> Crowdfund:
    fund.add_matching("well", "sponsor", 200)
    fund.pledge("well", "alice", 600, pledge="a")
    fund.pledge("well", "bob", 400, pledge="b", anonymous=True)
    past_deadline(clock)
    fund.close("well")
    return fund


def test_a_refund_reverses_the_pledge_and_its_match_naming_them(succeeded, led):
    done = succeeded.refund("well", "a", "the donor was charged twice")
    reversal = led.transfer_info("hold:well/a/1:reversal")
    assert (reversal.reverses, reversal.debit, reversal.credit, reversal.amount, reversal.memo) == (
        "hold:well/a/1", "well:escrow", "alice", 600, "the donor was charged twice")
    assert reversal.details["pledge"] == "a"
    assert led.transfer_info("hold:well/a/1/match:reversal").amount == 200
    assert [t.code for t in done] == ["crowdfund.refund_cover", "crowdfund.pledge", "crowdfund.match",
                                      "crowdfund.match_return"]
    assert led.balance("alice").posted == FUNDED
    assert led.balance("sponsor").posted == FUNDED
    assert led.balance("org").posted == 1200 - 800
    assert led.balance("well:escrow").posted == 0
    assert led.verify().ok


def test_a_refund_retried_after_it_finished_replays_and_writes_nothing(succeeded, led):
    first = succeeded.refund("well", "a", "duplicate")
    size = led.size()
    assert succeeded.refund("well", "a", "duplicate") == first
    assert led.size() == size
    with pytest.raises(NotRefundable) as refused:
        succeeded.refund("well", "a", "another reason")
    assert str(refused.value) == ("pledge 'a' of campaign 'well' cannot be refunded: it was already refunded "
                                  "('duplicate')")
    assert led.size() == size


def test_a_refund_the_organiser_cannot_cover_writes_nothing_at_all(succeeded, led, db_path):
    # One batch: the cover, both reversals and the pool's return commit together or not at all.
    led.transfer("org", "alice", 1200 - 700, memo="spent on the well")
    before = dump(db_path)
    with pytest.raises(InsufficientFunds) as refused:
        succeeded.refund("well", "a", "duplicate")
    assert str(refused.value) == "account 'org' (cents) would go below its floor of 0 by 100"
    assert dump(db_path) == before


def test_only_collected_pledges_can_be_refunded(fund, led):
    fund.pledge("well", "alice", 100, pledge="a")
    with pytest.raises(NotRefundable) as refused:
        fund.refund("well", "a", "too early")
    assert str(refused.value) == ("pledge 'a' of campaign 'well' cannot be refunded: its hold 'well/a/1' is held, "
                                  "not collected")


def test_the_public_page_totals_and_hides_anonymous_donors(succeeded):
    succeeded.refund("well", "a", "duplicate")
    page = succeeded.page("well").to_dict()
    assert {k: page[k] for k in ("state", "raised", "matched", "donors", "pledges", "fee", "net", "refunded")} == {
        "state": "succeeded", "raised": 400, "matched": 0, "donors": 1, "pledges": 2, "fee": 0, "net": 1200,
        "refunded": 600}
    assert page["backers"] == [
        {"pledge": "a", "donor": "alice", "amount": 600, "matched": 200, "status": "posted", "refunded": 600},
        {"pledge": "b", "donor": None, "amount": 400, "matched": 0, "status": "posted", "refunded": 0},
    ]
    assert [(m["transfer_id"], m["to"], m["amount"]) for m in page["outgoing"]] == [
        ("well/payout", "org", 1200),
        ("well/a/1/refund-cover", "well:escrow", 800),
        ("hold:well/a/1:reversal", "alice", 600),
        ("hold:well/a/1/match:reversal", "well:matching", 200),
    ]
    assert "bob" not in json.dumps(page)


def test_a_donors_history_lists_each_pledge_at_its_latest_version(fund, led, clock):
    fund.pledge("well", "alice", 100, pledge="a")
    fund.change_pledge("well", "a", 300)
    fund.pledge("well", "alice", 50, pledge="second")
    fund.cancel_pledge("well", "second")
    rows = [r.to_dict() for r in fund.donor_history("alice")]
    assert rows == [
        {"campaign": "well", "pledge": "a", "hold_id": "well/a/2", "version": 2, "amount": 300, "status": "held",
         "anonymous": False, "refunded": 0},
        {"campaign": "well", "pledge": "second", "hold_id": "well/second/1", "version": 1, "amount": 50,
         "status": "voided", "anonymous": False, "refunded": 0},
    ]


def test_an_anonymous_pledge_is_withheld_from_the_public_export(fund, led, tmp_path):
    led.open_account("anon-7f3a", "usd", owner="Dana Doe")  # a pseudonymous id; the name is personal
    led.transfer("usd:issuer", "anon-7f3a", 500)
    hold = fund.pledge("well", "anon-7f3a", 500, pledge="d", anonymous=True)
    public, private = tmp_path / "public", tmp_path / "private"
    led.export(str(public))
    led.export(str(private), public=False)

    def body(out) -> object:
        with sqlite3.connect(out / "ledger.sqlite") as conn:
            return conn.execute("SELECT body FROM events WHERE seq = ?", (hold.seq,)).fetchone()[0]

    assert body(public) is None
    assert "anon-7f3a" in str(body(private))
    assert "Dana Doe" not in (public / "csv" / "accounts.csv").read_text()
    assert fund.page("well").backers[0].donor is None
    assert "anon-7f3a" not in json.dumps(fund.page("well").to_dict())
