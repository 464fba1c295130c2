"""Deciding movements: transfers, holds and their settlement, reversals, expiry.

Mixed into ``commands.Planner``, which provides the plugin gate (``_vet``,
``_extend``, ``_seal``) and the ``Plan`` these methods fill.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from .domain import Hold, Transfer, stream_id
from .errors import (
    AccountClosed,
    AlreadyReversed,
    HoldNotPending,
    IdExists,
    UnitMismatch,
    UnknownAccount,
    UnknownHold,
    UnknownTransfer,
    ValidationError,
)
from .plan import Decision, Plan, as_json, key, new_id
from .plugins import Command
from .requests import DECIDING_REQUEST, ITEM_COMMANDS, request_event
from .requests import digest as request_digest
from .results import HoldResult, SchemeInfo
from .store.writeset import RequestRecord

if TYPE_CHECKING:
    from .ledger import Ledger


class Movements:
    ledger: Ledger

    def one(self, kind: str, args: dict[str, Any]) -> Decision:
        plan = Plan()
        getattr(self, f"_{kind}")(plan, args)
        return self._seal(plan)

    def batch(self, items: list[dict[str, Any]]) -> Decision:
        """Plan every item; an item's own request id is honoured as a standalone command's is.

        Already committed with the same command and arguments: the item is not planned again
        and its first answer stands in the batch's result. Committed with other arguments:
        ``DuplicateRequest``. Two items with one id: refused before anything is planned.
        """
        plan = Plan()
        first_with: dict[str, int] = {}
        batch_id = DECIDING_REQUEST.get()
        for i, item in enumerate(items):
            if batch_id is not None and item.get("request_id") == batch_id:
                raise ValidationError(
                    "batch", {f"items[{i}].request_id": ["is the batch's own request id; give the item another."]}
                )
            request_id = item.get("request_id")
            if request_id is not None and request_id in first_with:
                raise ValidationError(
                    "batch",
                    {f"items[{i}].request_id": [f"repeats the request id of items[{first_with[request_id]}]."]},
                )
            if request_id is not None:
                first_with[request_id] = i
        for item in items:
            request_id = item.get("request_id")
            if request_id is None:
                getattr(self, f"_{item['type']}")(plan, item)
                continue
            command = ITEM_COMMANDS[item["type"]]
            digest = request_digest(command, {k: v for k, v in item.items() if k != "type"})
            answered = self.ledger._requests.answer(request_id, command, digest)
            if answered is not None:
                plan.results.append((self.ledger._requests.ref_of(answered["seq"]), None, answered))
                continue
            index = len(plan.results)
            getattr(self, f"_{item['type']}")(plan, item)
            request = request_event(request_id, command, digest, [plan.results[index][0]])
            plan.ws.requests.append(RequestRecord(request_id, command, digest, plan.add(request), index))
        return self._seal(plan, single=False)

    def _pair(
        self, debit: str, credit: str, amount: Optional[int], command: str, plan: Optional[Plan] = None
    ) -> tuple[str, dict[str, SchemeInfo]]:
        """Check both accounts exist, are open, share a unit and the amount fits the scheme's step.

        The closed flag is checked again inside the write transaction, so a close racing
        this command cannot slip through. Rows read for a ``plan`` are kept in it: no item
        of a batch opens or closes an account, so a batch reads each account once.

        Rows are also remembered across commands (``Ledger._account_rows``): an account is
        never deleted, and its unit and scheme never change. Only ``closed`` can change, once,
        and for good: a close committed through this ledger drops the row, and one committed
        by another process is caught by that in-transaction check (``AccountClosed`` all the same).
        """
        found = plan.accounts if plan is not None else {}
        known = self.ledger._account_rows
        for account in (debit, credit):
            if account not in found and account in known:
                found[account] = known[account]
        if debit not in found or credit not in found:
            rows = self.ledger._rows(
                "SELECT account, unit, closed, scheme FROM ledger_accounts WHERE account IN (?, ?)", (debit, credit)
            )
            found.update((r[0], tuple(r)) for r in rows)
            known.update((r[0], tuple(r)) for r in rows)
        for account in (debit, credit):
            if account not in found:
                raise UnknownAccount(account)
            if found[account][2]:
                raise AccountClosed(account)
        if found[debit][1] != found[credit][1]:
            raise UnitMismatch(debit, found[debit][1], credit, found[credit][1])
        schemes = {account: self.ledger.scheme_info(found[account][3]) for account in (debit, credit)}
        for scheme in schemes.values():
            self.writable(scheme)  # type: ignore[attr-defined]
            if amount is not None and amount % scheme.step:
                raise ValidationError(
                    command, {"amount": [f"must be a multiple of {scheme.step} in scheme {scheme.name!r}."]}
                )
        return found[debit][1], schemes

    def _transfer(
        self, plan: Plan, args: dict[str, Any], reverses: Optional[str] = None, added_by: Optional[str] = None
    ) -> None:
        name = "reverse" if reverses else "transfer"
        unit, schemes = self._pair(args["debit"], args["credit"], args["amount"], name, plan)
        tid = args.get("transfer_id") or new_id()
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
        # After the plugins, so a scheme's own rule about a taken id (duplicate evidence) speaks
        # first. A generated id cannot be taken; a chosen one is checked for a clear error (its
        # stream would collide in the database anyway).
        if args.get("transfer_id") and self.ledger._rows(
            "SELECT 1 FROM ledger_transfers WHERE transfer_id = ?", (tid,)
        ):
            raise (AlreadyReversed(reverses) if reverses else IdExists("transfer", tid))
        # The event class named directly: the aggregate metaclass's call would first map
        # positional arguments and filter keywords by signature, a third of creating one.
        transfer = Transfer._create(
            Transfer.Created, id=Transfer.create_id(tid), **fields, request_id=args.get("request_id"), reverses=reverses
        )
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
        unit, schemes = self._pair(args["debit"], args["credit"], args["amount"], "hold", plan)
        hid = args.get("hold_id") or new_id()
        if hid in plan.holds or self.ledger._load(stream_id("hold", hid)) is not None:
            raise IdExists("hold", hid)
        try:
            deadline = self.ledger._deadline(args)
            expires = self.ledger._ts(deadline) if deadline else None
        except OverflowError:
            field = "timeout" if args.get("timeout") is not None else "expires_at"
            raise ValidationError("hold", {field: ["must be a time within years 1 to 9999 in UTC."]}) from None
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
        _, schemes = self._pair(hold.debit, hold.credit, None, name, plan)
        return self._vet(plan, name, {**args, **facts}, schemes, added_by)

    def _post(self, plan: Plan, args: dict[str, Any], added_by: Optional[str] = None) -> None:
        hold = self._existing_hold(plan, args["hold_id"])
        hold.check_pending()
        command = self._hold_command(plan, "post", hold, args, added_by)
        posted = hold.post(args.get("amount"), self.ledger.clock(), args.get("request_id"))
        self._settled(plan, hold, "post", posted=posted, released=hold.amount)
        # What a post moved is a transfer like any other (TigerBeetle's model), so
        # transfers() lists it and reverse() undoes it: id "hold:<hold id>".
        row = (
            f"hold:{hold.hold_id}",
            hold.debit,
            hold.credit,
            posted,
            hold.unit,
            hold.code,
            hold.memo,
            as_json(hold.details),
            None,
        )
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

    def _reverse(self, plan: Plan, args: dict[str, Any], added_by: Optional[str] = None) -> None:
        """A new transfer the other way, naming the original; a posted hold is the transfer ``hold:<id>``.

        The original is read from the last commit: a transfer made earlier in the same batch
        cannot be reversed in it (nor would that mean anything).
        """
        original = args["transfer_id"] if args.get("transfer_id") is not None else f"hold:{args['hold_id']}"
        # Read from the original's own stream, never from the read model: a row planted in
        # ledger_transfers must not become a real reversal.
        if args.get("transfer_id") is not None:
            source = self.ledger._load(Transfer.create_id(original))
            if source is None:
                raise UnknownTransfer(original)
            amount = source.amount
        else:
            source = self.ledger._load(stream_id("hold", args["hold_id"]))
            if source is None:
                raise UnknownHold(args["hold_id"])
            if source.status != "posted":
                raise HoldNotPending(source.hold_id, source.status)
            amount = source.posted
        debit, credit, code, details = source.debit, source.credit, source.code, source.details
        personal = self.ledger._rows(
            "SELECT 1 FROM ledger_personal p JOIN ledger_transfers t ON t.seq = p.seq WHERE t.transfer_id = ?",
            (original,),
        )
        item = dict(
            debit=credit,
            credit=debit,
            amount=amount,
            code=code,
            memo=args["reason"],
            details=dict(details),
            transfer_id=f"{original}:reversal",
            request_id=args.get("request_id"),
            # Undoing a personal movement names the same people: its body is withheld alike.
            personal=bool(personal),
        )
        self._transfer(plan, item, reverses=original, added_by=added_by)

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
