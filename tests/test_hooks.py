"""Every hook in ledger/hookspecs.py: documented (each parameter, an example that compiles) and
tested here by a test of its own (``test_hook_<name>_...``), on both stores."""

from __future__ import annotations

import ast
import inspect
import logging
import re
import sys
import textwrap

import click
import pytest
from click.testing import CliRunner
from marshmallow import Schema, fields

from ledger import (
    Exporter,
    FactType,
    Ledger,
    RuleViolation,
    SchemeType,
    UnknownFactType,
    ValidationError,
    WriteFromHook,
    hookimpl,
    hookspecs,
)
from ledger.plugins import PluginHost
from ledger.testing import dump

BACKENDS = ("sqlite", "postgres")
HOOKS = sorted(name for name, fn in vars(hookspecs).items() if name.startswith("ledger_") and callable(fn))


# -- the reference itself -------------------------------------------------------------------


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_with_its_parameters_and_an_example(name):
    fn = getattr(hookspecs, name)
    doc = inspect.getdoc(fn) or ""
    for parameter in inspect.signature(fn).parameters:
        assert f":param {parameter}:" in doc, f"{name}: parameter {parameter!r} is undocumented"
    assert ":return:" in doc or inspect.signature(fn).return_annotation in ("None", None), f"{name}: no :return:"
    match = re.search(r"Example::\n\n(.+)", doc, re.S)
    assert match, f"{name} has no Example:: block"
    ast.parse(textwrap.dedent(match.group(1)))  # the example is Python that compiles


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test_of_its_own(name):
    module = sys.modules[__name__]
    assert any(t.startswith(f"test_hook_{name}") for t in dir(module)), f"no test_hook_{name}_... in {__file__}"


# -- one test per hook ----------------------------------------------------------------------


class Settings(Schema):
    cap = fields.Integer(required=True)


class Coop:
    """A scheme kind with every hook; its behaviour is switched per test by class attributes."""

    seen: list = []
    exported: list = []
    fail_after = False

    @hookimpl
    def ledger_register_schemes(self):
        return [SchemeType(kind="coop", unit="points", step=5, floor=0, ceiling=1000)]

    @hookimpl
    def ledger_register_fact_types(self):
        return [FactType("coop.settings.v1", Settings, "the co-op's cap")]

    @hookimpl
    def ledger_validate_command(self, ledger, command):
        if command.name == "transfer" and "coop" in command.kinds():
            settings = ledger.fact("coop.settings.v1", "coop")
            cap = settings.data["cap"] if settings else 100
            if command.args["amount"] > cap:
                raise RuleViolation("cap", f"{command.args['amount']} is over the cap of {cap}")

    @hookimpl
    def ledger_before_commit(self, ledger, command):
        if command.name == "transfer" and command.args["credit"] == "shop" and command.added_by is None:
            return [{"type": "transfer", "debit": "shop", "credit": "coop:issuer", "amount": 5, "code": "fee"}]
        return None

    @hookimpl
    def ledger_check_transaction(self, view):
        for command in view.commands:
            if command.name == "transfer" and command.args["debit"] == "shop" and view.balance("shop").posted < 5:
                raise RuleViolation("shop_reserve", "the shop keeps 5 points")

    @hookimpl
    def ledger_after_commit(self, ledger, command, result):
        if self.fail_after:
            raise RuntimeError("the outbox is down")
        self.seen.append((command.name, result.get("seq")))

    @hookimpl
    def ledger_register_exporters(self):
        def export(ledger, out, public):
            path = out / "coop.txt"
            path.write_text(f"{len(ledger.accounts(scheme='coop'))} accounts\n")
            self.exported.append(path)
            return [path]

        return [Exporter("coop", "the co-op's account count", export)]

    @hookimpl
    def ledger_register_commands(self, cli):
        @cli.command("coop-hello")
        def hello():
            click.echo("hello from the co-op")


