"""Deciding commands: validated arguments in, aggregates with new events and a WriteSet out.

Nothing here writes. A ``Planner`` reads current state (read-model rows for account
rules, aggregates for holds), asks the plugins (``ledger_validate_command``,
``ledger_before_commit``), lets the aggregates check their rules, and describes the
balance movements each new event causes. Limits are checked later, inside the write
transaction, against the balance rows themselves.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Optional

from ledger_audit import CanonicalFormError, canonical_bytes

from . import schemas
from .domain import Account, Fact, Hold, Scheme, Transfer, issuer_of, stream_id
from .errors import (
    AccountClosed,
    AccountExists,
    AlreadyReversed,
    HoldNotPending,
    IdExists,
    SchemeExists,
    UnitMismatch,
    UnknownAccount,
    UnknownFactType,
    UnknownHold,
    UnknownSchemeKind,
    UnknownTransfer,
    ValidationError,
)
from .plugins import Command, SchemeType, TransactionView
from .results import AccountInfo, HoldResult, SchemeInfo
from .store.writeset import EventKey, Posting, WriteSet

if TYPE_CHECKING:
    from .ledger import Ledger

Decision = tuple[list[Any], WriteSet]
BASIC = SchemeType(kind="basic", unit="", step=1, floor=0, ceiling=None, description="no plugin rules")


def new_id() -> str:
    return uuid.uuid4().hex


def key(aggregate: Any) -> EventKey:
    """The (stream, version) of the aggregate's latest pending event."""
    return (aggregate.id, aggregate.version)


def as_json(data: dict[str, Any]) -> str:
    return canonical_bytes(data).decode("utf-8")


