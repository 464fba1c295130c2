"""``ledger grants ...`` and ``ledger trace ...`` end to end through click's CliRunner on the real
``ledger`` group, with the plugin found through its entry point alone."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import cli

from .conftest import RECEIPT

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def run(db_path):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, [*args, "--db", db_path])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke.db = db_path
    invoke("init", "--id", "test.commons-ledger.local/grants-cli")
    with Ledger(db_path) as led:  # the entry point, not an explicit plugin list
        led.register_scheme("eur", kind="grants")
        for account in ("foundation", "ann", "ben", "pumps"):
            led.open_account(account, "eur")
        for account in ("foundation", "ann", "ben"):
            led.transfer("eur:issuer", account, 1_000_000)
    return invoke


def test_fund_award_disburse_expense_statement_and_trace(run):
    fund = json.loads(run("grants", "fund", "water", "--scheme", "eur", "--currency", "EUR", "--purpose",
                          "clean water", "--json").output)
    assert (fund["account"], fund["restricted"]) == ("water", True)
    run("grants", "award", "g1", "--title", "Wells", "--funder", "foundation", "--fund", "water", "--total",
        "100000", "--currency", "EUR", "--purpose", "clean water", "--start", "2026-06-01", "--end", "2027-05-31",
        "--awarded-on", "2026-05-20", "--line", "staff=60000", "--line", "supplies=40000", "--tolerance-bps", "500")
    run("grants", "donate", "ann", "water", "5000", "--transfer-id", "d-ann")
    run("grants", "disburse", "g1", "30000")
    spent = json.loads(run("grants", "expense", "g1", "pumps", "20000", "--line", "supplies", "--date",
                           "2026-07-01", "--evidence", RECEIPT, "--transfer-id", "x1", "--json").output)
    assert (spent["transfer_id"], spent["details"]["line"]) == ("x1", "supplies")
    statement = json.loads(run("grants", "statement", "grant", "g1", "--json").output)
    assert (statement["disbursed"], statement["spent"], statement["unspent"]) == (30_000, 20_000, 10_000)
    # FIFO: ann's 5000 came first and pays the first 5000 of x1; tranche 1 pays the other 15000.
    traced = json.loads(run("trace", "expense", "x1", "--json").output)
    assert [(s["transfer_id"], s["amount"]) for s in traced["sources"]] == [("d-ann", 5000), ("g1/tranche/1", 15000)]
    donation = json.loads(run("trace", "donation", "g1/tranche/1", "--json").output)
    assert ([(u["transfer_id"], u["amount"]) for u in donation["uses"]], donation["unspent"]) == (
        [("x1", 15000)], {"water": 15000})
    text = run("trace", "expense", "x1").output
    assert "d-ann" in text and "15000" in text
    funder = json.loads(run("grants", "statement", "funder", "foundation", "--json").output)
    assert (funder["committed"], funder["disbursed"]) == (100_000, 30_000)


def test_a_refusal_prints_one_error_line_and_exit_code_1(run):
    run("grants", "fund", "water", "--scheme", "eur", "--currency", "EUR", "--purpose", "clean water")
    run("grants", "award", "g1", "--title", "Wells", "--funder", "foundation", "--fund", "water", "--total",
        "100000", "--currency", "EUR", "--purpose", "clean water", "--start", "2026-06-01", "--end", "2027-05-31",
        "--awarded-on", "2026-05-20", "--line", "all=100000")
    result = run("grants", "disburse", "g1", "100001", ok=False)
    assert result.exit_code == 1
    assert result.output == ("Error: rule 'over_disbursement' refused the command: tranche of 100001 on grant 'g1' "
                             "would disburse 100001 of its 100000 commitment, over by 1\n")
    result = run("trace", "donation", "nope", ok=False)
    assert result.output == "Error: transfer 'nope' cannot be traced: there is no such transfer\n"


def test_corrections_reports_and_request_ids_from_the_command_line(run):
    run("grants", "fund", "water", "--scheme", "eur", "--currency", "EUR", "--purpose", "clean water")
    run("grants", "award", "g1", "--title", "Wells", "--funder", "foundation", "--fund", "water", "--total",
        "100000", "--currency", "EUR", "--purpose", "clean water", "--start", "2026-06-01", "--end", "2027-05-31",
        "--awarded-on", "2026-05-20", "--line", "staff=60000", "--line", "supplies=40000")
    first = json.loads(run("grants", "disburse", "g1", "30000", "--request-id", "bank-ref-1", "--json").output)
    again = json.loads(run("grants", "disburse", "g1", "30000", "--request-id", "bank-ref-1", "--json").output)
    assert (again, first["transfer_id"]) == (first, "g1/tranche/1")
    with Ledger(run.db) as led:
        assert led.balance("water").posted == 30_000
    run("grants", "expense", "g1", "pumps", "20000", "--line", "supplies", "--date", "2026-07-01", "--evidence",
        RECEIPT, "--transfer-id", "x1")
    fixed = json.loads(run("grants", "correct", "x1", "--reason", "typo", "--amount", "2000", "--line", "staff",
                           "--json").output)
    assert [(t["transfer_id"], t["amount"]) for t in fixed] == [("x1:reversal", 20_000), ("g1/expense/2", 2_000)]
    report = json.loads(run("grants", "report", "g1", "--from", "2026-07-01", "--to", "2026-07-31", "--json").output)
    assert (report["totals"]["spent_in_period"], report["corrections"][0]["id"]) == (2_000, "x1")
    assert json.loads(run("grants", "show-report", "g1", "1", "--json").output) == report
    result = run("grants", "accept", "g1", "--report", "0" * 64, ok=False)
    assert result.output.startswith("Error: rule 'report' refused the command: grant 'g1': this accepts report")
    accepted = json.loads(run("grants", "accept", "g1", "--report", report["digest"], "--json").output)
    assert accepted["data"]["report"] == report["digest"]
    statement = json.loads(run("grants", "statement", "grant", "g1", "--json").output)
    assert (statement["spent"], statement["reversals"], statement["state"]) == (2_000, 1, "report_accepted")


def test_a_budget_line_amount_is_ascii_digits(run):
    run("grants", "fund", "water", "--scheme", "eur", "--currency", "EUR")
    result = run("grants", "award", "g1", "--title", "Wells", "--funder", "foundation", "--fund", "water",
                 "--total", "2", "--currency", "EUR", "--purpose", "any", "--start", "2026-06-01", "--end",
                 "2027-05-31", "--awarded-on", "2026-05-20", "--line", "all=\u00b2", ok=False)
    assert result.exit_code == 2
    assert "'all=\u00b2' is not LINE=AMOUNT (e.g. staff=600000)." in result.output
