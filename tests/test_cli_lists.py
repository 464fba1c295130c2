"""The listing commands read the same rows from either store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import cli

BACKENDS = ("sqlite", "postgres")


def listed(db: str, *args: str):
    result = CliRunner().invoke(cli, [*args, "--json"], env={"LEDGER_DB": db}, catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return json.loads(result.stdout)


@pytest.fixture
def db(db_path: str) -> str:
    with Ledger(db_path, create=True, ledger_id="test.commons-ledger.local/cli-lists") as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.register_scheme("carbon", "points")
        for name in ("alice", "bob"):
            led.open_account(name, "time")
        led.open_account("alice.pts", "carbon")
        led.transfer("alice", "bob", 30, transfer_id="t1", code="garden")
        led.transfer("bob", "alice", 10, transfer_id="t2")
        led.transfer("carbon:issuer", "alice.pts", 7, transfer_id="t3")
        led.hold("alice", "bob", 20, hold_id="h1")
        led.hold("bob", "alice", 5, hold_id="h2")
        led.void("h2")
        led.record_fact("tool_library.inventory.v1", "lib", {"tools": []})
    return db_path


def test_transfers_filters(db):
    assert [t["transfer_id"] for t in listed(db, "transfers")] == ["t1", "t2", "t3"]
    assert [t["transfer_id"] for t in listed(db, "transfers", "--account", "bob")] == ["t1", "t2"]
    assert [t["transfer_id"] for t in listed(db, "transfers", "--scheme", "carbon")] == ["t3"]
    assert [t["transfer_id"] for t in listed(db, "transfers", "--code", "garden")] == ["t1"]
    first = listed(db, "transfers")[0]["seq"]
    assert [t["transfer_id"] for t in listed(db, "transfers", "--after", str(first), "--limit", "1")] == ["t2"]
    assert [t["transfer_id"] for t in listed(db, "transfers", "--until", str(first))] == ["t1"]


def test_transfers_refuses_a_limit_below_1(db):
    result = CliRunner().invoke(cli, ["transfers", "--limit", "0"], env={"LEDGER_DB": db})
    assert (result.exit_code, result.stderr) == (1, "Error: invalid transfers: limit: must be an integer from 1 to 9007199254740991.\n")


def test_holds_accounts_schemes_facts(db):
    assert [h["hold_id"] for h in listed(db, "holds")] == ["h1", "h2"]
    assert [h["hold_id"] for h in listed(db, "holds", "--status", "held", "--account", "bob")] == ["h1"]
    assert [a["account"] for a in listed(db, "accounts", "--scheme", "carbon")] == ["alice.pts", "carbon:issuer"]
    assert listed(db, "accounts") == listed(db, "account", "list")
    assert [s["name"] for s in listed(db, "schemes")] == ["carbon", "time"]
    assert [f["subject"] for f in listed(db, "facts", "tool_library.inventory.v1")] == ["lib"]
