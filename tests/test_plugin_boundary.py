"""The plugin boundary: hooks run in pluggy's order, wrappers are refused, and hooks cannot write."""

from __future__ import annotations

import pluggy
import pytest

from ledger import Ledger, PluginError, RuleViolation, hookimpl
from ledger.errors import WriteFromHook
from ledger.hookspecs import PROJECT
from ledger.testing import dump

BACKENDS = ("sqlite", "postgres")


def recorder(name: str, calls: list[str], **marks):
    class Plugin:
        @hookimpl(**marks)
        def ledger_validate_command(self, ledger, command):
            calls.append(name)

    Plugin.__name__ = name
    return Plugin()


def test_hooks_run_in_pluggys_own_order(db_path):
    calls: list[str] = []
    plugins = [recorder("first_registered", calls), recorder("second_registered", calls),
               recorder("tried_first", calls, tryfirst=True), recorder("tried_last", calls, trylast=True)]
    with Ledger(db_path, create=True, plugins=plugins, load_entrypoints=False) as led:
        calls.clear()
        led.register_scheme("s", "u")
    # What pluggy itself does with the same registrations:
    pm = pluggy.PluginManager(PROJECT)
    from ledger import hookspecs

    pm.add_hookspecs(hookspecs)
    expected: list[str] = []
    for plugin in [recorder("first_registered", expected), recorder("second_registered", expected),
                   recorder("tried_first", expected, tryfirst=True), recorder("tried_last", expected, trylast=True)]:
        pm.register(plugin)
    pm.hook.ledger_validate_command(ledger=None, command=None)
    assert calls == expected == ["tried_first", "second_registered", "first_registered", "tried_last"]


class Wrapping:
    @hookimpl(wrapper=True)
    def ledger_validate_command(self, ledger, command):
        yield
        raise RuleViolation("never", "a wrapper's veto would be lost")


def test_a_wrapper_implementation_is_refused_when_the_plugin_loads(db_path):
    with pytest.raises(PluginError, match="wrapper implementations are not supported by ledger hooks"):
        Ledger(db_path, create=True, plugins=[Wrapping()], load_entrypoints=False)


class WritesThenVetoes:
    kept: Ledger | None = None

    @hookimpl
    def ledger_validate_command(self, ledger, command):
        if command.name == "transfer" and command.args["amount"] == 7:
            ledger.transfer("s:issuer", "ana", 1)  # the view refuses this
        if command.name == "transfer" and command.args["amount"] == 8 and self.kept is not None:
            self.kept.transfer("s:issuer", "ana", 1)  # and the write path refuses this
        if command.name == "transfer" and command.args["amount"] in (7, 8):
            raise RuleViolation("no", "vetoed after writing")


@pytest.fixture
def guarded(db_path):
    plugin = WritesThenVetoes()
    with Ledger(db_path, create=True, plugins=[plugin], load_entrypoints=False) as led:
        led.register_scheme("s", "u", floor=None)
        led.open_account("ana", "s")
        plugin.kept = led
        yield led


@pytest.mark.parametrize("amount, how", [(7, "through the view"), (8, "through a Ledger the plugin kept")])
def test_a_hook_cannot_write_and_a_refused_command_writes_nothing(guarded, db_path, amount, how):
    before, size = dump(db_path), guarded.size()
    with pytest.raises(WriteFromHook, match=r"called transfer\(\) from ledger_validate_command"):
        guarded.transfer("s:issuer", "ana", amount)
    assert guarded.size() == size and dump(db_path) == before, how


def test_a_hooks_view_has_queries_and_no_private_members(guarded):
    from ledger.plugins import ReadOnlyLedger

    view = ReadOnlyLedger(guarded)
    assert view.balance("ana").posted == 0 and view.ledger_id == guarded.ledger_id
    with pytest.raises(AttributeError, match="no private attribute '_rows'"):
        view._rows("SELECT 1")
    with pytest.raises(AttributeError, match="read-only"):
        view.clock = None
