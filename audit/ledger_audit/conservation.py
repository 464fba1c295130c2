"""Double entry replayed from the published bodies of an export (docs/chain-spec.md §10).

Every value-moving event is a transfer (``ledger.transfer.recorded.v1``: ``debit``,
``credit``, ``amount``, ``unit``) or a step of a two-phase hold on one stream:
``ledger.hold.placed.v1`` (the same four members), then exactly one of
``ledger.hold.posted.v1`` (``amount`` posted, ``released`` returned),
``ledger.hold.voided.v1`` or ``ledger.hold.expired.v1``. A posting moves ``amount`` from
the debit account to the credit account of its unit; a hold moves nothing until it is
posted.

Units come from where the ledger fixes them, never from the movement alone: a scheme's
unit is the ``unit`` of its ``ledger.scheme.registered.v1``, which also opens its issuer
account ``<name>:issuer`` in that unit; every other account's unit is the ``unit`` of its
``ledger.account.opened.v1``, which must be its scheme's. A movement's ``unit`` must equal
both of its accounts' units, and both must be open before it.

Checks: each body has the members and types above (``malformed`` otherwise); amounts
are positive integers and debit and credit differ; units agree, accounts are opened once
and before they move, schemes registered once; a hold is placed once and finished once,
and its posted amount plus its release is exactly what was held (``unbalanced``
otherwise, :class:`~ledger_audit.errors.ConservationError`); at the end every unit's
balances sum to zero.

A withheld body hides what it moved. A withheld hold step whose placement is public is
charged to that placement's unit, and voids and expiries need no body at all (they move
nothing); a withheld transfer, placement-then-posting or still-pending placement could
be in any unit, so it makes *every* unit incomplete. A withheld account opening hides the
account's unit: a movement through an account that no public body opens, after such an
opening, might be one that crosses units, so it too makes every unit incomplete (with no
withheld opening before it, the account was never opened: ``unbalanced``). The report
says so instead of passing: ``complete`` is true only for a unit no hidden body can touch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

from .errors import ConservationError, ExportError
from .events import (
    ACCOUNT_OPENED,
    HOLD_EXPIRED,
    HOLD_PLACED,
    HOLD_POSTED,
    HOLD_VOIDED,
    SCHEME_REGISTERED,
)
from .events import TRANSFER_RECORDED as TRANSFER

VALUE_TYPES = frozenset(
    {SCHEME_REGISTERED, ACCOUNT_OPENED, TRANSFER, HOLD_PLACED, HOLD_POSTED, HOLD_VOIDED, HOLD_EXPIRED}
)
MAX_LISTED = 100  # unattributed sequence numbers and unknown accounts listed in a report; the counts are exact


@dataclass
class UnitTotals:
    """What one unit's published postings add up to."""

    unit: str
    transfers: int = 0
    transferred: int = 0
    holds_placed: int = 0
    held: int = 0
    holds_posted: int = 0
    posted_from_holds: int = 0
    released: int = 0
    holds_voided: int = 0
    holds_expired: int = 0
    pending: int = 0  # held by holds still open at the end
    accounts: int = 0
    balance_sum: int = 0  # sum of every account's posted balance: 0 when balanced
    withheld: int = 0  # withheld bodies known to be in this unit
    complete: bool = True  # no withheld body can change these totals

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ConservationReport:
    """Per-unit totals, the withheld value bodies whose unit nobody can tell, and the accounts
    that moved value while their unit was hidden (their opening withheld)."""

    units: tuple[UnitTotals, ...]
    unattributed: int
    unattributed_seqs: tuple[int, ...]  # the first MAX_LISTED of them
    unknown_accounts: int = 0
    unknown_account_names: tuple[str, ...] = ()  # the first MAX_LISTED of them, in the order they first moved

    @property
    def complete(self) -> bool:
        return all(u.complete for u in self.units) and self.unattributed == 0 and self.unknown_accounts == 0

    def to_dict(self) -> dict:
        return {
            "complete": self.complete,
            "unattributed": self.unattributed,
            "unattributed_seqs": list(self.unattributed_seqs),
            "unknown_accounts": self.unknown_accounts,
            "unknown_account_names": list(self.unknown_account_names),
            "units": {u.unit: u.to_dict() for u in self.units},
        }


@dataclass(frozen=True)
class _Account:
    unit: str
    seq: int  # where it was opened: its opening, or its scheme's registration for an issuer
    explicit: bool  # opened by a ledger.account.opened.v1 (an issuer may have one after its registration)


@dataclass(frozen=True)
class _Hold:
    debit: str
    credit: str
    amount: int
    unit: str
    seq: int


_UNKNOWN = None  # a hold whose placement body is withheld


