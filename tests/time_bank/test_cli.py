"""``ledger time-bank ...`` end to end through click's CliRunner on the real ``ledger`` group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import cli

from .conftest import SERVICES

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def run(db_path):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, [*args, "--db", db_path])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke("init", "--id", "test.commons-ledger.local/cli")
    return invoke


@pytest.fixture
def riverside(run, tmp_path: Path):
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps(SERVICES))
    created = json.loads(run("time-bank", "create", "riverside", "--catalogue", str(catalogue), "--json").output)
    assert created == {
        "bank": "riverside", "unit": "minutes", "floor": -600, "ceiling": 3000, "organisation": "riverside:community",
        "max_exchange": 480, "confirm_timeout": 1209600, "organisation_floor": 0, "services": 4,
    }
    for member in ("alice", "bob"):
        run("time-bank", "join", "riverside", member)
    return run


def test_create_join_exchange_and_statement(riverside):
    done = json.loads(riverside("time-bank", "exchange", "riverside", "alice", "bob", "90",
                                "--category", "garden", "--description", "weeding", "--json").output)
    assert (done["debit"], done["credit"], done["amount"], done["code"]) == (
        "riverside:bob", "riverside:alice", 90, "time_bank.exchange")
    statement = json.loads(riverside("time-bank", "statement", "riverside", "--json").output)
    assert statement == {
        "bank": "riverside", "since": None, "until": None, "minutes_exchanged": 90, "hours_exchanged": "1:30",
        "exchanges": 1, "active_members": 2, "granted": 0, "donated": 0, "redeemed": 0,
        "categories": [{"category": "garden", "minutes": 90, "exchanges": 1}],
    }
    alice = json.loads(riverside("time-bank", "statement", "riverside", "--member", "alice", "--json").output)
    assert (alice["earned_by_exchanges"], alice["balance"]) == (90, 90)
    text = riverside("time-bank", "statement", "riverside").output
    assert text == (
        "bank               riverside\n"
        "since              -\n"
        "until              -\n"
        "minutes_exchanged  90\n"
        "hours_exchanged    1:30\n"
        "exchanges          1\n"
        "active_members     2\n"
        "granted            0\n"
        "donated            0\n"
        "redeemed           0\n"
        "\n"
        "category  minutes  exchanges\n"
        "garden         90          1\n"
    )


def test_confirm_reject_donate_grant_redeem_and_catalogue(riverside):
    held = json.loads(riverside("time-bank", "exchange", "riverside", "alice", "bob", "60", "--category", "care",
                                "--description", "shopping", "--confirm", "--id", "ex-1", "--json").output)
    assert held["status"] == "held"
    assert json.loads(riverside("time-bank", "confirm", "riverside", "ex-1", "--json").output)["status"] == "posted"
    riverside("time-bank", "exchange", "riverside", "alice", "bob", "30", "--category", "care",
              "--description", "shopping", "--confirm", "--id", "ex-2")
    voided = json.loads(riverside("time-bank", "reject", "riverside", "ex-2", "--reason", "not done", "--json").output)
    assert voided["status"] == "voided"
    assert json.loads(riverside("time-bank", "donate", "riverside", "alice", "20", "--json").output)["credit"] == (
        "riverside:community")
    assert json.loads(riverside("time-bank", "donate", "riverside", "alice", "5", "--to", "bob",
                                "--json").output)["credit"] == "riverside:bob"
    granted = json.loads(riverside("time-bank", "grant", "riverside", "bob", "20", "--description", "litter pick",
                                   "--json").output)
    assert (granted["debit"], granted["amount"]) == ("riverside:community", 20)
    assert json.loads(riverside("time-bank", "redeem", "riverside", "bob", "hot meal", "--json").output)["amount"] == 60
    services = json.loads(riverside("time-bank", "catalogue", "riverside", "--json").output)
    assert [s["name"] for s in services] == ["weeding", "shopping", "hot meal", "bike check"]


def test_setting_a_catalogue_from_stdin(riverside, db_path):
    new = json.dumps({"services": [{"category": "music", "name": "piano", "price": 45, "redeemable": True}]})
    result = CliRunner().invoke(cli, ["time-bank", "catalogue", "riverside", "-", "--db", db_path, "--json"], input=new)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"category": "music", "name": "piano", "price": 45, "redeemable": True}]


def test_a_refusal_is_one_error_line(riverside):
    refused = riverside("time-bank", "exchange", "riverside", "alice", "bob", "481", "--category", "garden",
                        "--description", "weeding", ok=False)
    assert (refused.exit_code, refused.output) == (
        1, "Error: rule 'max_exchange' refused the command: exchange of 481 minutes is over the bank's maximum "
           "of 480 by 1\n")
    short = riverside("time-bank", "donate", "riverside", "alice", "1", ok=False)
    assert (short.exit_code, short.output) == (
        1, "Error: rule 'donation_credit' refused the command: 'riverside:alice' has 0 minutes available, "
           "so a donation of 1 is short by 1\n")
    missing = riverside("time-bank", "join", "hillside", "ann", ok=False)
    assert (missing.exit_code, missing.output) == (1, "Error: scheme 'hillside' is not registered\n")


def test_a_bad_catalogue_file_is_one_usage_error(run, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("time-bank", "create", "riverside", "--catalogue", str(bad), ok=False)
    assert result.exit_code == 2
    assert result.output.startswith("Error: the catalogue is not JSON: Expecting property name")
    assert len(result.output.splitlines()) == 1
