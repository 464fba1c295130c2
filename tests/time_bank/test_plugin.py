"""The plugin as installed: found through its entry point, listed by ``ledger plugins``."""

from __future__ import annotations

import json
from importlib import metadata

from click.testing import CliRunner
from ledger_time_bank import TimeBank

from ledger import Ledger, RuleViolation
from ledger.cli import cli

from .conftest import SERVICES

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def test_a_ledger_without_plugins_argument_finds_the_time_bank_kind(db_path, clock):
    # No plugins=: the kind must arrive through the ledger.plugins entry point alone.
    with Ledger(db_path, create=True, clock=clock) as led:
        led.register_scheme("riverside", kind="time_bank")
        info = led.scheme_info("riverside")
        assert (info.kind, info.unit, info.step, info.floor, info.ceiling) == ("time_bank", "minutes", 1, -600, 3000)
        led.open_account("riverside:alice", "riverside")
        led.open_account("riverside:bob", "riverside")
        try:
            led.transfer("riverside:alice", "riverside:bob", 10)
        except RuleViolation as err:
            assert (err.rule, err.plugin) == ("code", "time_bank")  # the entry point's name
        else:
            raise AssertionError("the time bank's code rule did not run")


def test_timebank_works_on_a_ledger_with_every_installed_plugin(db_path, clock):
    with Ledger(db_path, create=True, clock=clock) as led:
        bank = TimeBank.create(led, "riverside", catalogue=SERVICES)
        bank.join("alice")
        bank.join("bob")
        bank.record_exchange("alice", "bob", 60, "garden", "weeding")
        assert led.unit_totals()["minutes"]["posted"] == 0
        assert led.verify().ok


def test_ledger_plugins_lists_the_distribution_its_version_kind_and_facts():
    listed = json.loads(CliRunner().invoke(cli, ["plugins", "--json"]).output)
    mine = next(p for p in listed if p["distribution"] == "commons-ledger-time-bank")
    assert mine == {
        "plugin": "time_bank",
        "distribution": "commons-ledger-time-bank",
        "version": metadata.version("commons-ledger-time-bank"),
        "schemes": ["time_bank"],
        "facts": ["time_bank.catalogue.v1", "time_bank.settings.v1"],
    }
    assert mine["version"] == "0.1.0"
