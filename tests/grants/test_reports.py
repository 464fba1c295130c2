"""Expense reports: computed from the ledger (never typed in), named by their digest, accepted or
rejected by exactly that digest, and resubmitted; hand-computed contents."""

from __future__ import annotations

import hashlib

import pytest
from ledger_audit import canonical_bytes
from ledger_grants import UnknownReport, compute_report
from ledger_grants.reports import BASIS

from .conftest import RECEIPT, refused

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def spent(grants):
    """Tranche 500000; x1 staff 250000 (07-01), x2 supplies 120000 (08-15), x3 supplies 30000 (09-30)."""
    grants.disburse("g1", 500_000)
    grants.expense("g1", "staff", 250_000, line="staff", day="2026-07-01", evidence="payroll-7", transfer_id="x1")
    grants.expense("g1", "pumps-ltd", 120_000, line="supplies", day="2026-08-15", evidence=RECEIPT, transfer_id="x2")
    grants.expense("g1", "pumps-ltd", 30_000, line="supplies", day="2026-09-30", evidence="inv-30", transfer_id="x3")
    return grants


def test_a_report_says_what_it_covers_computed_from_the_ledger(spent, led):
    head = led.size() - 1
    report = spent.submit_report("g1", start="2026-07-01", end="2026-08-31")
    body = {k: v for k, v in report.items() if k != "digest"}
    assert body == {
        "grant": "g1", "number": 1, "period": {"start": "2026-07-01", "end": "2026-08-31"}, "as_of": head,
        "basis": BASIS, "currency": "EUR",
        "expenses": [{"id": "x1", "line": "staff", "date": "2026-07-01", "amount": 250_000},
                     {"id": "x2", "line": "supplies", "date": "2026-08-15", "amount": 120_000}],
        "corrections": [],
        "lines": [{"line": "staff", "budget": 600_000, "allowance": 630_000, "spent_in_period": 250_000,
                   "spent_to_date": 250_000},
                  {"line": "supplies", "budget": 400_000, "allowance": 420_000, "spent_in_period": 120_000,
                   "spent_to_date": 150_000}],
        "totals": {"committed": 1_000_000, "disbursed": 500_000, "spent_in_period": 370_000,
                   "spent_to_date": 400_000, "returned": 0, "unspent": 100_000},
    }
    # Anyone holding the report recomputes its name with the auditor's canonical JSON.
    assert report["digest"] == hashlib.sha256(canonical_bytes(body)).hexdigest()
    assert spent.report("g1") == report
    assert led.fact("grants.status.v1", "g1").data == {"state": "report_submitted", "note": "",
                                                       "report": report["digest"]}


def test_a_typed_in_report_is_refused(spent, led, db_path):
    report = spent.submit_report("g1")
    spent.reject_report("g1", report["digest"], "wrong period")
    forged = {**report, "number": 2, "as_of": led.size() - 1,
              "totals": {**report["totals"], "spent_to_date": 1}}
    event = {"state": "report_submitted", "report": forged["digest"]}
    refused(db_path, lambda: led.batch([
        {"type": "fact", "fact_type": "grants.report.v1", "subject": "g1", "data": forged},
        {"type": "fact", "fact_type": "grants.status.v1", "subject": "g1", "data": event}]),
        f"rule 'report_computed' refused the command: report 2 of grant 'g1' is not what the ledger says as of seq "
        f"{forged['as_of']} (totals, digest differ); submit the report Grants.submit_report computes")


def test_a_report_is_recorded_only_with_its_submission(spent, led, db_path):
    report = spent.submit_report("g1")
    spent.reject_report("g1", report["digest"], "redo")
    again = compute_report(led, spent.grant("g1"), start=report["period"]["start"], end=report["period"]["end"],
                           as_of=led.size() - 1, number=2)
    refused(db_path, lambda: led.record_fact("grants.report.v1", "g1", again),
            "rule 'report' refused the command: a report of grant 'g1' is recorded with its report_submitted event "
            "naming its digest, in one transaction")


def test_acceptance_names_exactly_the_report_submitted(spent, db_path):
    report = spent.submit_report("g1")
    other = "0" * 64
    refused(db_path, lambda: spent.accept_report("g1", other),
            f"rule 'report' refused the command: grant 'g1': this accepts report '{other}', but the report submitted "
            f"is '{report['digest']}' (report 1)")
    assert spent.accept_report("g1", report["digest"]).data["report"] == report["digest"]


def test_a_rejected_report_is_resubmitted_and_accepted(spent, led, db_path):
    first = spent.submit_report("g1")
    refused(db_path, lambda: spent.reject_report("g1", first["digest"], " "),
            "rule 'report' refused the command: rejecting report 1 of grant 'g1' needs a reason")
    spent.reject_report("g1", first["digest"], "supplies receipts missing")
    assert spent.state("g1") == "report_rejected"
    refused(db_path, lambda: spent.accept_report("g1", first["digest"]),
            "rule 'grant_lifecycle' refused the command: grant 'g1' is report_rejected; it must be report_submitted "
            "to be report_accepted")
    second = spent.submit_report("g1")
    assert second["number"] == 2 and second["digest"] != first["digest"]
    spent.accept_report("g1", second["digest"])
    assert [r.data["number"] for r in led.facts("grants.report.v1", "g1")] == [1, 2]
    assert spent.report("g1", 1) == first
    with pytest.raises(UnknownReport) as caught:
        spent.report("g1", 3)
    assert str(caught.value) == "grant 'g1' has no report 3; submit one with Grants.submit_report"


def test_a_report_overtaken_by_a_movement_cannot_be_accepted(spent, led, db_path):
    report = spent.submit_report("g1")
    spent.expense("g1", "staff", 1, line="staff", day="2026-10-01", evidence="payroll-10")
    moved_at = led.fact("grants.tally.v1", "g1").seq
    refused(db_path, lambda: spent.accept_report("g1", report["digest"]),
            f"rule 'report_stale' refused the command: report 1 of grant 'g1' is as of seq {report['as_of']}, but the "
            f"grant moved at seq {moved_at}; reject it and submit a new report")


def test_closing_after_spending_past_the_accepted_report_is_refused(spent, db_path):
    spent.accept_report("g1", spent.submit_report("g1")["digest"])
    spent.expense("g1", "staff", 100_000, line="staff", day="2026-10-01", evidence="payroll-10")
    refused(db_path, lambda: spent.close("g1"),
            "rule 'report_stale' refused the command: grant 'g1' has disbursed 500000 and spent 500000 since its "
            "accepted report 1 said 500000 and 400000; submit a new report")


def test_a_report_too_large_for_one_fact_asks_for_a_shorter_period(grants, db_path):
    from ledger import ValidationError

    grants.disburse("g1", 1_000)
    for n in range(110):
        grants.expense("g1", "staff", 1, line="staff", day="2026-07-01", evidence=f"p-{n}")
    refused(db_path, lambda: grants.submit_report("g1"),
            "invalid grants submit_report: period: the report lists 110 expenses and is 8215 bytes; a report holds at "
            "most 8192: report a shorter period.", ValidationError)
    assert len(grants.submit_report("g1", end="2026-06-30")["expenses"]) == 0
