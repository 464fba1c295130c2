"""Funds, restrictions and the grant lifecycle at their boundaries; whole messages asserted;
a refusal writes nothing."""

from __future__ import annotations

import pytest
from ledger_grants import Grants, UnknownGrant

from .conftest import RECEIPT, refused

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def spend(grants: Grants, amount: int, line: str = "supplies", day: str = "2026-07-01"):
    return grants.expense("g1", "pumps-ltd", amount, line=line, day=day, evidence=RECEIPT)


def test_tranches_up_to_the_commitment_are_taken(grants, led):
    assert grants.disburse("g1", 400_000).transfer_id == "g1/tranche/1"
    assert grants.disburse("g1", 600_000).transfer_id == "g1/tranche/2"
    assert led.balance("water").posted == 1_000_000
    assert led.verify().ok


def test_over_disbursement_is_refused(grants, db_path):
    grants.disburse("g1", 700_000)
    refused(db_path, lambda: grants.disburse("g1", 300_001),
            "rule 'over_disbursement' refused the command: tranche of 300001 on grant 'g1' would disburse 1000001 of its 1000000 commitment, over by 1")


def test_over_disbursement_is_refused_through_the_core_api_too(grants, led, db_path):
    refused(db_path, lambda: led.transfer("foundation", "water", 1_000_001, code="grants.tranche",
                                          details={"grant": "g1"}),
            "rule 'over_disbursement' refused the command: tranche of 1000001 on grant 'g1' would disburse 1000001 of its 1000000 commitment, over by 1")


def test_two_tranches_of_one_grant_in_one_batch_are_refused(grants, led, db_path):
    item = {"type": "transfer", "debit": "foundation", "credit": "water", "amount": 600_000,
            "code": "grants.tranche", "details": {"grant": "g1"}}
    refused(db_path, lambda: led.batch([item, dict(item)]),
            "rule 'grant_batch' refused the command: grant 'g1' moves once per transaction (or twice for a correction: the "
            "reversal of a movement, then the movement that corrects it); record its movements one at a time")


def test_a_tranche_goes_from_the_funder_to_the_grant_fund(grants, led, db_path):
    refused(db_path, lambda: led.transfer("alice", "water", 100, code="grants.tranche", details={"grant": "g1"}),
            "rule 'grant_parties' refused the command: a tranche of grant 'g1' goes from its funder 'foundation' to its fund 'water', not 'alice' -> 'water'")


def test_restricted_fund_refuses_spending_for_another_purpose(grants, db_path):
    grants.disburse("g1", 100_000)
    refused(db_path, lambda: grants.spend("water", "pumps-ltd", 100, purpose="office rent", day="2026-07-01",
                                          evidence=RECEIPT),
            "rule 'restricted_purpose' refused the command: fund 'water' is restricted to 'clean water'; an expense for 'office rent' is refused: spend it from "
            "an unrestricted fund")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(code=""), "rule 'restricted_purpose' refused the command: fund 'water' is restricted to 'clean water'; a transfer coded '(no code)' is refused: "
                        "spend it from an unrestricted fund"),
        (dict(code="grants.fund_transfer"), "rule 'restricted_purpose' refused the command: fund 'water' is restricted to 'clean water'; a transfer to fund "
                                            "'general' for 'any purpose' is refused: spend it from an unrestricted fund"),
    ],
)
def test_restricted_fund_refuses_other_outflows(grants, led, db_path, kwargs, message):
    grants.disburse("g1", 100_000)
    refused(db_path, lambda: led.transfer("water", "general", 100, **kwargs), message)


def test_unrestricted_fund_spends_for_any_purpose(grants, led):
    grants.donate("alice", "general", 5_000)
    spent = grants.spend("general", "staff", 5_000, purpose="office rent", day="2026-07-01", evidence="inv-2026-07")
    assert (spent.code, spent.details["purpose"]) == ("grants.expense", "office rent")
    assert led.balance("general").posted == 0


def test_restricted_fund_spends_for_its_purpose(grants, led):
    grants.donate("alice", "water", 5_000)
    grants.spend("water", "pumps-ltd", 5_000, purpose="clean water", day="2026-07-01", evidence=RECEIPT)
    assert led.balance("water").posted == 0


def test_a_grant_cannot_land_in_a_fund_for_another_purpose(grants, db_path):
    from .conftest import award

    refused(db_path, lambda: award(grants, "g2", purpose="school meals"),
            "rule 'restricted_purpose' refused the command: fund 'water' is restricted to 'clean water'; grant 'g2' for 'school meals' cannot land in it")