@dataclass
class Plan:
    """One decision in the making: aggregates to save and what they do to the read models."""

    ws: WriteSet = field(default_factory=WriteSet)
    aggregates: list[Any] = field(default_factory=list)
    _added: set[int] = field(default_factory=set)
    holds: dict[str, Hold] = field(default_factory=dict)
    facts: dict[Any, Fact] = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)
    results: list[tuple[EventKey, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, aggregate: Any) -> EventKey:
        if id(aggregate) not in self._added:
            self._added.add(id(aggregate))
            self.aggregates.append(aggregate)
        return key(aggregate)

    def move(self, k: EventKey, kind: str, ref: str, debit: str, credit: str, memo: str, **amounts: int) -> None:
        """Record one event's effect on both accounts (amounts named from the debit side)."""
        posted, pending, released = amounts.get("posted", 0), amounts.get("pending", 0), amounts.get("released", 0)
        self.ws.postings.append(
            Posting(k, debit, kind, ref, credit, memo, debits_posted=posted, debits_pending=pending - released)
        )
        self.ws.postings.append(
            Posting(k, credit, kind, ref, debit, memo, credits_posted=posted, credits_pending=pending - released)
        )

    def finish(self, single: bool = True) -> Decision:
        results = self.results

        def build(seqs: dict[EventKey, int]) -> dict[str, Any]:
            items = [{**data, "seq": seqs[k], "type": kind} for k, kind, data in results]
            return items[0] if single else {"items": items}

        self.ws.finish = build
        return self.aggregates, self.ws


class Planner:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.host = ledger.plugins

    # -- the plugin gate every command passes --------------------------------------------

    def _vet(
        self, plan: Plan, name: str, args: dict[str, Any], schemes: dict[str, SchemeInfo], added_by: Optional[str]
    ) -> Command:
        command = Command(name, MappingProxyType(dict(args)), MappingProxyType(schemes), added_by)
        self.host.call("ledger_validate_command", ledger=self.ledger, command=command)
        plan.commands.append(command)
        return command

    def _extend(self, plan: Plan, command: Command) -> None:
        """Plan what plugins add to a top-level command, in the same transaction."""
        if command.added_by is not None:
            return
        for plugin, items in self.host.call("ledger_before_commit", ledger=self.ledger, command=command):
            for item in self.ledger._load_items(list(items or ()), f"items added by {plugin}"):
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
        )
        account = Account(account_id=info.issuer, scheme=name, unit=unit, owner=name, floor=None, ceiling=None)
        row = (name, info.kind, unit, info.step, info.floor, info.ceiling, info.issuer)
        plan.ws.schemes.append((plan.add(scheme), row))
        plan.ws.accounts.append((plan.add(account), (info.issuer, name, unit, name, None, None)))
        plan.results.append((key(scheme), "scheme", info.to_dict()))
        self._extend(plan, command)
        return self._seal(plan)

    def open_account(self, args: dict[str, Any]) -> Decision:
        scheme = self.ledger.scheme_info(args["scheme"])
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
            raise UnknownFactType(args["fact_type"])
        data = schemas.load(fact_type.schema, f"record_fact {fact_type.name}", args["data"])
        try:
            encoded = as_json(data)
        except CanonicalFormError as exc:
            raise ValidationError(f"record_fact {fact_type.name}", {f"data{exc.path[1:]}": [exc.rule]}) from None
        command = self._vet(plan, "record_fact", {**args, "data": data}, {}, added_by)
        stream = Fact.create_id(fact_type.name, args["subject"])
        fact = plan.facts.get(stream) or self.ledger._load(stream)
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

    # -- movements ------------------------------------------------------------------

    def one(self, kind: str, args: dict[str, Any]) -> Decision:
        plan = Plan()
        getattr(self, f"_{kind}")(plan, args)
        return self._seal(plan)

    def batch(self, items: list[dict[str, Any]]) -> Decision:
        plan = Plan()
        for item in items:
            getattr(self, f"_{item['type']}")(plan, item)
        return self._seal(plan, single=False)

    def _pair(self, debit: str, credit: str, amount: Optional[int], command: str) -> tuple[str, dict[str, SchemeInfo]]:
        """Check both accounts exist, are open, share a unit and the amount fits the scheme's step.

        The closed flag is checked again inside the write transaction, so a close racing
        this command cannot slip through.
        """
        rows = self.ledger._rows(
            "SELECT account, unit, closed, scheme FROM ledger_accounts WHERE account IN (?, ?)", (debit, credit)
        )
        found = {r[0]: r for r in rows}
        for account in (debit, credit):
            if account not in found:
                raise UnknownAccount(account)
            if found[account][2]:
                raise AccountClosed(account)
        if found[debit][1] != found[credit][1]:
            raise UnitMismatch(debit, found[debit][1], credit, found[credit][1])
        schemes = {account: self.ledger.scheme_info(found[account][3]) for account in (debit, credit)}
        for scheme in schemes.values():
            if amount is not None and amount % scheme.step:
                raise ValidationError(
                    command, {"amount": [f"must be a multiple of {scheme.step} in scheme {scheme.name!r}."]}
                )
        return found[debit][1], schemes

    def _transfer(
        self, plan: Plan, args: dict[str, Any], reverses: Optional[str] = None, added_by: Optional[str] = None
    ) -> None:
        name = "reverse" if reverses else "transfer"
        unit, schemes = self._pair(args["debit"], args["credit"], args["amount"], name)
        tid = args.get("transfer_id") or new_id()
        # A generated id cannot be taken; a chosen one is checked here for a clear error
        # (and the transfer's stream would collide in the database anyway).
        if args.get("transfer_id") and self.ledger._rows(
            "SELECT 1 FROM ledger_transfers WHERE transfer_id = ?", (tid,)
        ):
            raise (AlreadyReversed(reverses) if reverses else IdExists("transfer", tid))
        fields = dict(
            transfer_id=tid,
            debit=args["debit"],
            credit=args["credit"],
            amount=args["amount"],
            unit=unit,
            code=args.get("code", ""),
            memo=args.get("memo", ""),
            details=args.get("details") or {},
        )
        command = self._vet(plan, name, {**fields, "reverses": reverses}, schemes, added_by)
        transfer = Transfer(**fields, request_id=args.get("request_id"), reverses=reverses)
        k = plan.add(transfer)
        if args.get("personal"):
            plan.ws.personal.append(k)
        plan.move(
            k,
            "reversal" if reverses else "transfer",
            tid,
            fields["debit"],
            fields["credit"],
            fields["memo"],
            posted=fields["amount"],
        )
        row = (
            tid,
            fields["debit"],
            fields["credit"],
            fields["amount"],
            unit,
            fields["code"],
            fields["memo"],
            as_json(fields["details"]),
            reverses,
        )
        plan.ws.transfers.append((k, row))
        plan.results.append((k, "transfer", {**fields, "reverses": reverses}))
        self._extend(plan, command)

    def _hold(self, plan: Plan, args: dict[str, Any], added_by: Optional[str] = None) -> None:
        unit, schemes = self._pair(args["debit"], args["credit"], args["amount"], "hold")
        hid = args.get("hold_id") or new_id()
        if hid in plan.holds or self.ledger._load(stream_id("hold", hid)) is not None:
            raise IdExists("hold", hid)
        deadline = self.ledger._deadline(args)
        fields = dict(
            hold_id=hid,
            debit=args["debit"],
            credit=args["credit"],
            amount=args["amount"],
            unit=unit,
            code=args.get("code", ""),
            memo=args.get("memo", ""),
            details=args.get("details") or {},
        )
        command = self._vet(plan, "hold", {**fields, "expires_at": deadline}, schemes, added_by)
        hold = Hold(**fields, expires_at=deadline, request_id=args.get("request_id"))
        plan.holds[hid] = hold
        k = plan.add(hold)
        if args.get("personal"):
            plan.ws.personal.append(k)
        plan.move(k, "hold", hid, hold.debit, hold.credit, hold.memo, pending=hold.amount)
        expires = self.ledger._ts(deadline) if deadline else None
        row = (hid, hold.debit, hold.credit, hold.amount, unit, hold.code, hold.memo, as_json(hold.details), expires)
        plan.ws.holds.append((k, row))
        plan.results.append((k, "hold", self._hold_result(hold)))
        self._extend(plan, command)

    def _existing_hold(self, plan: Plan, hold_id: str) -> Hold:
        if hold_id in plan.holds:  # placed or touched earlier in this same batch
            return plan.holds[hold_id]
        hold = self.ledger._load(stream_id("hold", hold_id))
        if hold is None:
            raise UnknownHold(hold_id)
        plan.holds[hold_id] = hold
        return hold

    def _hold_command(
        self, plan: Plan, name: str, hold: Hold, args: dict[str, Any], added_by: Optional[str]
    ) -> Command:
        facts = dict(debit=hold.debit, credit=hold.credit, held=hold.amount, code=hold.code, details=hold.details)
        _, schemes = self._pair(hold.debit, hold.credit, None, name)
        return self._vet(plan, name, {**args, **facts}, schemes, added_by)

    def _post(self, plan: Plan, args: dict[str, Any], added_by: Optional[str] = None) -> None:
        hold = self._existing_hold(plan, args["hold_id"])
        hold.check_pending()
        command = self._hold_command(plan, "post", hold, args, added_by)
        posted = hold.post(args.get("amount"), self.ledger.clock(), args.get("request_id"))
        self._settled(plan, hold, "post", posted=posted, released=hold.amount)
        # What a post moved is a transfer like any other (TigerBeetle's model), so
        # transfers() lists it and reverse() undoes it: id "hold:<hold id>".
        row = (f"hold:{hold.hold_id}", hold.debit, hold.credit, posted, hold.unit, hold.code, hold.memo,
               as_json(hold.details), None)
        plan.ws.transfers.append((key(hold), row))
        self._extend(plan, command)

    def _void(self, plan: Plan, args: dict[str, Any], added_by: Optional[str] = None) -> None:
        hold = self._existing_hold(plan, args["hold_id"])
        hold.check_pending()
        command = self._hold_command(plan, "void", hold, args, added_by)
        hold.void(args.get("reason", ""), args.get("request_id"))
        self._settled(plan, hold, "void", released=hold.amount)
        self._extend(plan, command)

    def _settled(self, plan: Plan, hold: Hold, kind: str, posted: int = 0, released: int = 0) -> None:
        k = plan.add(hold)
        plan.move(k, kind, hold.hold_id, hold.debit, hold.credit, hold.memo, posted=posted, released=released)
        plan.ws.hold_updates.append((k, hold.hold_id, hold.status, hold.posted))
        plan.results.append((k, kind, self._hold_result(hold)))

    def _hold_result(self, hold: Hold) -> dict[str, Any]:
        expires = self.ledger._ts(hold.expires_at) if hold.expires_at else None
        return HoldResult(
            hold.hold_id,
            hold.debit,
            hold.credit,
            hold.amount,
            hold.unit,
            hold.status,
            hold.posted,
            expires,
            0,
            hold.code,
            hold.memo,
            hold.details,
        ).to_dict()

    def reverse(self, args: dict[str, Any]) -> Decision:
        """A new transfer the other way, naming the original; a posted hold is the transfer ``hold:<id>``."""
        original = args["transfer_id"] if args["transfer_id"] is not None else f"hold:{args['hold_id']}"
        rows = self.ledger._rows(
            "SELECT debit, credit, amount, code, details FROM ledger_transfers WHERE transfer_id = ?", (original,)
        )
        if not rows:
            if args["hold_id"] is None:
                raise UnknownTransfer(original)
            hold = self.ledger._load(stream_id("hold", args["hold_id"]))
            if hold is None:
                raise UnknownHold(args["hold_id"])
            raise HoldNotPending(hold.hold_id, hold.status)
        debit, credit, amount, code, details = rows[0]
        plan = Plan()
        item = dict(debit=credit, credit=debit, amount=amount, code=code, memo=args["reason"],
                    details=json.loads(details), transfer_id=f"{original}:reversal", request_id=args.get("request_id"))
        self._transfer(plan, item, reverses=original)
        return self._seal(plan)

    def expire(self, hold_ids: list[str], now: datetime) -> Decision:
        """Expiry is the ledger's own housekeeping: plugins are not asked, deadlines are final."""
        plan = Plan()
        expired = []
        for hold_id in hold_ids:
            hold = self._existing_hold(plan, hold_id)
            if hold.status == "held" and hold.is_due(now):
                hold.expire(now)
                self._settled(plan, hold, "expire", released=hold.amount)
                expired.append(hold_id)
        aggregates, ws = plan.finish(single=False)
        ws.finish = lambda seqs: {"expired": expired}
        return aggregates, ws


def details_of(text: Optional[str]) -> dict[str, Any]:
    return json.loads(text) if text else {}


__all__ = ["Decision", "Planner", "details_of"]
