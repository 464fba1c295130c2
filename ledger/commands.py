"""Deciding commands: validated arguments in, aggregates with new events and a WriteSet out.

Nothing here writes. A ``Planner`` reads current state (read-model rows for account
rules, aggregates for holds), asks the plugins (``ledger_validate_command``,
``ledger_before_commit``), lets the aggregates check their rules, and describes the
balance movements each new event causes. Limits are checked later, inside the write
transaction, against the balance rows themselves.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Optional

from ledger_audit import CanonicalFormError

from . import schemas
from .domain import Account, Fact, Scheme, issuer_of, stream_id
from .errors import (
    AccountClosed,
    AccountExists,
    FactVersionConflict,
    SchemeExists,
    SchemePluginMissing,
    UnknownAccount,
    UnknownFactType,
    UnknownSchemeKind,
    ValidationError,
)
from .movements import Movements
from .plan import Decision, Plan, StaleRead, as_json, key
from .plugins import Command, ReadOnlyLedger, SchemeType, TransactionView
from .results import AccountInfo, SchemeInfo

if TYPE_CHECKING:
    from .ledger import Ledger

BASIC = SchemeType(kind="basic", unit="", step=1, floor=0, ceiling=None, description="no plugin rules")

class Planner(Movements):
    """Decides every command; movements (transfers, holds, reversals, expiry) are in ``movements.py``."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.host = ledger.plugins
        #: What hooks are given: the ledger's queries; writes are refused (WriteFromHook).
        self.view = ReadOnlyLedger(ledger)

    # -- the plugin gate every command passes --------------------------------------------

    def _vet(
        self, plan: Plan, name: str, args: dict[str, Any], schemes: dict[str, SchemeInfo], added_by: Optional[str]
    ) -> Command:
        command = Command(name, MappingProxyType(dict(args)), MappingProxyType(schemes), added_by)
        self.host.call("ledger_validate_command", ledger=self.view, command=command)
        plan.commands.append(command)
        return command

    def _extend(self, plan: Plan, command: Command) -> None:
        """Plan what plugins add to a top-level command, in the same transaction."""
        if command.added_by is not None:
            return
        for plugin, items in self.host.call("ledger_before_commit", ledger=self.view, command=command):
            loaded = self.ledger._load_items(list(items or ()), f"items added by {plugin}")
            for i, item in enumerate(loaded):
                if item.get("request_id") is not None:
                    # Added items commit with the command: its own request id already covers them.
                    rule = ["must not be given: items a plugin adds are covered by the command's request id."]
                    raise ValidationError(f"items added by {plugin}", {f"items[{i}].request_id": rule})
            for item in loaded:
                getattr(self, f"_{item['type']}")(plan, item, added_by=plugin)

    def _seal(self, plan: Plan, single: bool = True) -> Decision:
        if self.host.has("ledger_check_transaction"):
            commands = list(plan.commands)
            plan.ws.checks.append(
                lambda cursor: self.host.call("ledger_check_transaction", view=TransactionView(cursor, commands))
            )
        return plan.finish(single)

    # -- schemes, accounts, facts -----------------------------------------------------------

    def register_scheme(self, args: dict[str, Any]) -> Decision:
        name = args["name"]
        if self.ledger.scheme_info(name, missing_ok=True) is not None:
            raise SchemeExists(name)
        kind = BASIC if args["kind"] == "basic" else self.host.scheme_types.get(args["kind"])
        if kind is None:
            raise UnknownSchemeKind(args["kind"])
        unit = args.get("unit") or kind.unit
        if not unit:
            raise ValidationError("register_scheme", {"unit": ["Missing data for required field."]})
        info = SchemeInfo(
            name,
            unit,
            args.get("floor", kind.floor),
            args.get("ceiling", kind.ceiling),
            issuer_of(name),
            0,
            kind.kind,
            args.get("step", kind.step),
        )
        if info.floor is not None and info.ceiling is not None and info.floor > info.ceiling:
            raise ValidationError("register_scheme", {"floor": ["must not exceed the ceiling."]})
        plan = Plan()
        command = self._vet(plan, "register_scheme", {**args, **info.to_dict()}, {}, None)
        scheme = Scheme(
            name=name,
            kind=info.kind,
            unit=unit,
            step=info.step,
            floor=info.floor,
            ceiling=info.ceiling,
            issuer=info.issuer,
            plugin=None if info.kind == "basic" else self.host.provider(info.kind),
        )
        account = Account(account_id=info.issuer, scheme=name, unit=unit, owner=name, floor=None, ceiling=None)
        row = (name, info.kind, unit, info.step, info.floor, info.ceiling, info.issuer)
        plan.ws.schemes.append((plan.add(scheme), row))
        plan.ws.accounts.append((plan.add(account), (info.issuer, name, unit, name, None, None)))
        plan.results.append((key(scheme), "scheme", info.to_dict()))
        self._extend(plan, command)
        return self._seal(plan)

    def writable(self, scheme: SchemeInfo) -> None:
        """Refuse a write in a scheme whose kind's plugin is not loaded: its rules would be skipped."""
        if scheme.kind != "basic" and scheme.kind not in self.host.scheme_types:
            aggregate = self.ledger._load(Scheme.create_id(scheme.name))
            plugin = getattr(aggregate, "plugin", None) or f"the plugin that provides kind {scheme.kind!r}"
            raise SchemePluginMissing(scheme.name, scheme.kind, plugin)

    def _missing_provider(self, fact_type: str) -> Optional[str]:
        """The plugin a ledger's scheme kind was registered with, when a fact type is named after
        that kind (``grants.fund.v1`` for kind ``grants``) and its plugin is not loaded here."""
        kind = fact_type.split(".", 1)[0]
        for scheme in self.ledger.schemes():
            if scheme.kind == kind and kind not in self.host.scheme_types:
                plugin = getattr(self.ledger._load(Scheme.create_id(scheme.name)), "plugin", None)
                return plugin or f"the plugin that provides kind {kind!r}"
        return None

    def open_account(self, args: dict[str, Any]) -> Decision:
        scheme = self.ledger.scheme_info(args["scheme"])
        self.writable(scheme)
        if self.ledger.account(args["account"], missing_ok=True) is not None:
            raise AccountExists(args["account"])
        floor = args.get("floor", scheme.floor)
        ceiling = args.get("ceiling", scheme.ceiling)
        row = (args["account"], scheme.name, scheme.unit, args["owner"], floor, ceiling)
        plan = Plan()
        command = self._vet(
            plan, "open_account", {**args, "floor": floor, "ceiling": ceiling}, {args["account"]: scheme}, None
        )
        account = Account(account_id=row[0], scheme=row[1], unit=row[2], owner=row[3], floor=floor, ceiling=ceiling)
        plan.ws.accounts.append((plan.add(account), row))
        if args.get("personal") if args.get("personal") is not None else bool(args["owner"]):
            plan.ws.personal.append(key(account))
        info = dict(zip(("account", "scheme", "unit", "owner", "floor", "ceiling"), row), closed=False)
        plan.results.append((key(account), "account", info))
        self._extend(plan, command)
        return self._seal(plan)

    def _account_aggregate(self, account_id: str) -> Account:
        account = self.ledger._load(stream_id("account", account_id))
        if account is None:
            raise UnknownAccount(account_id)
        self.writable(self.ledger.scheme_info(account.scheme))
        if account.closed:
            raise AccountClosed(account.account_id)
        return account

    def change_limits(self, args: dict[str, Any]) -> Decision:
        account = self._account_aggregate(args["account"])
        plan = Plan()
        command = self._vet(
            plan, "change_limits", args, {account.account_id: self.ledger.scheme_info(account.scheme)}, None
        )
        account.change_limits(floor=args["floor"], ceiling=args["ceiling"], reason=args["reason"])
        return self._account_changed(plan, command, account)

    def close_account(self, args: dict[str, Any]) -> Decision:
        account = self._account_aggregate(args["account"])
        plan = Plan()
        command = self._vet(
            plan, "close_account", args, {account.account_id: self.ledger.scheme_info(account.scheme)}, None
        )
        account.close(reason=args["reason"])
        plan.ws.must_be_empty.append(account.account_id)
        return self._account_changed(plan, command, account)

    def _account_changed(self, plan: Plan, command: Command, account: Account) -> Decision:
        k = plan.add(account)
        plan.ws.account_updates.append((account.account_id, account.floor, account.ceiling, int(account.closed)))
        info = AccountInfo(
            account.account_id,
            account.scheme,
            account.unit,
            account.owner,
            account.floor,
            account.ceiling,
            account.closed,
            0,
        )
        plan.results.append((k, "account", info.to_dict()))
        self._extend(plan, command)
        return self._seal(plan)

    def record_fact(self, args: dict[str, Any]) -> Decision:
        plan = Plan()
        self._fact(plan, args)
        return self._seal(plan)

    def _fact(self, plan: Plan, args: dict[str, Any], added_by: Optional[str] = None) -> None:
        """A fact, alone or as a batch item (a campaign's state changing with its settlement)."""
        fact_type = self.host.fact_types.get(args["fact_type"])
        if fact_type is None:
            raise UnknownFactType(args["fact_type"], self._missing_provider(args["fact_type"]))
        data = schemas.load(fact_type.schema, f"record_fact {fact_type.name}", args["data"])
        try:
            encoded = as_json(data)
        except CanonicalFormError as exc:
            raise ValidationError(f"record_fact {fact_type.name}", {f"data{exc.path[1:]}": [exc.rule]}) from None
        command = self._vet(plan, "record_fact", {**args, "data": data}, {}, added_by)
        stream = Fact.create_id(fact_type.name, args["subject"])
        fact = plan.facts.get(stream) or self.ledger._load(stream)
        if stream not in plan.fact_base:
            plan.fact_base[stream] = 0 if fact is None else fact.version
        # expected_version speaks of the last commit (what a reader can have seen), not of
        # revisions earlier in this same command.
        expected, current = args.get("expected_version"), plan.fact_base[stream]
        if expected is not None and expected != current:
            if added_by is None:
                raise FactVersionConflict(fact_type.name, args["subject"], expected, current)
            # A plugin computed the data from an older version of the series: deciding the
            # command again lets it compute from fresh state.
            raise StaleRead(stream)
        if fact is None:
            fact = Fact(fact_type=fact_type.name, subject=args["subject"], data=data)
        else:
            fact.revise(data=data)
        plan.facts[stream] = fact
        k = plan.add(fact)
        if args.get("personal"):
            plan.ws.personal.append(k)
        plan.ws.facts.append((k, (fact_type.name, args["subject"], fact.version, encoded)))
        result = {"fact_type": fact_type.name, "subject": args["subject"], "version": fact.version, "data": data}
        plan.results.append((k, "fact", result))
        self._extend(plan, command)


__all__ = ["Decision", "Planner"]
