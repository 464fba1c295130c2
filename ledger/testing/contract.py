"""``SchemeContract``: what every scheme plugin, bundled or third-party, must do, as tests.

Subclass it in a test module (named ``Test...``, so pytest collects it), set ``plugin`` and
write ``demo`` and ``refusal``; with ``BACKENDS = ("sqlite", "postgres")`` in the module every
clause runs on both stores::

    from ledger.testing import SchemeContract

    BACKENDS = ("sqlite", "postgres")

    class TestToolLibraryContract(SchemeContract):
        plugin = ledger_tool_library

        def demo(self, ledger, clock):
            ...   # set a scheme up and use it as an app would

        def refusal(self, ledger, clock):
            return (lambda: borrow(ledger, "shed", "lou", "saw", 20)), RuleViolation, "no tool 'saw'"

The clauses: each declared kind registers with its declared defaults; an account opens in a
scheme of each kind; each declared fact type refuses data its schema does not accept and
writes nothing; the hooks let commands of other schemes (a plain one and another plugin's kind)
through untouched; a refused command writes nothing; ``verify()`` passes after the demo.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterator

import pytest

from ..errors import LedgerError, ValidationError
from ..hookspecs import hookimpl
from ..ledger import Ledger
from ..plugins import FactType, SchemeType
from .clock import FakeClock
from .refusals import assert_refused

FOREIGN_KIND = "contract_foreign"


class ForeignScheme:
    """Another plugin's kind, loaded beside the plugin under test: its commands are not the plugin's."""

    @hookimpl
    def ledger_register_schemes(self) -> list[SchemeType]:
        return [SchemeType(kind=FOREIGN_KIND, unit="beans", floor=None)]


def declared(plugin: Any, hook: str) -> list[Any]:
    """What ``plugin`` returns from a ``ledger_register_*`` hook (nothing if it does not implement it)."""
    impl = getattr(plugin, hook, None)
    return list(impl() or ()) if impl is not None else []


class SchemeContract:
    """The contract suite; see the module's docstring. Not collected itself (no ``Test`` prefix)."""

    #: The plugin under test: the module (or object) registered as ``Ledger(plugins=[...])``.
    plugin: ClassVar[Any] = None
    #: Ledger id of the contract's ledgers.
    ledger_id: ClassVar[str] = "test.commons-ledger.local/contract"

    # -- what a plugin author writes ---------------------------------------------------------

    def demo(self, ledger: Ledger, clock: FakeClock) -> None:
        """Set a scheme of the plugin up and use it as an app would (through the plugin's API)."""
        raise NotImplementedError

    def refusal(self, ledger: Ledger, clock: FakeClock) -> tuple[Callable[[], Any], type[BaseException], str]:
        """After ``demo``: a command the plugin's rules refuse, its error type and a regex of its message."""
        raise NotImplementedError

    def account_name(self, scheme: str, role: str) -> str:
        """How the plugin names an account of ``role`` in ``scheme`` (the kit's ``scheme:role``)."""
        return f"{scheme}:{role}"

    # -- fixtures ------------------------------------------------------------------------------

    @pytest.fixture
    def contract_ledger(self, db_path: str, clock: FakeClock) -> Iterator[Ledger]:
        """The plugin and a foreign kind, without any other installed plugin."""
        with Ledger(db_path, create=True, ledger_id=self.ledger_id, clock=clock,
                    plugins=[self.plugin, ForeignScheme()], load_entrypoints=False) as led:
            yield led

    def kinds(self) -> list[SchemeType]:
        kinds = declared(self.plugin, "ledger_register_schemes")
        assert kinds, f"{self.plugin!r} declares no scheme kind"
        return kinds

    # -- the clauses ---------------------------------------------------------------------------

    def test_each_kind_registers_with_its_declared_defaults(self, contract_ledger: Ledger) -> None:
        for kind in self.kinds():
            info = contract_ledger.register_scheme(f"c_{kind.kind}", kind=kind.kind)
            assert (info.kind, info.unit, info.floor, info.ceiling) == (kind.kind, kind.unit, kind.floor, kind.ceiling)

    def test_an_account_opens_in_a_scheme_of_each_kind(self, contract_ledger: Ledger) -> None:
        for kind in self.kinds():
            scheme = f"c_{kind.kind}"
            contract_ledger.register_scheme(scheme, kind=kind.kind)
            account = self.account_name(scheme, "member")
            assert contract_ledger.open_account(account, scheme).scheme == scheme
            assert contract_ledger.balance(account).posted == 0

    def test_each_declared_fact_type_refuses_data_its_schema_does_not_accept(self, contract_ledger: Ledger) -> None:
        # A field no schema declares and none of the required ones: refused by the schema
        # itself (or by the plugin's subject rule), never written.
        junk = {"contract_unknown": "x"}
        for fact_type in declared(self.plugin, "ledger_register_fact_types"):
            assert isinstance(fact_type, FactType)
            assert_refused(lambda f=fact_type: contract_ledger.record_fact(f.name, "anything", junk),
                           (ValidationError, LedgerError), None, ledger=contract_ledger)

    def test_hooks_let_commands_of_other_schemes_through(self, contract_ledger: Ledger) -> None:
        led = contract_ledger
        for scheme, kind in (("plain", None), ("foreign", FOREIGN_KIND)):
            if kind is None:
                led.register_scheme(scheme, "things", floor=None)
            else:
                led.register_scheme(scheme, kind=kind)
            a, b = f"{scheme}.a", f"{scheme}.b"
            led.open_account(a, scheme)
            led.open_account(b, scheme)
            moved = led.transfer(a, b, 10, code="other.move", details={"why": "not yours"})
            led.reverse(moved.transfer_id, reason="undo")
            posted = led.hold(a, b, 5, code="other.hold", timeout=3600)
            led.post(posted.hold_id, 3)
            led.void(led.hold(a, b, 5, timeout=3600).hold_id, reason="changed mind")
            led.change_limits(a, floor=-100, ceiling=None, reason="contract")
            led.batch([{"type": "transfer", "debit": b, "credit": a, "amount": 2, "code": "other.batch"}])
            led.open_account(f"{scheme}.c", scheme)
            led.close_account(f"{scheme}.c")
        assert led.verify().ok

    def test_a_refused_command_writes_nothing(self, contract_ledger: Ledger, clock: FakeClock) -> None:
        self.demo(contract_ledger, clock)
        fn, error_type, match = self.refusal(contract_ledger, clock)
        assert_refused(fn, error_type, match, ledger=contract_ledger)

    def test_verify_passes_after_the_demo(self, contract_ledger: Ledger, clock: FakeClock) -> None:
        self.demo(contract_ledger, clock)
        assert contract_ledger.size() > 1
        assert contract_ledger.verify().ok


__all__ = ["FOREIGN_KIND", "ForeignScheme", "SchemeContract"]
