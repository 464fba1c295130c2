"""The plugin API: vetoes, added items, in-transaction checks, failures, scheme kinds and facts."""

from __future__ import annotations

import logging

import pytest
from example_plugins import fees, misspelled, rules

from ledger import (
    InsufficientFunds,
    Ledger,
    PluginError,
    RuleViolation,
    UnknownFactType,
    UnknownSchemeKind,
    ValidationError,
)
from ledger.testing import dump

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")


@pytest.fixture(autouse=True)
def well_behaved():
    rules.FAIL.update(validate=False, in_transaction=False, after_commit=False)
    rules.SEEN.clear()


@pytest.fixture
def shop(db_path, clock):
    with Ledger(db_path, create=True, clock=clock, plugins=[fees, rules], load_entrypoints=False) as led:
        led.register_scheme("coop", kind="shop_points")
        for name in ("ana", "kiosk"):
            led.open_account(name, "coop")
        led.transfer("coop:issuer", "ana", 100)
        yield led


def test_scheme_kind_supplies_unit_step_and_limits(shop):
    info = shop.scheme_info("coop")
    assert (info.kind, info.unit, info.step, info.floor, info.ceiling) == ("shop_points", "points", 5, 0, 1000)
    assert shop.account("ana").ceiling == 1000
    with pytest.raises(ValidationError) as err:
        shop.transfer("ana", "kiosk", 7)
    assert str(err.value) == "invalid transfer: amount: must be a multiple of 5 in scheme 'coop'."
    with pytest.raises(UnknownSchemeKind, match="scheme kind 'fish' is not provided by any loaded plugin"):
        shop.register_scheme("pond", kind="fish")


def test_a_veto_names_rule_and_plugin_and_writes_nothing(shop, db_path):
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        shop.transfer("coop:issuer", "ana", 150)
    assert (err.value.rule, err.value.plugin) == ("max_transfer", "example_plugins.rules")
    assert str(err.value) == "rule 'max_transfer' refused the command: transfer of 150 is over the maximum of 100 by 50"
    assert dump(db_path) == before


def test_items_added_before_commit_are_atomic_with_the_command(shop):
    shop.record_fact("fees.shop.v1", "kiosk", {"name": "Corner kiosk", "fee": 10})
    result = shop.transfer("ana", "kiosk", 50, code="shop", transfer_id="buy-1")
    assert shop.balance("ana").posted == 40
    fee = shop.transfers(code="fee")[0]
    assert (fee.debit, fee.credit, fee.amount, fee.memo, fee.seq) == ("ana", "coop:issuer", 10, "fee for buy-1", result.seq + 1)
    size = shop.size()
    with pytest.raises(InsufficientFunds):
        shop.transfer("ana", "kiosk", 40, code="shop")  # 40 + fee 10 > 40
    assert shop.size() == size and shop.balance("ana").posted == 40


def test_items_added_by_a_plugin_are_validated_too(shop):
    shop.record_fact("fees.shop.v1", "kiosk", {"name": "Greedy kiosk", "fee": 105})
    shop.transfer("coop:issuer", "ana", 100)
    with pytest.raises(RuleViolation, match="transfer of 105 is over the maximum of 100 by 5"):
        shop.transfer("ana", "kiosk", 5, code="shop")


def test_a_check_inside_the_transaction_sees_the_new_balances(shop, db_path):
    for _ in range(5):
        shop.transfer("coop:issuer", "kiosk", 100)
    before = dump(db_path)
    with pytest.raises(RuleViolation, match="kiosk would hold more than 500"):
        shop.transfer("coop:issuer", "kiosk", 100)
    assert dump(db_path) == before


@pytest.mark.parametrize(("where", "hook", "message"), [
    ("validate", "ledger_validate_command", "KeyError: 'boom'"),
    ("in_transaction", "ledger_check_transaction", "RuntimeError: disk on fire"),
])
def test_a_plugin_crash_becomes_plugin_error_and_leaves_the_file_unchanged(shop, db_path, where, hook, message):
    before = dump(db_path)
    rules.FAIL[where] = True
    with pytest.raises(PluginError) as err:
        shop.transfer("coop:issuer", "ana", 5)
    assert (err.value.plugin, err.value.hook) == ("example_plugins.rules", hook)
    assert str(err.value) == f"plugin 'example_plugins.rules' failed in {hook}: {message}"
    assert dump(db_path) == before
    assert shop.verify().ok


