"""The scheme's rules at their exact boundaries, each refusal asserted whole and leaving the file unchanged."""

from __future__ import annotations

import pytest

from ledger import LimitExceeded, RuleViolation

from .conftest import PLUGIN, dump

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def refused(call, db_path: str) -> RuleViolation:
    """Run a call that the plugin must veto; prove nothing was written."""
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        call()
    assert dump(db_path) == before
    return err.value


def test_an_award_records_rate_version_evidence_and_co2e(cs, led):
    result = cs.award("alice", "recycling", 3, verifier="station", evidence="sha256:" + "ab" * 32)
    assert (result.debit, result.credit, result.amount, result.code) == ("green:issuer", "green:alice", 30, "carbon.award")
    assert result.transfer_id == "green.award.sha256:" + "ab" * 32
    assert result.details == {
        "behaviour": "recycling", "quantity": 3, "verifier": "station", "evidence": "sha256:" + "ab" * 32,
        "rate_version": 1, "points_per_unit": 10, "co2e_g": 4500,
        "earned_at": "2026-06-01T12:00:00+00:00", "expires_at": "2027-06-01T12:00:00+00:00",
    }
    assert led.fact("carbon.tally.v1", "green:alice/recycling").data == {
        "day": "2026-06-01", "day_points": 30, "month": "2026-06", "month_points": 30}
    assert led.verify().ok


# -- caps ---------------------------------------------------------------------------------------


def test_the_daily_cap_is_reached_exactly_and_one_unit_more_is_refused_naming_the_cap(cs, db_path):
    cs.award("alice", "waste_sorting", 1, verifier="station", evidence="bag-1")
    cs.award("alice", "waste_sorting", 1, verifier="station", evidence="bag-2")  # 10 = the cap
    err = refused(lambda: cs.award("alice", "waste_sorting", 1, verifier="station", evidence="bag-3"), db_path)
    assert (err.rule, err.plugin) == ("daily_cap", PLUGIN)
    assert str(err) == (
        "rule 'daily_cap' refused the command: award of 5 points for 'waste_sorting' would bring 'green:alice' "
        "to 15 in 2026-06-01, over the daily cap of 10 by 5"
    )


def test_the_daily_cap_resets_the_next_utc_day_and_is_per_resident(cs, clock):
    cs.award("alice", "recycling", 10, verifier="station", evidence="r-1")
    cs.award("bob", "recycling", 10, verifier="station", evidence="r-2")  # another resident's own cap
    clock.advance(days=1)
    assert cs.award("alice", "recycling", 10, verifier="station", evidence="r-3").amount == 100


def test_the_monthly_cap_is_reached_exactly_and_one_unit_more_is_refused(cs, clock, db_path):
    for day in range(3):
        cs.award("alice", "recycling", 10, verifier="station", evidence=f"m-{day}")
        clock.advance(days=1)
    err = refused(lambda: cs.award("alice", "recycling", 1, verifier="station", evidence="m-x"), db_path)
    assert err.message == (
        "award of 10 points for 'recycling' would bring 'green:alice' to 310 in 2026-06, "
        "over the monthly cap of 300 by 10"
    )
    clock.advance(days=30)  # July: a new month
    assert cs.award("alice", "recycling", 1, verifier="station", evidence="m-x").amount == 10


# -- evidence and verifiers -------------------------------------------------------------------------


def test_the_same_evidence_cannot_earn_twice(cs, db_path):
    cs.award("alice", "recycling", 1, verifier="station", evidence="sha256:" + "cd" * 32)
    err = refused(lambda: cs.award("bob", "recycling", 2, verifier="station", evidence="sha256:" + "cd" * 32), db_path)
    assert str(err) == (
        "rule 'duplicate_evidence' refused the command: evidence 'sha256:" + "cd" * 32 + "' already earned 10 "
        "points for 'green:alice' in award 'green.award.sha256:" + "cd" * 32 + "'; the same evidence cannot earn twice"
    )


def test_a_raw_transfer_reusing_evidence_is_refused_by_the_plugin_rule(cs, led, db_path):
    first = cs.award("alice", "recycling", 1, verifier="station", evidence="ev-1")
    err = refused(lambda: led.transfer("green:issuer", "green:bob", 10, code="carbon.award", details=first.details,
                                       transfer_id=first.transfer_id), db_path)
    assert (err.rule, err.message) == (
        "duplicate_evidence",
        "evidence 'ev-1' already earned 10 points for 'green:alice' in award 'green.award.ev-1'; "
        "the same evidence cannot earn twice",
    )


def test_an_award_under_another_id_than_its_evidence_is_refused(cs, led, db_path):
    details = cs.award("alice", "recycling", 1, verifier="station", evidence="ev-1").details
    err = refused(lambda: led.transfer("green:issuer", "green:bob", 10, code="carbon.award",
                                       details={**details, "evidence": "ev-2"}, transfer_id="sneaky"), db_path)
    assert err.message == "an award for evidence 'ev-2' must have the transfer id 'green.award.ev-2'"


@pytest.mark.parametrize(("verifier", "behaviour", "message"), [
    ("nobody", "recycling", "'nobody' is not a registered verifier of 'green'"),
    ("app", "recycling", "verifier 'app' may not attest 'recycling'; it attests green_travel"),
])
def test_awards_need_a_verifier_authorised_for_the_behaviour(cs, db_path, verifier, behaviour, message):
    err = refused(lambda: cs.award("alice", behaviour, 1, verifier=verifier, evidence="e"), db_path)
    assert (err.rule, err.message) == ("verifier", message)


