"""Invariants for any pledges and any goal: posted + voided = pledged, fee + net = gross."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from ledger_crowdfund import Crowdfund, match_amount, split_fee

from ledger.testing import FakeClock

from .conftest import DONORS, FUNDED, open_ledger, seed

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

pledge_lists = st.lists(st.tuples(st.sampled_from(DONORS), st.integers(1, 1200)), max_size=8)  # 8 x 1200 < FUNDED


@given(gross=st.integers(0, 2**53 - 1), fee_bps=st.integers(0, 10_000))
def test_fee_plus_net_is_gross_and_the_fee_is_rounded_down(gross, fee_bps):
    fee, net = split_fee(gross, fee_bps)
    assert fee + net == gross
    assert 0 <= fee <= gross and fee * 10_000 <= gross * fee_bps < (fee + 1) * 10_000


@given(pledge=st.integers(1, 10**9), num=st.integers(1, 1000), den=st.integers(1, 1000), left=st.integers(0, 10**9))
def test_a_match_never_exceeds_its_ratio_or_the_pool(pledge, num, den, left):
    match = match_amount(pledge, num, den, left)
    assert 0 <= match <= left and match * den <= pledge * num


@given(
    pledges=pledge_lists,
    goal=st.integers(1, 10_000),
    mode=st.sampled_from(["all_or_nothing", "keep_it_all"]),
    fee_bps=st.integers(0, 10_000),
    cap=st.one_of(st.none(), st.integers(1, 3000)),
    changes=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 1200)), max_size=3),
)
def test_after_close_posted_plus_voided_is_pledged_and_no_cent_is_lost(pledges, goal, mode, fee_bps, cap, changes):
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp, open_ledger(str(Path(tmp) / "ledger.db"), clock) as led:
        seed(led)
        fund = Crowdfund(led)
        fund.create("well", scheme="usd", organiser="org", goal=goal, deadline=clock.now + timedelta(days=7),
                    mode=mode, host="host", fee_bps=fee_bps)
        if cap is not None:
            fund.add_matching("well", "sponsor", cap)
        for i, (donor, amount) in enumerate(pledges):
            fund.pledge("well", donor, amount, pledge=f"p{i}")
        for index, amount in changes:  # raise, reduce (0 = cancel) some pledges before the deadline
            if index < len(pledges) and fund.current("well", f"p{index}").status == "held":
                if amount:
                    fund.change_pledge("well", f"p{index}", amount)
                else:
                    fund.cancel_pledge("well", f"p{index}")
        live = [h for h in led.holds(status="held", account="well:escrow")]
        pledged = sum(h.amount for h in live if h.code == "crowdfund.pledge")
        matched = sum(h.amount for h in live if h.code == "crowdfund.match")
        clock.advance(days=7)
        settled = fund.close("well")

        assert settled.posted + settled.voided == pledged + matched == settled.pledged + settled.matched
        assert settled.fee + settled.net == settled.posted
        succeeded = mode == "keep_it_all" or pledged + matched >= goal
        assert settled.outcome == ("succeeded" if succeeded else "failed")
        closing = [led.hold_info(h.hold_id) for h in live]
        assert {h.status for h in closing} <= {"posted" if succeeded else "voided"}
        assert sum(h.posted for h in closing) == settled.posted
        assert led.balance("well:escrow").posted == 0 and led.balance("well:escrow").credits_pending == 0
        assert led.balance("well:matching").posted == 0
        assert led.balance("org").posted == settled.net and led.balance("host").posted == settled.fee
        donors_paid = len(DONORS) * FUNDED - sum(led.balance(d).posted for d in DONORS)
        assert donors_paid == (pledged if succeeded else 0)
        assert FUNDED - led.balance("sponsor").posted == (matched if succeeded else 0)
        assert led.unit_totals()["cents"]["posted"] == 0 and led.unit_totals()["cents"]["pending"] == 0
        assert led.verify().ok
