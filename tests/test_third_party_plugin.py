"""A third-party scheme (examples/tool_library), installed into the test virtualenv like any
package, is found through its entry point and works end to end without touching the core."""

from __future__ import annotations

import json

import ledger_tool_library
import pytest
from click.testing import CliRunner

from ledger import Ledger, RuleViolation
from ledger.cli import cli
from ledger.testing import SchemeContract, dump

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def library(db_path, clock):
    # No plugins= argument: the tool library must arrive through the ledger.plugins entry point.
    with Ledger(db_path, create=True, clock=clock) as led:
        led.register_scheme("shed", kind="tool_library")
        led.open_account("shed:desk", "shed")
        led.open_account("lou", "shed")
        led.transfer("shed:issuer", "lou", 50, memo="membership tokens")
        led.record_fact("tool_library.inventory.v1", "shed", {"tools": [{"name": "drill", "deposit": 20}]})
        yield led


def test_the_entry_point_plugin_supplies_the_scheme_kind(library):
    assert (library.scheme_info("shed").kind, library.scheme_info("shed").unit) == ("tool_library", "tokens")


def test_borrowing_holds_the_deposit_and_returning_voids_it(library, clock):
    from ledger_tool_library import borrow

    hold = borrow(library, "shed", "lou", "drill", 20, days=7)
    assert (library.balance("lou").available, hold.details) == (30, {"tool": "drill"})
    library.void(hold.hold_id, reason="returned")
    assert library.balance("lou").available == 50
    late = borrow(library, "shed", "lou", "drill", 20, days=7)
    clock.advance(days=8)
    assert library.expire_holds() == [late.hold_id]


def test_the_plugins_rules_refuse_unknown_tools_and_wrong_deposits(library, db_path):
    from ledger_tool_library import borrow

    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        borrow(library, "shed", "lou", "saw", 20)
    assert (str(err.value), err.value.plugin) == (
        "rule 'inventory' refused the command: shed has no tool 'saw' to lend", "tool_library")
    with pytest.raises(RuleViolation, match="the deposit for 'drill' is 20 tokens, not 10"):
        borrow(library, "shed", "lou", "drill", 10)
    assert dump(db_path) == before


def test_the_plugin_adds_a_cli_command_and_is_listed(library, db_path):
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["plugins", "--json"]).output)
    mine = next(p for p in listed if p["distribution"] == "commons-ledger-tool-library")
    assert (mine["version"], mine["schemes"], mine["facts"]) == ("0.1.0", ["tool_library"], ["tool_library.inventory.v1"])
    library.close()
    result = runner.invoke(cli, ["tool-borrow", "shed", "lou", "drill", "20", "--db", db_path, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "held"
    refused = runner.invoke(cli, ["tool-borrow", "shed", "lou", "drill", "5", "--db", db_path])
    assert (refused.exit_code, refused.output) == (
        1, "Error: rule 'deposit' refused the command: the deposit for 'drill' is 20 tokens, not 5\n")


class TestToolLibraryContract(SchemeContract):
    """The third-party example passes the same contract as the bundled schemes."""

    plugin = ledger_tool_library

    def account_name(self, scheme, role):
        return role

    def demo(self, ledger, clock):
        ledger.register_scheme("shed", kind="tool_library")
        ledger.open_account("shed:desk", "shed")
        ledger.open_account("lou", "shed")
        ledger.transfer("shed:issuer", "lou", 50)
        ledger.record_fact(ledger_tool_library.INVENTORY, "shed", {"tools": [{"name": "drill", "deposit": 20}]})
        ledger_tool_library.borrow(ledger, "shed", "lou", "drill", 20)

    def refusal(self, ledger, clock):
        return (lambda: ledger_tool_library.borrow(ledger, "shed", "lou", "saw", 20), RuleViolation,
                "shed has no tool 'saw' to lend")
