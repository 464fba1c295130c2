"""Request ids on every grants command: a retried command returns the first result and writes
nothing, even after other commands moved the state the first one was computed from; the same id
for a different command is refused."""

from __future__ import annotations

import pytest

from ledger import DuplicateRequest

from .conftest import RECEIPT, award, files, refused

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def retried(db_path: str, call):
    """Call twice under one request id; the retry answers the same and leaves every byte alone."""
    first = call()
    before = files(db_path)
    assert call() == first
    assert files(db_path) == before
    return first


def test_funds_and_donations_are_retry_safe(grants, led, db_path):
    retried(db_path, lambda: grants.open_fund("school", "eur", currency="EUR", purpose="meals", request_id="r-fund"))
    retried(db_path, lambda: grants.add_conduit("alice", "school", request_id="r-conduit"))
    retried(db_path, lambda: grants.donate("bob", "general", 500, request_id="r-donate"))
    retried(db_path, lambda: grants.spend("general", "staff", 100, purpose="rent", day="2026-07-01",
                                          evidence="inv-1", request_id="r-spend"))
    grants.open_fund("general-2", "eur", currency="EUR")
    retried(db_path, lambda: grants.move("general", "general-2", 100, request_id="r-move"))
    assert led.balance("general").posted == 300


def test_grant_commands_are_retry_safe_after_the_state_moved_on(grants, led, db_path):
    award(grants, "g2", total=10_000, lines={"all": 10_000}, request_id="r-award")
    retried(db_path, lambda: award(grants, "g2", total=10_000, lines={"all": 10_000}, request_id="r-award"))
    tranche = grants.disburse("g1", 100_000, request_id="r-t1")
    grants.disburse("g1", 100_000)  # the next tranche number moves on
    assert retried(db_path, lambda: grants.disburse("g1", 100_000, request_id="r-t1")) == tranche
    assert tranche.transfer_id == "g1/tranche/1"
    spent = grants.expense("g1", "staff", 5_000, line="staff", day="2026-07-01", evidence="p-1", request_id="r-x1")
    grants.expense("g1", "staff", 5_000, line="staff", day="2026-07-02", evidence="p-2")
    assert retried(db_path, lambda: grants.expense("g1", "staff", 5_000, line="staff", day="2026-07-01",
                                                   evidence="p-1", request_id="r-x1")) == spent
    fixed = grants.correct("g1/expense/2", reason="typo", amount=500, request_id="r-fix")
    assert retried(db_path, lambda: grants.correct("g1/expense/2", reason="typo", amount=500,
                                                   request_id="r-fix")) == fixed
    retried(db_path, lambda: grants.reverse(spent.transfer_id, reason="not ours", request_id="r-rev"))
    lines = grants.reallocate("g1", "staff", "supplies", 1_000, reason="pumps", request_id="r-move")
    grants.reallocate("g1", "staff", "supplies", 1_000, reason="pumps again")
    assert retried(db_path, lambda: grants.reallocate("g1", "staff", "supplies", 1_000, reason="pumps",
                                                      request_id="r-move")) == lines
    assert led.fact("grants.budget.v1", "g1").data["lines"] == {"staff": 598_000, "supplies": 402_000}


def test_the_lifecycle_is_retry_safe(grants, led, db_path):
    grants.disburse("g1", 10_000)
    grants.expense("g1", "staff", 4_000, line="staff", day="2026-07-01", evidence=RECEIPT)
    first = retried(db_path, lambda: grants.submit_report("g1", request_id="r-report"))
    retried(db_path, lambda: grants.reject_report("g1", first["digest"], "missing", request_id="r-reject"))
    second = retried(db_path, lambda: grants.submit_report("g1", note="again", request_id="r-report-2"))
    retried(db_path, lambda: grants.accept_report("g1", second["digest"], request_id="r-accept"))
    retried(db_path, lambda: grants.return_unspent("g1", request_id="r-return"))
    retried(db_path, lambda: grants.close("g1", request_id="r-close"))
    assert [f.data["state"] for f in led.facts("grants.status.v1", "g1")] == [
        "awarded", "report_submitted", "report_rejected", "report_submitted", "report_accepted", "closed"]


def test_a_request_id_names_one_command(grants, db_path):
    grants.disburse("g1", 100_000, request_id="r-1")
    refused(db_path, lambda: grants.disburse("g1", 100_001, request_id="r-1"),
            "request id 'r-1' was already used for a different transfer; a request id names exactly one command",
            DuplicateRequest)
    refused(db_path, lambda: grants.expense("g1", "staff", 1, line="staff", day="2026-07-01", evidence="p",
                                            request_id="r-1"),
            "request id 'r-1' was already used for a different transfer; a request id names exactly one command",
            DuplicateRequest)


@pytest.mark.parametrize("step", ["account", "fund"])
def test_open_fund_uses_one_request_id_per_step(grants, led, step):
    grants.open_fund("school", "eur", currency="EUR", request_id="r-school")
    with pytest.raises(DuplicateRequest):
        led.transfer("alice", "bob", 1, request_id=f"r-school.{step}")
