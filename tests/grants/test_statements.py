"""Statements per fund, per grant (by budget line) and per funder, hand-computed."""

from __future__ import annotations

import pytest
from ledger_grants import UnknownFund, fund_statement, fund_statements, funder_statement, grant_statement

from .conftest import RECEIPT, award

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def active(grants, led):
    grants.disburse("g1", 600_000)
    grants.expense("g1", "staff", 250_000, line="staff", day="2026-07-01", evidence="payroll-1")
    grants.expense("g1", "pumps-ltd", 120_000, line="supplies", day="2026-07-02", evidence=RECEIPT)
    grants.donate("alice", "general", 3_000)
    return grants


def test_grant_statement_shows_committed_disbursed_spent_by_line_and_unspent(active, led):
    s = grant_statement(led, "g1")
    assert (s.committed, s.disbursed, s.undisbursed, s.spent, s.returned, s.unspent, s.state) == (
        1_000_000, 600_000, 400_000, 370_000, 0, 230_000, "awarded")
    assert [line.to_dict() for line in s.lines] == [
        {"line": "staff", "budget": 600_000, "allowance": 630_000, "spent": 250_000, "remaining": 380_000},
        {"line": "supplies", "budget": 400_000, "allowance": 420_000, "spent": 120_000, "remaining": 300_000},
    ]


def test_fund_statements_show_in_out_balance_and_purpose(active, led):
    water = fund_statement(led, "water")
    assert (water.incoming, water.outgoing, water.balance, water.restricted, water.purpose) == (
        600_000, 370_000, 230_000, True, "clean water")
    assert [(f.fund, f.balance, f.restricted) for f in fund_statements(led)] == [
        ("water", 230_000, True), ("general", 3_000, False)]
    with pytest.raises(UnknownFund) as caught:
        fund_statement(led, "alice")
    assert str(caught.value) == "account 'alice' is not a fund; declare it with Grants.open_fund"


def test_funder_statement_adds_up_its_grants(active, led):
    active.open_fund("school", "eur", currency="EUR", purpose="school meals")
    award(active, "g2", fund="school", purpose="school meals", total=50_000, lines={"food": 50_000})
    active.disburse("g2", 50_000)
    active.expense("g2", "staff", 10_000, line="food", day="2026-08-01", evidence="inv-9")
    s = funder_statement(led, "foundation")
    assert s.to_dict() == {"funder": "foundation", "grants": ["g1", "g2"], "committed": 1_050_000,
                           "disbursed": 650_000, "spent": 380_000, "returned": 0, "unspent": 270_000}


def test_a_funder_statement_names_an_unknown_account(led, grants):
    from ledger import UnknownAccount

    with pytest.raises(UnknownAccount) as caught:
        funder_statement(led, "nobody")
    assert str(caught.value) == "account 'nobody' does not exist; open it first"