def _member(body: Any, name: str, kind: type, seq: int, topic: str) -> Any:
    value = body.get(name) if isinstance(body, dict) else None
    if type(value) is not kind or (kind is str and not value):
        what = "a non-empty string" if kind is str else "an integer"
        raise ExportError("malformed", seq, f"{topic} body must have {name!r} as {what}")
    return value


class Replay:
    """Feed leaves in chain order with their parsed body (``None`` if withheld), then :meth:`finish`."""

    def __init__(self) -> None:
        self._units: dict[str, UnitTotals] = {}
        self._balances: dict[tuple[str, str], int] = {}
        self._holds: dict[str, Optional[_Hold]] = {}
        self._unattributed: list[int] = []
        self._unattributed_count = 0
        self._schemes: dict[str, str] = {}  # scheme -> unit
        self._accounts: dict[str, _Account] = {}
        self._withheld_openings = 0
        self._unknown: dict[str, int] = {}  # account of hidden unit -> the seq it first moved at

    def _unit(self, unit: str) -> UnitTotals:
        totals = self._units.get(unit)
        if totals is None:
            totals = self._units[unit] = UnitTotals(unit)
        return totals

    def _hidden(self, seq: int) -> None:
        self._unattributed_count += 1
        if len(self._unattributed) < MAX_LISTED:
            self._unattributed.append(seq)

    def _post(self, unit: str, debit: str, credit: str, amount: int) -> None:
        balances = self._balances
        balances[unit, debit] = balances.get((unit, debit), 0) - amount
        balances[unit, credit] = balances.get((unit, credit), 0) + amount

    def _movement(self, body: Any, seq: int, topic: str) -> tuple[str, str, int, str]:
        debit = _member(body, "debit", str, seq, topic)
        credit = _member(body, "credit", str, seq, topic)
        amount = _member(body, "amount", int, seq, topic)
        unit = _member(body, "unit", str, seq, topic)
        if amount <= 0:
            raise ExportError("malformed", seq, f"{topic} amount must be positive, not {amount}")
        if debit == credit:
            raise ExportError("malformed", seq, f"{topic} debits and credits the same account {debit!r}")
        self._account_in(debit, unit, seq, topic)
        self._account_in(credit, unit, seq, topic)
        return debit, credit, amount, unit

    def _account_in(self, account: str, unit: str, seq: int, topic: str) -> None:
        """An account a movement in ``unit`` names must be open, and in that unit."""
        known = self._accounts.get(account)
        if known is not None:
            if known.unit != unit:
                raise ConservationError(
                    seq,
                    f"{topic} moves {unit} through account {account!r}, which is in {known.unit} "
                    f"(opened at seq {known.seq}): a movement's unit must be both its accounts' unit",
                )
            return
        if self._withheld_openings == 0:
            raise ConservationError(seq, f"{topic} moves account {account!r}, which no earlier event opens")
        self._unknown.setdefault(account, seq)  # perhaps opened by a withheld body: its unit is hidden

    def _scheme(self, seq: int, body: Any) -> None:
        name = _member(body, "name", str, seq, SCHEME_REGISTERED)
        unit = _member(body, "unit", str, seq, SCHEME_REGISTERED)
        issuer = _member(body, "issuer", str, seq, SCHEME_REGISTERED)
        if issuer != f"{name}:issuer":
            raise ExportError(
                "malformed", seq, f"scheme {name!r} names its issuer {issuer!r}, not {name + ':issuer'!r}"
            )
        if name in self._schemes:
            raise ConservationError(seq, f"scheme {name!r} is registered again")
        if issuer in self._accounts or issuer in self._unknown:
            raise ConservationError(seq, f"account {issuer!r} is used before its scheme {name!r} is registered")
        self._schemes[name] = unit
        self._accounts[issuer] = _Account(unit, seq, explicit=False)

    def _opened(self, seq: int, body: Any) -> None:
        account = _member(body, "account_id", str, seq, ACCOUNT_OPENED)
        scheme = _member(body, "scheme", str, seq, ACCOUNT_OPENED)
        unit = _member(body, "unit", str, seq, ACCOUNT_OPENED)
        scheme_unit = self._schemes.get(scheme)
        if scheme_unit is None:
            raise ConservationError(
                seq, f"account {account!r} is opened in scheme {scheme!r}, which no earlier event registers"
            )
        if unit != scheme_unit:
            raise ConservationError(
                seq, f"account {account!r} is opened in {unit}, but its scheme {scheme!r} counts in {scheme_unit}"
            )
        known = self._accounts.get(account)
        if known is not None:
            # The ledger opens a scheme's issuer once more, explicitly, after the registration.
            if known.explicit or account != f"{scheme}:issuer":
                raise ConservationError(seq, f"account {account!r} is opened again (it was opened at seq {known.seq})")
            self._accounts[account] = _Account(unit, known.seq, explicit=True)
            return
        moved = self._unknown.get(account)
        if moved is not None:
            raise ConservationError(seq, f"account {account!r} is opened here, after it moved at seq {moved}")
        self._accounts[account] = _Account(unit, seq, explicit=True)

    def _open_hold(self, stream: str, seq: int, topic: str) -> Optional[_Hold]:
        if stream not in self._holds:
            raise ConservationError(seq, f"{topic} for hold stream {stream}, which has no pending hold")
        return self._holds.pop(stream)

    def feed(self, seq: int, topic: str, stream: str, body: Any, withheld: bool) -> None:
        """Apply one event; ``body`` is the parsed body, ignored when ``withheld``."""
        if topic == SCHEME_REGISTERED:
            if withheld:  # the walk refuses this before (§3); a caller of Replay alone must not pass it
                raise ExportError("malformed", seq, "a scheme registration's body is withheld; it never may be (§3)")
            self._scheme(seq, body)
        elif topic == ACCOUNT_OPENED:
            if withheld:
                self._withheld_openings += 1
            else:
                self._opened(seq, body)
        elif topic == TRANSFER:
            if withheld:
                self._hidden(seq)
                return
            debit, credit, amount, unit = self._movement(body, seq, topic)
            totals = self._unit(unit)
            totals.transfers += 1
            totals.transferred += amount
            self._post(unit, debit, credit, amount)
        elif topic == HOLD_PLACED:
            if stream in self._holds:
                raise ConservationError(seq, f"hold stream {stream} is placed again while pending")
            if withheld:
                self._holds[stream] = _UNKNOWN
                return
            debit, credit, amount, unit = self._movement(body, seq, topic)
            self._holds[stream] = _Hold(debit, credit, amount, unit, seq)
            totals = self._unit(unit)
            totals.holds_placed += 1
            totals.held += amount
        elif topic == HOLD_POSTED:
            self._posted(seq, stream, body, withheld)
        elif topic in (HOLD_VOIDED, HOLD_EXPIRED):
            hold = self._open_hold(stream, seq, topic)  # voids and expiries move nothing: no body needed
            if hold is not _UNKNOWN:
                totals = self._unit(hold.unit)
                if topic == HOLD_VOIDED:
                    totals.holds_voided += 1
                else:
                    totals.holds_expired += 1

    def _posted(self, seq: int, stream: str, body: Any, withheld: bool) -> None:
        hold = self._open_hold(stream, seq, HOLD_POSTED)
        if withheld or hold is _UNKNOWN:
            if hold is _UNKNOWN:
                self._hidden(seq)
            else:
                totals = self._unit(hold.unit)
                totals.withheld += 1
                totals.holds_posted += 1
            if not withheld:  # the amounts are public even if the unit is not: check them
                self._check_posting(seq, body, None)
            return
        amount, released = self._check_posting(seq, body, hold)
        totals = self._unit(hold.unit)
        totals.holds_posted += 1
        totals.posted_from_holds += amount
        totals.released += released
        if amount:
            self._post(hold.unit, hold.debit, hold.credit, amount)

    def _check_posting(self, seq: int, body: Any, hold: Optional[_Hold]) -> tuple[int, int]:
        amount = _member(body, "amount", int, seq, HOLD_POSTED)
        released = _member(body, "released", int, seq, HOLD_POSTED)
        if amount < 0 or released < 0:
            raise ConservationError(seq, f"a posting of {amount} releasing {released}: neither may be negative")
        if hold is not None and amount + released != hold.amount:
            raise ConservationError(
                seq,
                f"posts {amount} and releases {released} of the hold placed at seq {hold.seq}, "
                f"which held {hold.amount}: posted plus released must equal the hold",
            )
        return amount, released

    def finish(self) -> ConservationReport:
        """Close the replay: pending holds, per-unit sums; raise if a unit does not balance."""
        for hold in self._holds.values():
            if hold is _UNKNOWN:
                self._unattributed_count += 1  # its pending amount and unit are both hidden
            else:
                self._unit(hold.unit).pending += hold.amount
        for (unit, _account), balance in self._balances.items():
            totals = self._unit(unit)
            totals.accounts += 1
            totals.balance_sum += balance
        for totals in self._units.values():
            if totals.balance_sum != 0:
                raise ConservationError(None, f"unit {totals.unit!r} balances sum to {totals.balance_sum}, not 0")
            totals.complete = totals.withheld == 0 and self._unattributed_count == 0 and not self._unknown
        units = tuple(self._units[u] for u in sorted(self._units))
        unknown = tuple(list(self._unknown)[:MAX_LISTED])
        return ConservationReport(
            units, self._unattributed_count, tuple(self._unattributed), len(self._unknown), unknown
        )
