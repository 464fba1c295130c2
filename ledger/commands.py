"""Deciding commands: validated arguments in, aggregates with new events and a WriteSet out.

Nothing here writes. A ``Planner`` reads current state (read-model rows for account
rules, aggregates for holds), lets the aggregates check their rules, and describes
the balance movements each new event causes. Limits are checked later, inside the
write transaction, against the balance rows themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from .domain import Account, Hold, Scheme, Transfer, issuer_of, stream_id
from .errors import (
    AccountClosed,
    AccountExists,
    AlreadyReversed,
    HoldNotPending,
    IdExists,
    SchemeExists,
    UnitMismatch,
    UnknownAccount,
    UnknownHold,
    UnknownTransfer,
)
from .results import AccountInfo, HoldResult, SchemeInfo, TransferResult
from .store.writeset import EventKey, Posting, WriteSet

if TYPE_CHECKING:
    from .ledger import Ledger

Decision = tuple[list[Any], WriteSet]


def new_id() -> str:
    return uuid.uuid4().hex


def key(aggregate: Any) -> EventKey:
    """The (stream, version) of the aggregate's latest pending event."""
    return (aggregate.id, aggregate.version)


@dataclass
class Plan:
    """One decision in the making: aggregates to save and what they do to the read models."""

    ws: WriteSet = field(default_factory=WriteSet)
    aggregates: list[Any] = field(default_factory=list)
    _added: set[int] = field(default_factory=set)
    holds: dict[str, Hold] = field(default_factory=dict)
    results: list[tuple[EventKey, type, dict[str, Any]]] = field(default_factory=list)

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

    # -- schemes and accounts -------------------------------------------------------

    def register_scheme(self, args: dict[str, Any]) -> Decision:
        name = args["name"]
        if self.ledger.scheme_info(name, missing_ok=True) is not None:
            raise SchemeExists(name)
        issuer = issuer_of(name)
        plan = Plan()
        scheme = Scheme(name=name, unit=args["unit"], floor=args["floor"], ceiling=args["ceiling"], issuer=issuer)
        account = Account(account_id=issuer, scheme=name, unit=args["unit"], owner=name, floor=None, ceiling=None)
        plan.ws.schemes.append((plan.add(scheme), (name, args["unit"], args["floor"], args["ceiling"], issuer)))
        plan.ws.accounts.append((plan.add(account), (issuer, name, args["unit"], name, None, None)))
        plan.results.append((key(scheme), "scheme", {**args, "issuer": issuer}))
        return plan.finish()

    def open_account(self, args: dict[str, Any]) -> Decision:
        scheme = self.ledger.scheme_info(args["scheme"])
        if self.ledger.account(args["account"], missing_ok=True) is not None:
            raise AccountExists(args["account"])
        floor = args.get("floor", scheme.floor)
        ceiling = args.get("ceiling", scheme.ceiling)
        row = (args["account"], scheme.name, scheme.unit, args["owner"], floor, ceiling)
        account = Account(account_id=row[0], scheme=row[1], unit=row[2], owner=row[3], floor=floor, ceiling=ceiling)
        plan = Plan()
        plan.ws.accounts.append((plan.add(account), row))
        info = dict(zip(("account", "scheme", "unit", "owner", "floor", "ceiling"), row), closed=False)
        plan.results.append((key(account), "account", info))
        return plan.finish()

    def _account_aggregate(self, account_id: str) -> Account:
        account = self.ledger._load(stream_id("account", account_id))
        if account is None:
            raise UnknownAccount(account_id)
        return account

    def change_limits(self, args: dict[str, Any]) -> Decision:
        account = self._account_aggregate(args["account"])
        if account.closed:
            raise AccountClosed(account.account_id)
        account.change_limits(floor=args["floor"], ceiling=args["ceiling"], reason=args["reason"])
        return self._account_changed(account)

    def close_account(self, args: dict[str, Any]) -> Decision:
        account = self._account_aggregate(args["account"])
        if account.closed:
            raise AccountClosed(account.account_id)
        account.close(reason=args["reason"])
        plan = Plan()
        plan.ws.must_be_empty.append(account.account_id)
        return self._account_changed(account, plan)

    def _account_changed(self, account: Account, plan: Optional[Plan] = None) -> Decision:
        plan = plan or Plan()
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
        ).to_dict()
        plan.results.append((k, "account", info))
        return plan.finish()

    # -- movements ------------------------------------------------------------------

    def one(self, kind: str, args: dict[str, Any]) -> Decision:
        plan = Plan()
        getattr(self, f"_{kind}")(plan, args)
        return plan.finish()

    def batch(self, items: list[dict[str, Any]]) -> Decision:
        plan = Plan()
        for item in items:
            getattr(self, f"_{item['type']}")(plan, item)
        return plan.finish(single=False)

    def _pair(self, debit: str, credit: str) -> str:
        """Check both accounts exist, are open and share a unit; return the unit.

        Read from the read model in one statement; the closed flag is checked again inside
        the write transaction, so a close racing this command cannot slip through.
        """
        rows = self.ledger._rows(
            "SELECT account, unit, closed FROM ledger_accounts WHERE account IN (?, ?)", (debit, credit)
        )
        found = {r[0]: (r[1], r[2]) for r in rows}
        for account in (debit, credit):
            if account not in found:
                raise UnknownAccount(account)
            if found[account][1]:
                raise AccountClosed(account)
        if found[debit][0] != found[credit][0]:
            raise UnitMismatch(debit, found[debit][0], credit, found[credit][0])
        return found[debit][0]

    def _transfer(self, plan: Plan, args: dict[str, Any], reverses: Optional[str] = None) -> None:
        unit = self._pair(args["debit"], args["credit"])
        tid = args.get("transfer_id") or new_id()
        # A generated id cannot be taken; a chosen one is checked here for a clear error
        # (and the transfer's stream would collide in the database anyway).
        if args.get("transfer_id") and self.ledger._rows(
            "SELECT 1 FROM ledger_transfers WHERE transfer_id = ?", (tid,)
        ):
            raise (AlreadyReversed(reverses.split(":", 1)[1]) if reverses else IdExists("transfer", tid))
        fields = dict(
            transfer_id=tid,
            debit=args["debit"],
            credit=args["credit"],
            amount=args["amount"],
            unit=unit,
            code=args.get("code", ""),
            memo=args.get("memo", ""),
        )
        transfer = Transfer(**fields, request_id=args.get("request_id"), reverses=reverses)
        k = plan.add(transfer)
        kind = "reversal" if reverses else "transfer"
        plan.move(k, kind, tid, args["debit"], args["credit"], fields["memo"], posted=args["amount"])
        row = (
            tid,
            fields["debit"],
            fields["credit"],
            fields["amount"],
            unit,
            fields["code"],
            fields["memo"],
            reverses,
            None,
        )
        plan.ws.transfers.append((k, row))
        result = {k2: fields[k2] for k2 in ("transfer_id", "debit", "credit", "amount", "unit")}
        plan.results.append((k, "transfer", {**result, "reverses": reverses}))

    def _hold(self, plan: Plan, args: dict[str, Any]) -> None:
        unit = self._pair(args["debit"], args["credit"])
        hid = args.get("hold_id") or new_id()
        if hid in plan.holds or self.ledger._load(stream_id("hold", hid)) is not None:
            raise IdExists("hold", hid)
        deadline = self.ledger._deadline(args)
        hold = Hold(
            hold_id=hid,
            debit=args["debit"],
            credit=args["credit"],
            amount=args["amount"],
            unit=unit,
            code=args.get("code", ""),
            memo=args.get("memo", ""),
            expires_at=deadline,
            request_id=args.get("request_id"),
        )
        plan.holds[hid] = hold
        k = plan.add(hold)
        plan.move(k, "hold", hid, hold.debit, hold.credit, hold.memo, pending=hold.amount)
        expires = self.ledger._ts(deadline) if deadline else None
        plan.ws.holds.append((k, (hid, hold.debit, hold.credit, hold.amount, unit, expires)))
        plan.results.append((k, "hold", self._hold_result(hold)))

    def _existing_hold(self, plan: Plan, hold_id: str) -> Hold:
        if hold_id in plan.holds:  # placed or touched earlier in this same batch
            return plan.holds[hold_id]
        hold = self.ledger._load(stream_id("hold", hold_id))
        if hold is None:
            raise UnknownHold(hold_id)
        plan.holds[hold_id] = hold
        return hold

    def _post(self, plan: Plan, args: dict[str, Any]) -> None:
        hold = self._existing_hold(plan, args["hold_id"])
        posted = hold.post(args.get("amount"), self.ledger.clock(), args.get("request_id"))
        self._settled(plan, hold, "post", posted=posted, released=hold.amount)

    def _void(self, plan: Plan, args: dict[str, Any]) -> None:
        hold = self._existing_hold(plan, args["hold_id"])
        hold.void(args.get("reason", ""), args.get("request_id"))
        self._settled(plan, hold, "void", released=hold.amount)

    def _settled(self, plan: Plan, hold: Hold, kind: str, posted: int = 0, released: int = 0) -> None:
        k = plan.add(hold)
        plan.move(k, kind, hold.hold_id, hold.debit, hold.credit, hold.memo, posted=posted, released=released)
        plan.ws.hold_updates.append((k, hold.hold_id, hold.status, hold.posted))
        plan.results.append((k, kind, self._hold_result(hold)))

    def _hold_result(self, hold: Hold) -> dict[str, Any]:
        expires = self.ledger._ts(hold.expires_at) if hold.expires_at else None
        return HoldResult(
            hold.hold_id, hold.debit, hold.credit, hold.amount, hold.unit, hold.status, hold.posted, expires, 0
        ).to_dict()

    def reverse(self, args: dict[str, Any]) -> Decision:
        if args["transfer_id"] is not None:
            rows = self.ledger._rows(
                "SELECT debit, credit, amount, code FROM ledger_transfers WHERE transfer_id = ?", (args["transfer_id"],)
            )
            if not rows:
                raise UnknownTransfer(args["transfer_id"])
            original = f"transfer:{args['transfer_id']}"
        else:
            rows = self.ledger._rows(
                "SELECT debit, credit, posted, '' FROM ledger_holds WHERE hold_id = ?", (args["hold_id"],)
            )
            if not rows:
                raise UnknownHold(args["hold_id"])
            hold = self.ledger._load(stream_id("hold", args["hold_id"]))
            if hold.status != "posted":
                raise HoldNotPending(hold.hold_id, hold.status)
            original = f"hold:{args['hold_id']}"
        debit, credit, amount, code = rows[0]
        plan = Plan()
        item = dict(
            debit=credit,
            credit=debit,
            amount=amount,
            code=code,
            memo=args["reason"],
            transfer_id=f"{original}:reversal",
            request_id=args.get("request_id"),
        )
        self._transfer(plan, item, reverses=original)
        return plan.finish()

    def expire(self, hold_ids: list[str], now: datetime) -> Decision:
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


__all__ = ["Decision", "Planner", "SchemeInfo", "TransferResult"]