def test_budget_lines_must_add_up_to_the_total(grants, db_path):
    from .conftest import award

    refused(db_path, lambda: award(grants, "g2", lines={"staff": 1}),
            "rule 'budget_total' refused the command: budget lines of grant 'g2' add up to 1, not its total of 1000000")


# Line 'supplies': budget 400000, 500 bp tolerance -> allowance 400000 + 20000 = 420000.
def test_spending_exactly_at_the_line_allowance_is_taken(grants):
    grants.disburse("g1", 1_000_000)
    spend(grants, 400_000)
    assert spend(grants, 20_000).amount == 20_000


def test_spending_one_cent_over_the_line_allowance_is_refused(grants, db_path):
    grants.disburse("g1", 1_000_000)
    spend(grants, 400_000)
    refused(db_path, lambda: spend(grants, 20_001),
            "rule 'budget_line' refused the command: expense of 20001 on line 'supplies' of grant 'g1' would spend 420001 of its allowance of 420000 "
            "(budget 400000 + 500 bp), over by 1; reallocate first")


def test_a_reallocation_is_recorded_and_raises_the_line(grants, led):
    grants.disburse("g1", 1_000_000)
    spend(grants, 420_000)
    lines = grants.reallocate("g1", "staff", "supplies", 100_000, reason="pumps cost more")
    assert lines == {"staff": 500_000, "supplies": 500_000}
    history = led.facts("grants.budget.v1", "g1")
    assert [h.data["moved"] for h in history] == [{}, {"from": "staff", "to": "supplies", "amount": 100_000}]
    assert spend(grants, 105_000).amount == 105_000  # allowance now 500000 + 25000


def test_a_reallocation_below_what_a_line_spent_is_refused(grants, db_path):
    grants.disburse("g1", 1_000_000)
    spend(grants, 400_000)
    refused(db_path, lambda: grants.reallocate("g1", "supplies", "staff", 30_000, reason="x"),
            "rule 'budget_line' refused the command: line 'supplies' of grant 'g1' has spent 400000, over the new allowance of 388500 by 11500")


def test_an_expense_needs_a_known_line_a_date_in_the_period_and_evidence(grants, db_path):
    grants.disburse("g1", 100_000)
    refused(db_path, lambda: spend(grants, 1, line="travel"),
            "rule 'budget_line' refused the command: grant 'g1' has no budget line 'travel'; its lines are staff, supplies")
    refused(db_path, lambda: spend(grants, 1, day="2027-06-01"),
            "rule 'grant_period' refused the command: expense dated 2027-06-01 is outside grant 'g1''s period 2026-06-01 to 2027-05-31")
    refused(db_path, lambda: grants.expense("g1", "pumps-ltd", 1, line="staff", day="2026-07-01",
                                            evidence="data:image/png;base64,iVBOR..."),
            "rule 'evidence' refused the command: an expense needs evidence: a document id or the SHA-256 of the receipt (64 lowercase hex digits), "
            "not 'data:image/png;base64,iVBOR...'")


def test_lifecycle_report_accept_return_close(grants, led):
    grants.disburse("g1", 500_000)
    spend(grants, 300_000)
    report = grants.submit_report("g1", note="final report")
    grants.accept_report("g1", report["digest"])
    returned = grants.return_unspent("g1")
    assert (returned.transfer_id, returned.amount, returned.credit) == ("g1/return/1", 200_000, "foundation")
    grants.close("g1")
    assert grants.state("g1") == "closed"
    assert [f.data["state"] for f in led.facts("grants.status.v1", "g1")] == [
        "awarded", "report_submitted", "report_accepted", "closed"]
    assert led.verify().ok


def test_closing_with_an_unspent_balance_is_refused(grants, db_path):
    grants.disburse("g1", 500_000)
    grants.accept_report("g1", grants.submit_report("g1")["digest"])
    refused(db_path, lambda: grants.close("g1"),
            "rule 'grant_unspent' refused the command: grant 'g1' still has 500000 unspent; return it before closing")


def test_accepting_a_report_that_was_not_submitted_is_refused(grants, db_path):
    refused(db_path, lambda: grants.accept_report("g1", RECEIPT),
            "rule 'grant_lifecycle' refused the command: grant 'g1' is awarded; it must be report_submitted to be "
            "report_accepted")


