"""Matching funds: added with each qualifying pledge in its transaction, following its fate."""

from __future__ import annotations

import pytest
from ledger_crowdfund import Crowdfund, MatchingExists

from .conftest import FUNDED, new_campaign, past_deadline

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def matched(fund: Crowdfund) -> Crowdfund:
    fund.add_matching("well", "sponsor", 500)  # 1:1 up to 500
    return fund


def test_a_pledge_brings_its_match_in_the_same_transaction(matched, led):
    hold = matched.pledge("well", "alice", 200, pledge="a")
    match = led.hold_info("well/a/1/match")
    assert (match.debit, match.credit, match.amount, match.status) == ("well:matching", "well:escrow", 200, "held")
    assert match.seq == hold.seq + 1  # the next event of the very same commit
    assert match.details == {"campaign": "well", "pledge": "a", "sponsor": "sponsor"}
    assert led.balance("well:matching").available == 300


def test_the_pool_cap_limits_the_match_and_then_matching_stops(matched, led):
    matched.pledge("well", "alice", 400, pledge="a")
    matched.pledge("well", "bob", 300, pledge="b")
    matched.pledge("well", "carol", 50, pledge="c")
    assert [led.hold_info(f"well/{p}/1/match").amount for p in "ab"] == [400, 100]
    assert [h.hold_id for h in led.holds(account="well:matching")] == ["well/a/1/match", "well/b/1/match"]


def test_a_ratio_other_than_one_to_one_rounds_the_match_down(fund, led):
    fund.add_matching("well", "sponsor", 1000, numerator=1, denominator=3)
    fund.pledge("well", "alice", 100, pledge="a")
    assert led.hold_info("well/a/1/match").amount == 33


def test_cancelling_a_pledge_voids_its_match_and_frees_the_pool(matched, led):
    matched.pledge("well", "alice", 200, pledge="a")
    matched.cancel_pledge("well", "a")
    assert led.hold_info("well/a/1/match").status == "voided"
    assert led.balance("well:matching").available == 500


def test_raising_a_pledge_recomputes_its_match_against_the_freed_pool(matched, led):
    matched.pledge("well", "alice", 400, pledge="a")
    matched.pledge("well", "bob", 100, pledge="b")  # the pool is now used up
    matched.change_pledge("well", "a", 900)
    assert led.hold_info("well/a/1/match").status == "voided"
    assert led.hold_info("well/a/2/match").amount == 400  # its old 400 came back, nothing more is left
    matched.change_pledge("well", "a", 150)
    assert led.hold_info("well/a/3/match").amount == 150
    assert led.balance("well:matching").available == 250


def test_matches_are_posted_with_success_and_the_rest_goes_back(matched, led, clock):
    matched.pledge("well", "alice", 300, pledge="a")
    matched.pledge("well", "bob", 400, pledge="b")  # 700 pledged + 500 matched >= 1000
    past_deadline(clock)
    settled = matched.close("well")
    assert (settled.outcome, settled.pledged, settled.matched, settled.posted) == ("succeeded", 700, 500, 1200)
    assert [h.status for h in led.holds(account="well:matching")] == ["posted", "posted"]
    assert led.balance("org").posted == 1200
    assert led.balance("sponsor").posted == FUNDED - 500
    assert led.balance("well:matching").posted == 0


def test_matches_are_voided_with_failure_and_the_pool_returns_whole(matched, led, clock):
    matched.pledge("well", "alice", 200, pledge="a")  # 200 + 200 matched < 1000
    past_deadline(clock)
    settled = matched.close("well")
    assert (settled.outcome, settled.voided, settled.returned_to_sponsor) == ("failed", 400, 500)
    assert led.hold_info("well/a/1/match").status == "voided"
    assert led.balance("sponsor").posted == FUNDED
    assert led.transfer_info("well/pool-return").amount == 500


def test_unused_pool_returns_to_the_sponsor_at_success(fund, led, clock):
    fund.add_matching("well", "sponsor", 5000)
    fund.pledge("well", "alice", 600)
    past_deadline(clock)
    settled = fund.close("well")
    assert (settled.matched, settled.returned_to_sponsor) == (600, 4400)
    assert led.balance("sponsor").posted == FUNDED - 600


def test_one_matching_pool_per_campaign(matched):
    with pytest.raises(MatchingExists) as refused:
        matched.add_matching("well", "org", 100)
    assert str(refused.value) == "campaign 'well' already has a matching pool from 'sponsor'; one pool per campaign"


def test_matched_goal_counts_toward_all_or_nothing(led, clock):
    fund = Crowdfund(led)
    new_campaign(fund, clock)
    fund.add_matching("well", "sponsor", 499)
    fund.pledge("well", "alice", 500)  # 500 + 499 = 999: one cent short
    past_deadline(clock)
    assert fund.close("well").outcome == "failed"