def test_after_commit_failures_are_logged_and_the_command_stands(shop, caplog):
    rules.FAIL["after_commit"] = True
    with caplog.at_level(logging.ERROR, logger="ledger.plugins"):
        result = shop.transfer("coop:issuer", "ana", 5)
    assert shop.transfer_info(result.transfer_id).amount == 5
    assert rules.SEEN[-1] == ("transfer", result.seq)
    assert "plugin example_plugins.rules failed in ledger_after_commit; the committed command stands" in caplog.text


def test_a_misspelled_hook_fails_loudly_at_load(db_path):
    with pytest.raises(PluginError) as err:
        Ledger(db_path, create=True, plugins=[misspelled], load_entrypoints=False)
    assert err.value.hook == "load"
    assert "ledger_validate_comand" in str(err.value)


def test_two_plugins_declaring_one_kind_is_an_error(db_path):
    import types

    from ledger import SchemeType, hookimpl

    twin = types.ModuleType("twin")
    twin.ledger_register_schemes = hookimpl(lambda: [SchemeType(kind="shop_points", unit="points")])
    with pytest.raises(PluginError, match="kind 'shop_points' is already declared by"):
        Ledger(db_path, create=True, plugins=[fees, twin], load_entrypoints=False)


def test_facts_are_validated_chained_and_versioned(shop):
    first = shop.record_fact("fees.shop.v1", "kiosk", {"name": "Kiosk", "fee": 5})
    second = shop.record_fact("fees.shop.v1", "kiosk", {"name": "Kiosk", "fee": 10})
    assert (first.version, second.version) == (1, 2)
    assert shop.fact("fees.shop.v1", "kiosk").data == {"name": "Kiosk", "fee": 10}
    assert [f.data["fee"] for f in shop.facts("fees.shop.v1", "kiosk")] == [5, 10]
    assert shop.fact("fees.shop.v1", "bakery") is None
    with pytest.raises(ValidationError) as err:
        shop.record_fact("fees.shop.v1", "kiosk", {"name": "Kiosk"})
    assert str(err.value) == "invalid record_fact fees.shop.v1: fee: Missing data for required field."
    with pytest.raises(UnknownFactType):
        shop.record_fact("nobody.thing.v1", "x", {})
    assert shop.verify().ok


def test_details_travel_with_a_movement_and_refuse_floats(shop):
    shop.transfer("ana", "kiosk", 10, details={"basket": ["tea", "bread"], "receipt": "r-1"})
    assert shop.transfers(account="kiosk")[0].details == {"basket": ["tea", "bread"], "receipt": "r-1"}
    with pytest.raises(ValidationError) as err:
        shop.transfer("ana", "kiosk", 10, details={"weight_kg": 1.5})
    assert str(err.value) == (
        "invalid transfer: details: weight_kg: float 1.5 refused: use an integer in the smallest unit or a decimal string"
    )


def test_facts_commit_atomically_with_movements_in_a_batch(shop, db_path):
    results = shop.batch([
        {"type": "fact", "fact_type": "fees.shop.v1", "subject": "kiosk", "data": {"name": "Kiosk", "fee": 5}},
        {"type": "transfer", "debit": "ana", "credit": "kiosk", "amount": 20},
        {"type": "fact", "fact_type": "fees.shop.v1", "subject": "kiosk", "data": {"name": "Kiosk", "fee": 10}},
    ])
    assert [getattr(r, "version", None) for r in results] == [1, None, 2]
    assert shop.fact("fees.shop.v1", "kiosk").data["fee"] == 10
    before = dump(db_path)
    with pytest.raises(InsufficientFunds):
        shop.batch([
            {"type": "fact", "fact_type": "fees.shop.v1", "subject": "bakery", "data": {"name": "Bakery", "fee": 5}},
            {"type": "transfer", "debit": "ana", "credit": "kiosk", "amount": 95},
        ])
    assert dump(db_path) == before and shop.fact("fees.shop.v1", "bakery") is None


def test_expected_version_makes_a_fact_a_compare_and_set(shop, db_path):
    from ledger import FactVersionConflict

    shop.record_fact("fees.shop.v1", "kiosk", {"name": "Kiosk", "fee": 5}, expected_version=0)
    shop.record_fact("fees.shop.v1", "kiosk", {"name": "Kiosk", "fee": 6}, expected_version=1)
    before = dump(db_path)
    with pytest.raises(FactVersionConflict) as err:
        shop.record_fact("fees.shop.v1", "kiosk", {"name": "Kiosk", "fee": 7}, expected_version=1)
    assert str(err.value) == (
        "fact fees.shop.v1 of 'kiosk' is at version 2, not 1: it changed since you read it; read it again and recompute"
    )
    assert dump(db_path) == before
