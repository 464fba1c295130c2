"""Loading plugins and calling their hooks, one plugin manager per ``Ledger``.

Hooks are called one implementation at a time, in pluggy's own order (``tryfirst``
first, then the most recently registered, ``trylast`` last), so an exception can be
attributed: a ``RuleViolation`` is a veto and passes through with the plugin's name
filled in; anything else becomes ``PluginError(plugin, hook)``. Wrapper implementations
(``wrapper=True``, ``hookwrapper=True``) are refused when the plugin loads: a veto raised
around the other implementations could not be attributed, and pluggy's result plumbing
is not what a ledger hook returns.

While a hook runs, the ledger is read-only: hooks get a :class:`ReadOnlyLedger`, and any
write reached some other way (a ``Ledger`` object the plugin kept) raises
:class:`~ledger.errors.WriteFromHook` from the write path itself (``HOOK_RUNNING``).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional

import pluggy
from marshmallow import Schema

from . import hookspecs
from .errors import PluginError, RuleViolation, WriteFromHook
from .results import Balance, SchemeInfo

if TYPE_CHECKING:
    from .ledger import Ledger

ENTRY_POINT_GROUP = "ledger.plugins"
log = logging.getLogger("ledger.plugins")

#: ``(plugin, hook)`` while a hook implementation runs in this context; the write path refuses then.
HOOK_RUNNING: ContextVar[Optional[tuple[str, str]]] = ContextVar("ledger_hook_running", default=None)

#: ``Ledger`` methods that write; a :class:`ReadOnlyLedger` refuses them.
WRITE_METHODS = frozenset({
    "register_scheme", "open_account", "change_limits", "close_account", "transfer", "hold", "post",
    "void", "reverse", "batch", "expire_holds", "record_fact", "checkpoint", "export", "rotate_key",
    "receipt", "consistency",
})


def refuse_inside_hook(method: str) -> None:
    """Raise ``WriteFromHook`` if a hook implementation is running in this context."""
    running = HOOK_RUNNING.get()
    if running is not None:
        raise WriteFromHook(running[0], running[1], method)


class ReadOnlyLedger:
    """What a hook is given: the ``Ledger``'s queries, and a typed refusal for every write."""

    __slots__ = ("_ledger",)

    def __init__(self, ledger: Any) -> None:
        object.__setattr__(self, "_ledger", ledger)

    def __getattr__(self, name: str) -> Any:
        if name in WRITE_METHODS:
            def refused(*args: Any, **kwargs: Any) -> Any:
                running = HOOK_RUNNING.get() or ("(unknown)", "a hook")
                raise WriteFromHook(running[0], running[1], name)

            return refused
        if name.startswith("_"):
            raise AttributeError(f"a hook's ledger view has no private attribute {name!r}")
        return getattr(self._ledger, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a hook's ledger view is read-only")

    def __repr__(self) -> str:
        return f"ReadOnlyLedger({self._ledger.ledger_id!r})"


@dataclass(frozen=True)
class SchemeType:
    """A kind of credit scheme a plugin provides, with the defaults a new scheme of it gets.

    ``step``: every amount in such a scheme is a multiple of it (15 for a time bank that
    records quarter hours). ``floor``/``ceiling``: default account limits (``None`` =
    unlimited).
    """

    kind: str
    unit: str
    step: int = 1
    floor: Optional[int] = 0
    ceiling: Optional[int] = None
    description: str = ""


@dataclass(frozen=True)
class FactType:
    """A kind of non-monetary fact, validated by ``schema`` (a marshmallow ``Schema`` class)."""

    name: str
    schema: type[Schema]
    description: str = ""


@dataclass(frozen=True)
class Exporter:
    """An export format: ``export(ledger, out_dir, public)`` writes files and returns their paths."""

    name: str
    description: str
    export: Callable[[Ledger, Path, bool], list[Path]]


@dataclass(frozen=True)
class Command:
    """What a hook is told about a command (or one item of a batch).

    ``name``: ``transfer``, ``hold``, ``post``, ``void``, ``reverse``, ``open_account``,
    ``register_scheme``, ``change_limits``, ``close_account`` or ``record_fact``.
    ``args``: its validated arguments (for ``post``/``void`` also ``debit``, ``credit``,
    ``held`` and ``code``/``details`` of the hold). ``schemes``: the scheme of every account
    involved, by account id. ``added_by``: the plugin that added this item in
    ``ledger_before_commit``, else ``None``.
    """

    name: str
    args: Mapping[str, Any]
    schemes: Mapping[str, SchemeInfo] = field(default_factory=dict)
    added_by: Optional[str] = None

    def kinds(self) -> frozenset[str]:
        """The scheme kinds this command touches: test ``"time_bank" in command.kinds()``."""
        return self._kinds

    @cached_property
    def _kinds(self) -> frozenset[str]:
        # Every plugin asks, for every command and batch item: computed once.
        return frozenset(s.kind for s in self.schemes.values())


class TransactionView:
    """A plugin's window into the write transaction (``ledger_check_transaction``)."""

    def __init__(self, cursor: Any, commands: list[Command]) -> None:
        self._cursor = cursor
        self.commands = commands

    def balance(self, account: str) -> Balance:
        """The account's totals including what this transaction has moved so far."""
        self._cursor.execute(
            "SELECT b.unit, debits_posted, credits_posted, debits_pending, credits_pending, b.seq "
            "FROM ledger_balances b WHERE account = ?",
            (account,),
        )
        row = self._cursor.fetchone()
        if row is None:
            from .errors import UnknownAccount

            raise UnknownAccount(account)
        return Balance(account, *row)

    def fact(self, fact_type: str, subject: str) -> Optional[dict[str, Any]]:
        """The latest data of a fact series, including revisions this transaction writes."""
        self._cursor.execute(
            "SELECT data FROM ledger_facts WHERE fact_type = ? AND subject = ? ORDER BY seq DESC LIMIT 1",
            (fact_type, subject),
        )
        row = self._cursor.fetchone()
        return None if row is None else json.loads(row[0])


class PluginHost:
    """The plugins of one ``Ledger`` (or of one CLI run), loaded once."""

    def __init__(self, plugins: Iterable[Any] = (), *, load_entrypoints: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._impl_cache: dict[str, list[Any]] = {}
        self.pm.add_hookspecs(hookspecs)
        if load_entrypoints:
            try:
                self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
            except Exception as exc:  # a broken installed plugin must name itself
                raise PluginError("(entry point)", "load", exc) from exc
        from . import exporters  # the built-in exporters are a plugin like any other

        self.pm.register(exporters, name="ledger.exporters")
        for plugin in plugins:
            if not self.pm.is_registered(plugin):
                self.pm.register(plugin)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(
                exc.plugin if isinstance(exc.plugin, str) else self._name(exc.plugin), "load", exc
            ) from None
        self._refuse_wrappers()
        self.scheme_owners: dict[str, str] = {}
        self.scheme_types = self._collect("ledger_register_schemes", "kind", self.scheme_owners)
        self.fact_types = self._collect("ledger_register_fact_types", "name")

    def _refuse_wrappers(self) -> None:
        for name in dir(self.pm.hook):
            caller = getattr(self.pm.hook, name)
            if not name.startswith("ledger_") or not hasattr(caller, "get_hookimpls"):
                continue
            for impl in caller.get_hookimpls():
                if getattr(impl, "wrapper", False) or getattr(impl, "hookwrapper", False):
                    reason = ValueError("wrapper implementations are not supported by ledger hooks; "
                                        "implement the hook plainly (use tryfirst/trylast to order it)")
                    raise PluginError(impl.plugin_name, name, reason)

    def _name(self, plugin: Any) -> str:
        return self.pm.get_name(plugin) or getattr(plugin, "__name__", repr(plugin))

    def _collect(self, hook: str, key: str, owners: Optional[dict[str, str]] = None) -> dict[str, Any]:
        found: dict[str, Any] = {}
        owners = {} if owners is None else owners
        for name, items in self.call(hook):
            for item in items or ():
                ident = getattr(item, key)
                if ident in found:
                    raise PluginError(name, hook, ValueError(f"{key} {ident!r} is already declared by {owners[ident]}"))
                found[ident], owners[ident] = item, name
        return found

    def _impls(self, hook: str) -> list[Any]:
        # Plugins are registered only while the host is built, so each hook's implementations
        # are looked up once: the gate runs for every command and every batch item.
        impls = self._impl_cache.get(hook)
        if impls is None:
            impls = self._impl_cache[hook] = getattr(self.pm.hook, hook).get_hookimpls()
        return impls

    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of ``hook``; return ``(plugin name, result)`` pairs."""
        results = []
        for impl in reversed(self._impls(hook)):  # pluggy's call order: its list runs last-to-first
            token = HOOK_RUNNING.set((impl.plugin_name, hook))
            try:
                # Positionally, in the implementation's own argument order, as pluggy calls it.
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except RuleViolation as veto:
                veto.plugin = veto.plugin or impl.plugin_name
                raise
            except WriteFromHook:
                raise
            except Exception as exc:
                raise PluginError(impl.plugin_name, hook, exc) from exc
            finally:
                HOOK_RUNNING.reset(token)
            results.append((impl.plugin_name, result))
        return results

    def has(self, hook: str) -> bool:
        return bool(self._impls(hook))

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Call every implementation; log (never raise) what fails. For after-commit hooks."""
        for impl in reversed(self._impls(hook)):
            token = HOOK_RUNNING.set((impl.plugin_name, hook))
            try:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception:
                log.exception("plugin %s failed in %s; the committed command stands", impl.plugin_name, hook)
            finally:
                HOOK_RUNNING.reset(token)

    def provider(self, kind: str) -> str:
        """Who provides scheme ``kind``: ``"distribution version"`` if installed as one, else the plugin's name."""
        name = self.scheme_owners[kind]
        for plugin, dist in self.pm.list_plugin_distinfo():
            if self._name(plugin) == name:
                return f"{dist.metadata['name']} {dist.version}"
        version = _module_version(self.pm.get_plugin(name))
        return f"{name} {version}" if version else name

    def exporters(self) -> dict[str, Exporter]:
        return self._collect("ledger_register_exporters", "name")

    def describe(self) -> list[dict[str, Any]]:
        """Each loaded plugin: name, distribution and version (if installed), what it declares."""
        dists = {self._name(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        rows = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            dist = dists.get(name)
            rows.append(
                {
                    "plugin": name,
                    "distribution": dist.metadata["name"] if dist else None,
                    "version": dist.version if dist else _module_version(plugin),
                    "schemes": sorted(
                        k for k, t in self.scheme_types.items() if self._declares(plugin, "ledger_register_schemes", t)
                    ),
                    "facts": sorted(
                        k for k, t in self.fact_types.items() if self._declares(plugin, "ledger_register_fact_types", t)
                    ),
                }
            )
        return rows

    def _declares(self, plugin: Any, hook: str, item: Any) -> bool:
        impl = getattr(plugin, hook, None)
        return impl is not None and item in (impl() or ())


def _module_version(plugin: Any) -> Optional[str]:
    module = getattr(plugin, "__name__", "").split(".")[0]
    try:
        return metadata.version(module) if module else None
    except metadata.PackageNotFoundError:
        return getattr(plugin, "__version__", None)


__all__ = [
    "Command", "Exporter", "FactType", "PluginHost", "ReadOnlyLedger", "SchemeType", "TransactionView",
]
