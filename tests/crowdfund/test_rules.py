"""The campaign rules at their boundaries, whole messages asserted; a refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ledger_crowdfund import CampaignNotOpen, Crowdfund

from ledger import RuleViolation

from .conftest import dump, new_campaign, past_deadline

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

SETTLE_BY = "2026-07-08T12:00:00+00:00"


@pytest.fixture
def bounded(led, clock) -> Crowdfund:
    fund = Crowdfund(led)
    new_campaign(fund, clock, "bounded", min_pledge=100, max_pledge=5000)
    return fund


def refused(db_path: str, action, message: str, error: type[Exception] = RuleViolation) -> Exception:
    """Run ``action``, expect ``message``, and prove the database did not change by a byte."""
    before = dump(db_path)
    with pytest.raises(error) as caught:
        action()
    assert str(caught.value) == message
    assert dump(db_path) == before
    return caught.value


def test_pledges_at_the_minimum_and_maximum_are_taken(bounded):
    assert bounded.pledge("bounded", "alice", 100).amount == 100
    assert bounded.pledge("bounded", "bob", 5000).amount == 5000


@pytest.mark.parametrize(
    "amount, message",
    [
        (99, "rule 'min_pledge' refused the command: pledge of 99 is under campaign 'bounded''s minimum of 100 by 1"),
        (5001, "rule 'max_pledge' refused the command: pledge of 5001 is over campaign 'bounded''s maximum of 5000 "
               "by 1"),
    ],
)
def test_pledges_one_cent_outside_the_limits_are_refused(bounded, db_path, amount, message):
    veto = refused(db_path, lambda: bounded.pledge("bounded", "alice", amount), message)
    assert veto.plugin == "ledger_crowdfund.plugin"  # type: ignore[attr-defined]


def test_a_pledge_at_the_deadline_is_refused(fund, clock, db_path):
    past_deadline(clock)
    refused(db_path, lambda: fund.pledge("well", "alice", 100),
            "rule 'pledge_deadline' refused the command: campaign 'well' stopped taking pledges at "
            "2026-06-08T12:00:00+00:00; it is 2026-06-08T12:00:00+00:00")


def test_raising_reducing_or_cancelling_after_the_deadline_is_refused(fund, clock, db_path):
    fund.pledge("well", "alice", 500, pledge="a")
    past_deadline(clock)
    message = ("rule 'pledge_deadline' refused the command: pledge 'well/a/1' of campaign 'well' cannot change after "
               "the deadline 2026-06-08T12:00:00+00:00; it is 2026-06-08T12:00:00+00:00")
    refused(db_path, lambda: fund.change_pledge("well", "a", 900), message)
    refused(db_path, lambda: fund.change_pledge("well", "a", 100), message)
    refused(db_path, lambda: fund.cancel_pledge("well", "a"), message)
    refused(db_path, lambda: fund.ledger.void("well/a/1", reason="mine"), message)  # the core API meets it too


def test_changes_before_the_deadline_move_the_hold(fund, led, clock):
    fund.pledge("well", "alice", 500, pledge="a")
    clock.advance(days=7, microseconds=-1)
    raised = fund.change_pledge("well", "a", 800)
    assert (raised.hold_id, raised.amount, raised.details["replaces"]) == ("well/a/2", 800, "well/a/1")
    assert led.hold_info("well/a/1").status == "voided"
    reduced = fund.change_pledge("well", "a", 200)
    assert led.balance("alice").debits_pending == 200 == reduced.amount
    fund.cancel_pledge("well", "a")
    assert led.balance("alice").debits_pending == 0
    assert led.balance("well:escrow").credits_pending == 0


def test_collecting_a_pledge_outside_the_settlement_is_refused(fund, led, clock, db_path):
    fund.pledge("well", "alice", 1000, pledge="a")
    refused(db_path, lambda: led.post("well/a/1"),
            "rule 'pledge_collect' refused the command: pledge 'well/a/1' of campaign 'well' is collected only at "
            "the close, at 2026-06-08T12:00:00+00:00")
    past_deadline(clock)
    refused(db_path, lambda: led.post("well/a/1"),
            "rule 'settlement' refused the command: post 'well/a/1' of campaign 'well' belongs only in the "
            "campaign's settlement (Crowdfund.close or cancel)")
    refused(db_path, lambda: led.void("well/a/1", reason="crowdfund.settlement"),
            "rule 'settlement' refused the command: void 'well/a/1' of campaign 'well' belongs only in the "
            "campaign's settlement (Crowdfund.close or cancel)")


def test_the_escrow_and_the_pool_pay_out_only_at_settlement(fund, led, db_path):
    fund.add_matching("well", "sponsor", 300)
    fund.pledge("well", "alice", 100)
    refused(db_path, lambda: led.transfer("well:matching", "org", 10),
            "rule 'escrow_locked' refused the command: 'well:matching' pays out only at the campaign's settlement "
            "(crowdfund.pool or crowdfund.match_return), not as transfer '(no code)'")
    refused(db_path, lambda: led.transfer("well:matching", "sponsor", 10, code="crowdfund.pool",
                                          details={"campaign": "well"}),
            "rule 'settlement' refused the command: transfer 'crowdfund.pool' of campaign 'well' belongs only in the "
            "campaign's settlement (Crowdfund.close or cancel)")
    refused(db_path, lambda: led.transfer("well:matching", "sponsor", 10, code="crowdfund.match_return"),
            "rule 'escrow_locked' refused the command: 'well:matching' returns refunded matches only after campaign "
            "'well' settled")
    refused(db_path, lambda: led.hold("well:matching", "org", 10, code="crowdfund.fee"),
            "rule 'escrow_locked' refused the command: 'well:matching' pays out only at the campaign's settlement "
            "(crowdfund.pool or crowdfund.match_return), not as hold 'crowdfund.fee'")


def test_matches_cannot_be_placed_or_voided_by_hand(fund, led, db_path):
    fund.add_matching("well", "sponsor", 300)
    fund.pledge("well", "alice", 100, pledge="a")
    refused(db_path, lambda: led.hold("well:matching", "well:escrow", 10, code="crowdfund.match",
                                      details={"campaign": "well"}),
            "rule 'match_with_pledge' refused the command: a matching contribution is only added with a pledge, "
            "by the plugin")
    refused(db_path, lambda: led.void("well/a/1/match"),
            "rule 'match_with_pledge' refused the command: a matching contribution follows its pledge; change the "
            "pledge")


def test_pledges_must_go_to_the_campaigns_escrow_and_expire_at_settlement(fund, led, clock, db_path):
    refused(db_path, lambda: led.hold("alice", "org", 100, code="crowdfund.pledge",
                                      details={"campaign": "well", "pledge": "x", "version": 1}),
            "rule 'pledge_escrow' refused the command: a pledge to campaign 'well' is held toward 'well:escrow', "
            "not 'org'")
    refused(db_path, lambda: led.hold("alice", "well:escrow", 100, code="crowdfund.pledge", timeout=60,
                                      details={"campaign": "well", "pledge": "x", "version": 1}),
            "rule 'pledge_expiry' refused the command: a pledge to campaign 'well' expires at its settlement "
            f"deadline {SETTLE_BY}, not 2026-06-01T12:01:00+00:00")
    refused(db_path, lambda: led.hold("alice", "well:escrow", 100, code="crowdfund.pledge", hold_id="x",
                                      details={"campaign": "pond"}),
            "rule 'campaign' refused the command: pledge 'x' names campaign 'pond', which does not exist")


def test_a_settled_or_cancelled_campaign_takes_nothing_more(fund, led, clock, db_path):
    fund.cancel("well", "no longer needed")
    refused(db_path, lambda: fund.pledge("well", "alice", 100),
            "rule 'campaign_open' refused the command: campaign 'well' is cancelled and takes no pledges")
    refused(db_path, lambda: fund.add_matching("well", "sponsor", 100),
            "campaign 'well' is cancelled; cannot add a matching pool", CampaignNotOpen)


def test_a_campaign_can_be_cancelled_only_before_its_deadline(fund, clock, db_path):
    clock.advance(days=8)
    refused(db_path, lambda: fund.cancel("well", "too late"),
            "campaign 'well' is past its deadline 2026-06-08T12:00:00+00:00; cannot cancel it", CampaignNotOpen)


def test_a_new_campaign_deadline_is_checked(led, clock):
    fund = Crowdfund(led)
    new_campaign(fund, clock, "soon", deadline=clock.now + timedelta(minutes=1))
    assert fund.state("soon") == "launched"


def test_a_withdrawn_pledge_cannot_be_changed(fund, db_path):
    fund.pledge("well", "alice", 500, pledge="a")
    fund.cancel_pledge("well", "a")
    from ledger import HoldNotPending

    refused(db_path, lambda: fund.change_pledge("well", "a", 600),
            "hold 'well/a/1' is already voided; only a held hold can be posted or voided", HoldNotPending)


def test_a_campaigns_own_accounts_cannot_pledge(fund, led, clock, db_path):
    new_campaign(fund, clock, "pond")
    fund.add_matching("pond", "sponsor", 300)
    refused(db_path, lambda: fund.pledge("well", "pond:matching", 100),
            "rule 'escrow_locked' refused the command: 'pond:matching' is a campaign's own account and cannot pledge")
