"""FIFO tracing with hand-computed shares: donations to expenses, tranches to what they paid for,
and a crowdfund campaign's pledges through its escrow and payout into a project fund."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ledger_crowdfund import Crowdfund
from ledger_crowdfund import plugin as crowdfund_plugin
from ledger_grants import Grants, NotTraceable, Tracer, plugin

from ledger import Ledger

from .conftest import LEDGER_ID, RECEIPT

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def three_donations(grants, led):
    """alice 100.00, bob 50.00, carol 80.00 into 'general'; then expenses E1 120.00 and E2 90.00."""
    grants.donate("alice", "general", 10_000, transfer_id="d-alice")
    grants.donate("bob", "general", 5_000, transfer_id="d-bob")
    grants.donate("carol", "general", 8_000, transfer_id="d-carol")
    grants.spend("general", "pumps-ltd", 12_000, purpose="pumps", day="2026-07-01", evidence=RECEIPT,
                 transfer_id="e1")
    grants.spend("general", "staff", 9_000, purpose="wages", day="2026-07-02", evidence="payroll-2026-07",
                 transfer_id="e2")
    return Tracer(led)


def shares(items):
    return [(s.transfer_id, s.amount) for s in items]


# FIFO by hand: E1 (12000) takes alice's 10000 and the first 2000 of bob's 5000; E2 (9000) takes
# bob's remaining 3000 and the first 6000 of carol's 8000; carol's last 2000 are still in the fund.
def test_each_expense_is_traced_to_the_donations_that_paid_for_it(three_donations):
    e1, e2 = three_donations.expense("e1"), three_donations.expense("e2")
    assert shares(e1.sources) == [("d-alice", 10_000), ("d-bob", 2_000)]
    assert shares(e2.sources) == [("d-bob", 3_000), ("d-carol", 6_000)]
    assert (e1.unfunded, e2.unfunded) == (0, 0)
    assert [s.debit for s in e2.sources] == ["bob", "carol"]


@pytest.mark.parametrize(
    "donation, uses, unspent",
    [
        ("d-alice", [("e1", 10_000)], {}),
        ("d-bob", [("e1", 2_000), ("e2", 3_000)], {}),
        ("d-carol", [("e2", 6_000)], {"general": 2_000}),
    ],
)
def test_each_donor_sees_where_their_money_went(three_donations, donation, uses, unspent):
    trace = three_donations.donation(donation)
    assert shares(trace.uses) == uses
    assert trace.unspent == unspent
    assert sum(n for _, n in uses) + sum(unspent.values()) == trace.amount


def test_a_funder_sees_what_tranche_2_paid_for(grants):
    grants.disburse("g1", 300_000)  # tranche 1
    grants.disburse("g1", 200_000)  # tranche 2
    grants.expense("g1", "staff", 250_000, line="staff", day="2026-07-01", evidence="payroll-1", transfer_id="x1")
    grants.expense("g1", "pumps-ltd", 150_000, line="supplies", day="2026-07-05", evidence=RECEIPT,
                   transfer_id="x2")
    trace = grants_tracer(grants).donation("g1/tranche/2")
    # tranche 1 covers cents 0..300000: all of x1 and the first 50000 of x2; tranche 2 pays x2's other 100000.
    assert shares(trace.uses) == [("x2", 100_000)]
    assert trace.unspent == {"water": 100_000}
    assert [u.to_dict()["line"] for u in trace.uses] == ["supplies"]
    assert shares(grants_tracer(grants).expense("x2").sources) == [("g1/tranche/1", 50_000),
                                                                   ("g1/tranche/2", 100_000)]


def grants_tracer(grants: Grants) -> Tracer:
    return Tracer(grants.ledger)


def test_money_moved_between_funds_is_followed(grants, led):
    grants.open_fund("water-2", "eur", currency="EUR", purpose="clean water")
    grants.donate("alice", "water", 7_000, transfer_id="d1")
    led.transfer("water", "water-2", 4_000, code="grants.fund_transfer", transfer_id="m1")
    grants.spend("water-2", "pumps-ltd", 3_000, purpose="clean water", day="2026-07-01", evidence=RECEIPT,
                 transfer_id="e1")
    trace = Tracer(led).donation("d1")
    assert shares(trace.uses) == [("e1", 3_000)]
    assert trace.uses[0].via == ["water", "water-2"]
    assert trace.unspent == {"water": 3_000, "water-2": 1_000}
    assert shares(Tracer(led).expense("e1").sources) == [("d1", 3_000)]


def test_a_movement_outside_the_funds_is_not_traceable(three_donations):
    with pytest.raises(NotTraceable) as caught:
        three_donations.donation("e1")
    assert str(caught.value) == "transfer 'e1' cannot be traced: its receiver 'pumps-ltd' is not a fund or a conduit"
    with pytest.raises(NotTraceable) as caught:
        three_donations.expense("nope")
    assert str(caught.value) == "transfer 'nope' cannot be traced: there is no such transfer"


@pytest.fixture
def well_campaign(tmp_path, clock):
    """A crowdfund campaign whose escrow is a conduit into a grants fund: ann pledged 600, ben 400, deadline past."""
    with Ledger(str(tmp_path / "both.db"), create=True, ledger_id=LEDGER_ID, clock=clock,
                plugins=[plugin, crowdfund_plugin], load_entrypoints=False) as led:
        led.register_scheme("usd", kind="crowdfund")
        for account in ("host", "ann", "ben", "builder"):
            led.open_account(account, "usd")
        for donor in ("ann", "ben"):
            led.transfer("usd:issuer", donor, 10_000)
        grants = Grants(led)
        grants.open_fund("well-fund", "usd", currency="USD", purpose="school well")
        fund = Crowdfund(led)
        fund.create("well", scheme="usd", organiser="well-fund", goal=1_000, deadline=clock.now + timedelta(days=7),
                    host="host", fee_bps=1000, funds="well-fund")
        grants.add_conduit("well:escrow", "well-fund")
        fund.pledge("well", "ann", 600, pledge="a")
        fund.pledge("well", "ben", 400, pledge="b")
        clock.advance(days=7)
        yield led, grants, fund


def test_a_crowdfund_campaign_is_traced_through_its_escrow_to_the_project_expenses(well_campaign):
    """Pledges -> escrow (a conduit) -> fee and payout -> the project fund -> its expenses."""
    led, grants, fund = well_campaign
    fund.close("well")  # gross 1000: fee 100 to host, net 900 to the fund
    grants.spend("well-fund", "builder", 700, purpose="school well", day="2026-06-10", evidence="inv-1",
                 transfer_id="dig")
    tracer = Tracer(led)
    # Escrow FIFO: ann's 600 pays the fee (100) then the first 500 of the payout; ben's 400 is the rest.
    # Fund FIFO: the payout's first 700 pay 'dig': ann's 500, then 200 of ben's.
    ann, ben = tracer.donation("hold:well/a/1"), tracer.donation("hold:well/b/1")
    assert shares(ann.uses) == [("well/fee", 100), ("dig", 500)]
    assert (shares(ben.uses), ben.unspent) == ([("dig", 200)], {"well-fund": 200})
    assert ann.uses[1].via == ["well:escrow", "well-fund"]
    assert shares(tracer.expense("dig").sources) == [("hold:well/a/1", 500), ("hold:well/b/1", 200)]
    assert led.verify().ok


def test_a_refunded_pledge_is_left_out_and_the_refund_cover_takes_its_place(well_campaign):
    led, _, fund = well_campaign
    fund.close("well")  # fee 100 to host, net 900 to the fund
    fund.refund("well", "a", "donor asked")  # the fund covers 600; ann's posted pledge is reversed
    tracer = Tracer(led)
    with pytest.raises(NotTraceable) as caught:
        tracer.donation("hold:well/a/1")
    assert str(caught.value) == ("transfer 'hold:well/a/1' cannot be traced: it was reversed by "
                                 "'hold:well/a/1:reversal'; a correction and what it corrects are left out of "
                                 "every trace")
    # Escrow line without ann: ben's 400 pays the fee (100) and 300 of the payout; the cover pays the rest.
    ben = tracer.donation("hold:well/b/1")
    assert [(u.transfer_id, u.amount) for u in ben.uses] == [("well/fee", 100)]
    assert ben.unspent == {"well-fund": 300}
    assert led.verify().ok