def test_an_unrated_behaviour_is_refused(cs, db_path):
    err = refused(lambda: cs.award("alice", "planting", 1, verifier="station", evidence="e"), db_path)
    assert err.message == (
        "behaviour 'planting' is not in the rate table of 'green'; it rates green_travel, recycling, waste_sorting")


def test_a_hand_made_award_at_the_wrong_amount_is_refused(cs, led, db_path):
    details = cs.award("alice", "recycling", 1, verifier="station", evidence="ev-1").details
    err = refused(lambda: led.transfer("green:issuer", "green:alice", 99, code="carbon.award",
                                       details={**details, "evidence": "ev-2"}, transfer_id="green.award.ev-2"),
                  db_path)
    assert err.message == "1 kg of 'recycling' earns 10 points (10 per kg) and 1500 g CO2e, not 99 points and 1500 g"


# -- rate versions ----------------------------------------------------------------------------------


def test_a_rate_change_mid_day_keeps_earlier_awards_at_the_earlier_rate(cs, led, clock, db_path):
    early = cs.award("alice", "green_travel", 10, verifier="app", evidence="trip-1")
    clock.advance(hours=3)
    cs.set_rates([{"behaviour": "green_travel", "unit": "km", "points_per_unit": 3, "co2e_g_per_unit": 80}])
    late = cs.award("alice", "green_travel", 10, verifier="app", evidence="trip-2")
    assert (early.amount, early.details["rate_version"], early.details["co2e_g"]) == (20, 1, 930)
    assert (late.amount, late.details["rate_version"], late.details["co2e_g"]) == (30, 2, 800)
    assert led.transfer_info(early.transfer_id).details["rate_version"] == 1  # never rewritten
    statement = cs.resident_statement("alice")
    assert (statement.earned, statement.co2e_g) == (50, 1730)
    # An award citing the superseded version is refused.
    err = refused(lambda: led.transfer("green:issuer", "green:alice", 20, code="carbon.award",
                                       details={**early.details, "evidence": "trip-3"},
                                       transfer_id="green.award.trip-3"), db_path)
    assert err.message == "an award must use the rate table in force, version 2 of 'green', not 1"


# -- other movements ------------------------------------------------------------------------------


def test_points_cannot_be_moved_between_residents(cs, led, db_path):
    cs.award("alice", "recycling", 1, verifier="station", evidence="e")
    err = refused(lambda: led.transfer("green:alice", "green:bob", 5, code="gift"), db_path)
    assert err.message == (
        "a transfer in carbon scheme 'green' must carry one of the codes carbon.award, carbon.redemption, "
        "carbon.expiry, carbon.settlement, not 'gift'")


def test_carbon_movements_are_never_reversed(cs, led, db_path):
    award = cs.award("alice", "recycling", 1, verifier="station", evidence="e")
    err = refused(lambda: led.reverse(award.transfer_id, reason="oops"), db_path)
    assert (err.rule, err.message) == (
        "reversal", "carbon movements are never reversed; record a correcting movement instead")


def test_tally_facts_cannot_be_written_by_hand(cs, led, db_path):
    err = refused(lambda: led.record_fact("carbon.tally.v1", "green:alice/recycling",
                                          {"day": "2026-06-01", "day_points": 0, "month": "2026-06",
                                           "month_points": 0}), db_path)
    assert err.message == (
        "carbon.tally.v1 facts are recorded by the carbon plugin with the movement they count, never on their own")


def test_two_awards_against_one_cap_in_one_batch_are_refused(cs, led, db_path):
    first = cs.award("alice", "recycling", 1, verifier="station", evidence="e-0").details
    items = [{"type": "transfer", "debit": "green:issuer", "credit": "green:alice", "amount": 10,
              "code": "carbon.award", "details": {**first, "evidence": f"e-{i}"}, "transfer_id": f"green.award.e-{i}"}
             for i in (1, 2)]
    err = refused(lambda: led.batch(items), db_path)
    assert err.message == (
        "'green:alice/recycling' is counted 2 times in one transaction; record these movements one per transaction")


def test_a_resident_cannot_spend_more_than_it_holds(cs, db_path):
    cs.award("alice", "recycling", 2, verifier="station", evidence="e")
    err = refused(lambda: cs.redeem("alice", "bakery", "cake"), db_path)
    assert str(err) == (
        "rule 'points_available' refused the command: 'green:alice' has 20 unexpired points, "
        "so spending 120 is short by 100")


def test_settlement_references_settle_once(cs, db_path):
    cs.award("alice", "recycling", 6, verifier="station", evidence="e")
    cs.redeem("alice", "bakery", "loaf", 2)
    cs.settle("bakery", "inv-1", 30)
    with pytest.raises(RuleViolation) as again:
        cs.settle("bakery", "inv-1", 30)
    assert str(again.value) == (
        "rule 'settlement_id' refused the command: settlement reference 'inv-1' already settled 30 points for 'green:bakery'"
    )
    with pytest.raises(LimitExceeded) as err:
        cs.settle("bakery", "inv-2", 31)
    assert str(err.value) == "account 'green:bakery' (points) would go below its floor of 0 by 1"
