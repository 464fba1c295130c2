"""Corrections of grant movements: a recorded reversal (and a replacement), never an edit; the
statements, budget lines, reports, tracing and exports all reflect them."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest
from ledger_grants import NotAGrantMovement, NotTraceable, Tracer, grant_statement

from ledger import AlreadyReversed

from .conftest import RECEIPT, refused

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def mistyped(grants):
    """Tranche 1 of 300000, then x1: 120000 on 'supplies' that should have been 12000 on 'staff'."""
    grants.disburse("g1", 300_000)
    grants.expense("g1", "pumps-ltd", 120_000, line="supplies", day="2026-07-01", evidence=RECEIPT, transfer_id="x1")
    return grants


def test_an_expense_is_corrected_by_its_reversal_and_a_replacement(mistyped, led):
    reversal, replacement = mistyped.correct("x1", reason="typo: 120.00 on staff", amount=12_000, line="staff")
    assert (reversal.transfer_id, reversal.reverses, reversal.amount) == ("x1:reversal", "x1", 120_000)
    assert (replacement.transfer_id, replacement.amount, replacement.details["line"],
            replacement.details["corrects"]) == ("g1/expense/2", 12_000, "staff", "x1")
    assert led.transfer_info("x1").amount == 120_000  # the original is never edited
    s = grant_statement(led, "g1")
    assert (s.disbursed, s.spent, s.unspent, s.reversals) == (300_000, 12_000, 288_000, 1)
    assert {line.line: line.spent for line in s.lines} == {"staff": 12_000, "supplies": 0}
    assert led.balance("water").posted == 288_000
    assert led.verify().ok


def test_a_correction_is_traced_as_if_the_error_had_never_been_recorded(mistyped, led):
    mistyped.correct("x1", reason="typo", amount=12_000, line="staff")
    tracer = Tracer(led)
    tranche = tracer.donation("g1/tranche/1")
    assert [(u.transfer_id, u.amount) for u in tranche.uses] == [("g1/expense/2", 12_000)]
    assert tranche.unspent == {"water": 288_000}
    assert [(s.transfer_id, s.amount) for s in tracer.expense("g1/expense/2").sources] == [("g1/tranche/1", 12_000)]
    for trace, ident, why in ((tracer.expense, "x1", "it was reversed by 'x1:reversal'"),
                              (tracer.donation, "x1:reversal", "it is the reversal of 'x1'")):
        with pytest.raises(NotTraceable) as caught:
            trace(ident)
        assert str(caught.value) == (f"transfer {ident!r} cannot be traced: {why}; a correction and what it "
                                     "corrects are left out of every trace")


def test_a_report_lists_the_replacement_and_names_the_correction(mistyped):
    mistyped.correct("x1", reason="typo", amount=12_000, line="staff")
    report = mistyped.submit_report("g1")
    assert report["expenses"] == [{"id": "g1/expense/2", "line": "staff", "date": "2026-07-01", "amount": 12_000}]
    assert report["corrections"] == [{"id": "x1", "reversed_by": "x1:reversal", "line": "supplies",
                                      "amount": 120_000}]
    assert report["totals"]["spent_to_date"] == 12_000


def test_exports_publish_the_error_its_reversal_and_the_replacement(mistyped, led, tmp_path):
    mistyped.correct("x1", reason="typo", amount=12_000, line="staff")
    led.export(str(tmp_path / "out"), formats=["iati"])
    root = ET.parse(tmp_path / "out" / "iati-activities.xml").getroot()
    g1 = root.find("iati-activity")
    rows = [(t.get("ref"), t.find("transaction-type").get("code"), t.find("value").text,
             t.find("receiver-org").get("ref"), t.find("description/narrative").text) for t in g1.findall("transaction")]
    assert rows[2:] == [
        ("x1", "4", "1200.00", "pumps-ltd", f"expenditure on budget line supplies; evidence {RECEIPT}"),
        ("x1:reversal", "4", "-1200.00", "pumps-ltd",
         f"expenditure on budget line supplies; evidence {RECEIPT}; correction: reverses x1: typo"),
        ("g1/expense/2", "4", "120.00", "pumps-ltd",
         f"expenditure on budget line staff; evidence {RECEIPT}; corrects x1: typo"),
    ]


def test_a_tranche_recorded_twice_is_reversed_and_the_disbursement_follows(grants, led, tmp_path):
    grants.disburse("g1", 300_000)
    grants.disburse("g1", 300_000)  # the same bank transfer, recorded twice
    grants.reverse("g1/tranche/2", reason="recorded twice")
    s = grant_statement(led, "g1")
    assert (s.disbursed, s.undisbursed, s.unspent) == (300_000, 700_000, 300_000)
    assert grants.disburse("g1", 700_000).transfer_id == "g1/tranche/3"
    led.export(str(tmp_path / "out"), formats=["360giving"])
    with open(tmp_path / "out" / "360giving-grants.csv", encoding="utf-8", newline="") as f:
        assert [r["Amount Disbursed"] for r in csv.DictReader(f)] == ["10000.00"]


# Line 'supplies': allowance 420000. A correction is checked against the tally without the original.
def test_a_correction_at_the_line_allowance_is_checked_without_the_original(grants, led, db_path):
    grants.disburse("g1", 1_000_000)
    grants.expense("g1", "pumps-ltd", 420_000, line="supplies", day="2026-07-01", evidence=RECEIPT, transfer_id="x1")
    refused(db_path, lambda: grants.correct("x1", reason="x", amount=420_001),
            "rule 'budget_line' refused the command: expense of 420001 on line 'supplies' of grant 'g1' would spend "
            "420001 of its allowance of 420000 (budget 400000 + 500 bp), over by 1; reallocate first")
    grants.correct("x1", reason="the invoice said 4100.00", amount=410_000)
    assert grant_statement(led, "g1").lines[1].spent == 410_000


def test_a_reversal_is_not_reversed_again(mistyped, led, db_path):
    mistyped.reverse("x1", reason="not ours")
    refused(db_path, lambda: led.reverse("x1:reversal", reason="oops"),
            "rule 'grant_reversal' refused the command: 'x1:reversal' of grant 'g1' is itself a correction; record "
            "the movement again instead of reversing a reversal")
    refused(db_path, lambda: mistyped.correct("x1", reason="again"), "transfer 'x1' has already been reversed",
            AlreadyReversed)


def test_a_correcting_movement_travels_with_its_reversal(mistyped, led, db_path):
    details = {"grant": "g1", "line": "staff", "purpose": "clean water", "date": "2026-07-01", "evidence": "doc-1",
               "corrects": "x1"}
    refused(db_path, lambda: led.transfer("water", "staff", 1, code="grants.expense", details=details,
                                          transfer_id="x9"),
            "rule 'grant_correction' refused the command: grants.expense 'x9' corrects 'x1'; it is recorded in one "
            "batch right after the reversal of 'x1' (Grants.correct)")
    refused(db_path, lambda: led.transfer("water", "staff", 1, code="grants.expense",
                                          details={**details, "corrects": "g1/tranche/1"}, transfer_id="x9"),
            "rule 'grant_correction' refused the command: grants.expense 'x9' corrects 'g1/tranche/1', which is not "
            "a grants.expense of grant 'g1'")


def test_only_grant_movements_are_corrected_and_not_once_closed(grants, led, db_path):
    grants.donate("alice", "general", 500, transfer_id="d1")
    refused(db_path, lambda: grants.correct("d1", reason="x"),
            "transfer 'd1' (grants.donation) is not a tranche, expense or return of a grant; correct it with "
            "Ledger.reverse", NotAGrantMovement)
    grants.disburse("g1", 1_000)
    grants.expense("g1", "staff", 1_000, line="staff", day="2026-07-01", evidence="doc-1", transfer_id="x1")
    grants.accept_report("g1", grants.submit_report("g1")["digest"])
    grants.close("g1")
    refused(db_path, lambda: grants.reverse("x1", reason="late"),
            "rule 'grant_closed' refused the command: grant 'g1' is closed; no grants.expense can be recorded")


def test_only_an_expense_takes_a_corrected_line(grants, db_path):
    from ledger import ValidationError

    grants.disburse("g1", 1_000)
    refused(db_path, lambda: grants.correct("g1/tranche/1", reason="x", line="staff"),
            "invalid grants correct: line: applies to expenses; 'g1/tranche/1' is a grants.tranche.", ValidationError)
    reversal, replacement = grants.correct("g1/tranche/1", reason="the bank sent 900", amount=900)
    assert (reversal.transfer_id, reversal.amount) == ("g1/tranche/1:reversal", 1_000)
    assert (replacement.transfer_id, replacement.details["tranche"], replacement.amount) == ("g1/tranche/2", 2, 900)
    assert grant_statement(grants.ledger, "g1").disbursed == 900