@pytest.fixture
def coop(db_path, clock):
    Coop.seen, Coop.exported, Coop.fail_after = [], [], False
    with Ledger(db_path, create=True, clock=clock, plugins=[Coop()], load_entrypoints=False) as led:
        led.register_scheme("coop", kind="coop")
        for name in ("ana", "shop"):
            led.open_account(name, "coop")
        led.transfer("coop:issuer", "ana", 100)
        yield led


def test_hook_ledger_register_schemes_gives_a_kind_its_defaults(coop):
    info = coop.scheme_info("coop")
    assert (info.kind, info.unit, info.step, info.floor, info.ceiling) == ("coop", "points", 5, 0, 1000)
    assert coop.scheme_plugins()[0]["writable"] is True


def test_hook_ledger_register_fact_types_validates_the_data(coop):
    coop.record_fact("coop.settings.v1", "coop", {"cap": 50})
    assert coop.fact("coop.settings.v1", "coop").data == {"cap": 50}
    with pytest.raises(ValidationError, match="cap"):
        coop.record_fact("coop.settings.v1", "coop", {"cap": "lots"})
    with pytest.raises(UnknownFactType):
        coop.record_fact("coop.other.v1", "coop", {})


def test_hook_ledger_validate_command_vetoes_and_nothing_is_written(coop, db_path):
    coop.record_fact("coop.settings.v1", "coop", {"cap": 20})
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        coop.transfer("ana", "shop", 25)
    assert err.value.rule == "cap" and dump(db_path) == before


def test_hook_ledger_before_commit_adds_items_in_the_same_commit(coop):
    coop.transfer("ana", "shop", 20)
    fee = [t for t in coop.transfers(code="fee")]
    assert [(t.debit, t.credit, t.amount) for t in fee] == [("shop", "coop:issuer", 5)]
    assert coop.balance("shop").posted == 15 and coop.verify().ok


def test_hook_ledger_check_transaction_sees_this_transactions_balances(coop, db_path):
    coop.transfer("ana", "shop", 10)  # the shop keeps 10 - 5 fee = 5
    before = dump(db_path)
    with pytest.raises(RuleViolation, match="the shop keeps 5 points"):
        coop.transfer("shop", "ana", 5)
    assert dump(db_path) == before


def test_hook_ledger_after_commit_hears_each_command_and_cannot_undo_it(coop, caplog):
    result = coop.transfer("ana", "shop", 10)
    assert Coop.seen[-1] == ("transfer", result.seq)
    Coop.fail_after = True
    with caplog.at_level(logging.ERROR, logger="ledger.plugins"):
        second = coop.transfer("ana", "shop", 10)
    assert second.seq > result.seq and "the committed command stands" in caplog.text


def test_hook_ledger_after_commit_gets_a_read_only_ledger(coop, caplog):
    class Writer:
        @hookimpl
        def ledger_after_commit(self, ledger, command, result):
            ledger.transfer("ana", "shop", 5)

    host = coop.plugins
    host.pm.register(Writer())
    host._impl_cache.clear()
    size = coop.size()
    with caplog.at_level(logging.ERROR, logger="ledger.plugins"):
        coop.transfer("ana", "shop", 10)
    assert WriteFromHook.__name__ in caplog.text and coop.size() == size + 2  # the transfer and its fee


def test_hook_ledger_register_exporters_adds_a_file_the_manifest_binds(coop, tmp_path):
    result = coop.export(str(tmp_path / "out"))
    assert "coop.txt" in result.files and (tmp_path / "out" / "coop.txt").read_text() == "3 accounts\n"  # ana, shop and the issuer
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"coop.txt"' in manifest


def test_hook_ledger_register_commands_adds_a_command():
    @click.group()
    def root():
        pass

    PluginHost([Coop()], load_entrypoints=False).call("ledger_register_commands", cli=root)
    result = CliRunner().invoke(root, ["coop-hello"])
    assert (result.exit_code, result.output) == (0, "hello from the co-op\n")
