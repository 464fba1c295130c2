"""Closing a campaign: all-or-nothing at the goal's exact boundary, keep-it-all, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from ledger_crowdfund import CampaignNotDue, Crowdfund, Settlement

from ledger import Ledger

from .conftest import FUNDED, new_campaign, past_deadline

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def pledge_total(fund: Crowdfund, amounts: dict[str, int]) -> None:
    for donor, amount in amounts.items():
        fund.pledge("well", donor, amount, pledge=f"p-{donor}")


def balances(led: Ledger, *accounts: str) -> dict[str, int]:
    return {a: led.balance(a).posted for a in accounts}


def test_goal_reached_exactly_at_the_deadline_posts_every_pledge(fund, led, clock):
    pledge_total(fund, {"alice": 600, "bob": 400})
    past_deadline(clock)  # the close runs at the deadline itself
    settled = fund.close("well")
    assert settled == Settlement(campaign="well", outcome="succeeded", goal=1000, pledges=2, donors=2, pledged=1000,
                                 matched=0, posted=1000, voided=0, fee=0, net=1000, returned_to_sponsor=0,
                                 seq=settled.seq)
    assert [h.status for h in led.holds(account="well:escrow")] == ["posted", "posted"]
    assert balances(led, "alice", "bob", "org", "well:escrow") == {
        "alice": FUNDED - 600, "bob": FUNDED - 400, "org": 1000, "well:escrow": 0}
    assert fund.events("well") == ["launched", "goal_reached", "closed", "succeeded"]
    assert led.verify().ok


def test_one_cent_short_voids_every_pledge(fund, led, clock):
    pledge_total(fund, {"alice": 600, "bob": 399})
    past_deadline(clock)
    settled = fund.close("well")
    assert (settled.outcome, settled.pledged, settled.posted, settled.voided) == ("failed", 999, 0, 999)
    assert [h.status for h in led.holds(account="well:escrow")] == ["voided", "voided"]
    assert balances(led, "alice", "bob", "org") == {"alice": FUNDED, "bob": FUNDED, "org": 0}
    assert led.balance("alice").debits_pending == 0
    assert fund.events("well") == ["launched", "closed", "failed"]
    assert led.verify().ok


def test_keep_it_all_posts_what_it_raised_below_the_goal(led, clock):
    fund = Crowdfund(led)
    new_campaign(fund, clock, "school", mode="keep_it_all", goal=5000)
    fund.pledge("school", "carol", 250)
    past_deadline(clock)
    settled = fund.close("school")
    assert (settled.outcome, settled.posted, settled.net) == ("succeeded", 250, 250)
    assert led.balance("org").posted == 250


def test_close_before_the_deadline_is_refused_and_writes_nothing(fund, led, clock, db_path):
    from .conftest import dump

    before = dump(db_path)
    clock.advance(days=7, microseconds=-1)
    with pytest.raises(CampaignNotDue) as refused:
        fund.close("well")
    assert str(refused.value) == (
        "campaign 'well' closes at 2026-06-08T12:00:00+00:00, it is only 2026-06-08T11:59:59.999999+00:00; "
        "cancel it to stop early")
    assert dump(db_path) == before


def test_close_run_twice_settles_once(fund, led, clock):
    pledge_total(fund, {"alice": 700, "bob": 300})
    past_deadline(clock)
    first = fund.close("well")
    size = led.size()
    assert fund.close("well") == first
    assert fund.close_due() == []
    assert led.size() == size
    assert led.balance("org").posted == 1000


def test_replaying_the_close_batch_returns_the_first_result_without_writing(fund, led, clock):
    """The close's request id is fixed per campaign: a retry of the very batch is answered from
    the request log (what a closer that crashed after its commit but before reading sees)."""
    from ledger_crowdfund.names import close_request
    from ledger_crowdfund.settlement import settlement_items

    pledge_total(fund, {"alice": 1000})
    past_deadline(clock)
    items = settlement_items(led, fund.campaign("well"), cancelled=False, note="")
    first = led.batch(items, request_id=close_request("well"))
    size = led.size()
    assert led.batch(items, request_id=close_request("well")) == first
    assert led.size() == size
    assert fund.close("well").seq == first[2].seq


def test_concurrent_closes_settle_once(tmp_path, clock):
    from .conftest import open_ledger, seed

    path = str(tmp_path / "ledger.db")
    with open_ledger(path, clock) as led:
        seed(led)
        fund = Crowdfund(led)
        new_campaign(fund, clock)
        for i, donor in enumerate(("alice", "bob", "carol")):
            fund.pledge("well", donor, 400 + i)
    past_deadline(clock)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def close() -> None:
        with open_ledger(path, clock) as mine:
            barrier.wait()
            try:
                results.append(Crowdfund(mine).close("well"))
            except Exception as exc:  # collected, then asserted to be none
                results.append(exc)

    threads = [threading.Thread(target=close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open_ledger(path, clock) as led:
        assert all(isinstance(r, Settlement) for r in results), results
        assert len({r.seq for r in results}) == 1  # type: ignore[union-attr]
        assert len(led.facts("crowdfund.settlement.v1", "well")) == 1
        assert [t.amount for t in led.transfers(code="crowdfund.payout")] == [1203]
        assert led.balance("org").posted == 1203
        assert led.verify().ok


def test_close_due_closes_only_campaigns_past_their_deadline(fund, led, clock):
    new_campaign(fund, clock, "later", deadline=clock.now + timedelta(days=30))
    fund.pledge("well", "alice", 1000)
    past_deadline(clock)
    assert [s.campaign for s in fund.close_due()] == ["well"]
    assert fund.state("later") == "launched"


def test_a_close_after_the_settlement_window_cannot_collect(led, clock):
    fund = Crowdfund(led)
    new_campaign(fund, clock, settle_within=3600)
    fund.pledge("well", "alice", 1000)
    past_deadline(clock)
    clock.advance(hours=1)
    settled = fund.close("well")
    assert (settled.outcome, settled.voided) == ("failed", 1000)
    assert led.balance("alice").posted == FUNDED


def test_fee_is_rounded_down_and_fee_plus_net_is_gross(led, clock):
    fund = Crowdfund(led)
    new_campaign(fund, clock, host="host", fee_bps=250)
    fund.pledge("well", "alice", 1039)  # 2.5 % of 1039 = 25.975 -> 25
    past_deadline(clock)
    settled = fund.close("well")
    assert (settled.posted, settled.fee, settled.net) == (1039, 25, 1014)
    assert balances(led, "host", "org", "well:escrow") == {"host": 25, "org": 1014, "well:escrow": 0}
    assert led.transfer_info("well/fee").memo == "250 bp host fee"


def test_cancel_before_the_deadline_voids_everything_and_returns_the_pool(fund, led, clock):
    fund.add_matching("well", "sponsor", 500)
    fund.pledge("well", "alice", 300)
    settled = fund.cancel("well", "the school was rebuilt by the council")
    assert (settled.outcome, settled.voided, settled.returned_to_sponsor) == ("cancelled", 600, 500)
    assert balances(led, "alice", "sponsor", "well:matching") == {"alice": FUNDED, "sponsor": FUNDED,
                                                                  "well:matching": 0}
    assert fund.events("well") == ["launched", "cancelled"]
    assert fund.cancel("well", "again") == settled
    past_deadline(clock)
    assert fund.close("well") == settled