def test_closing_without_an_accepted_report_is_refused(grants, db_path):
    refused(db_path, lambda: grants.close("g1"),
            "rule 'grant_lifecycle' refused the command: grant 'g1' is awarded; it must be report_accepted to be closed")


def test_a_closed_grant_takes_no_tranche_and_is_not_awarded_again(grants, led, db_path):
    grants.accept_report("g1", grants.submit_report("g1")["digest"])
    grants.close("g1")
    refused(db_path, lambda: grants.disburse("g1", 1),
            "rule 'grant_closed' refused the command: grant 'g1' is closed; no grants.tranche can be recorded")
    refused(db_path, lambda: led.record_fact("grants.status.v1", "g1", {"state": "awarded"}),
            "rule 'grant_lifecycle' refused the command: grant 'g1' is closed; it is awarded only once")
    refused(db_path, lambda: grants.reallocate("g1", "staff", "supplies", 1, reason="late"),
            "rule 'grant_closed' refused the command: grant 'g1' is closed; its budget is final")


def test_returning_more_than_is_unspent_is_refused(grants, db_path):
    grants.disburse("g1", 500_000)
    spend(grants, 300_000)
    refused(db_path, lambda: grants.return_unspent("g1", 200_001),
            "rule 'return_unspent' refused the command: return of 200001 on grant 'g1' is over its unspent balance of 200000 by 1")


def test_the_tally_is_written_only_by_the_plugin(grants, led, db_path):
    data = {"disbursed": 0, "returned": 0, "spent": {}, "tranches": 0, "expenses": 0, "returns": 0}
    refused(db_path, lambda: led.record_fact("grants.tally.v1", "g1", data),
            "rule 'tally' refused the command: the tally of grant 'g1' is revised only by the grants plugin")


def test_an_unknown_grant_is_named(grants, db_path):
    refused(db_path, lambda: grants.disburse("nope", 1), "grant 'nope' does not exist; award it with Grants.award",
            UnknownGrant)


def test_a_budget_revision_is_only_an_explicit_reallocation(grants, led, db_path):
    lines = {"staff": 500_000, "supplies": 500_000}
    refused(db_path, lambda: led.record_fact("grants.budget.v1", "g1", {"lines": lines, "reason": "quietly"}),
            "rule 'reallocation' refused the command: the budget of grant 'g1' changes only by a reallocation naming "
            "from, to, amount and a reason")
    moved = {"from": "staff", "to": "supplies", "amount": 50_000}
    refused(db_path, lambda: led.record_fact("grants.budget.v1", "g1", {"lines": lines, "reason": "x", "moved": moved}),
            "rule 'reallocation' refused the command: the new lines of grant 'g1' are not its current lines with "
            "50000 moved from 'staff' to 'supplies'")


def test_reallocating_more_than_a_line_holds_is_refused(grants, db_path):
    refused(db_path, lambda: grants.reallocate("g1", "supplies", "staff", 400_001, reason="x"),
            "rule 'reallocation' refused the command: line 'supplies' of grant 'g1' has 400000 of budget, 1 short of "
            "the 400001 to move")


@pytest.mark.parametrize("value, message", [
    (1.5, "invalid batch: items[0].data: total: float 1.5 refused: use an integer in the smallest unit or a decimal "
          "string"),
    (True, "invalid record_fact grants.grant.v1: total: must be an integer in the unit's smallest step."),
    ("100", "invalid record_fact grants.grant.v1: total: must be an integer in the unit's smallest step."),
])
def test_an_award_total_is_an_integer_of_minor_units(grants, db_path, value, message):
    from ledger import ValidationError

    from .conftest import award

    refused(db_path, lambda: award(grants, "g2", total=value), message, ValidationError)


def test_a_failed_open_fund_opens_no_account(grants, led, db_path):
    from ledger import ValidationError

    refused(db_path, lambda: grants.open_fund("new-fund", "eur", currency="euro"),
            "invalid record_fact grants.fund.v1: currency: must be an ISO 4217 code such as EUR.", ValidationError)
    assert led.account("new-fund", missing_ok=True) is None


def test_the_awarded_event_comes_only_with_an_award(grants, led, db_path):
    refused(db_path, lambda: led.record_fact("grants.status.v1", "g9", {"state": "awarded"}),
            "rule 'grant_award' refused the command: grant 'g9' is awarded with its budget lines, in one transaction")
    refused(db_path, lambda: led.record_fact("grants.status.v1", "g1", {"state": "awarded"}),
            "rule 'grant_lifecycle' refused the command: grant 'g1' is awarded; it is awarded only once")
