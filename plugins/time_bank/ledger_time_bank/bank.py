"""``TimeBank``: the Python API an app holds for one bank, on top of a ``Ledger``.

Members are named without the bank prefix here (``"alice"``); their accounts are
``<bank>:alice``. Every method is one ledger command whose ``code`` and ``details`` the plugin's
rules check, so an app using the ledger directly meets the same rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Union

from ledger import (
    AccountInfo,
    Balance,
    FactResult,
    HoldResult,
    Ledger,
    Scheme,
    TransferResult,
    step_id,
    validate,
)

from .errors import NotAnExchange
from .facts import (
    DEFAULT_CONFIRM_TIMEOUT,
    DEFAULT_MAX_EXCHANGE,
    DEFAULT_ORGANISATION_FLOOR,
    CatalogueSchema,
    Service,
    Settings,
    SettingsSchema,
    read_catalogue,
    read_settings,
)
from .names import (
    CATALOGUE,
    DONATION,
    EXCHANGE,
    GRANT,
    ISSUER,
    KIND,
    ORGANISATION,
    REDEMPTION,
    SETTINGS,
    account_of,
    member_of,
)
from .plugin import DEFAULT_CEILING, DEFAULT_FLOOR
from .rules import redeemable_service
from .statements import BankStatement, MemberStatement, bank_statement, member_statement

ServiceLike = Union[Service, Mapping[str, Any]]
Exchange = Union[TransferResult, HoldResult]


def _services(services: Iterable[ServiceLike]) -> dict[str, Any]:
    return {"services": [s.to_dict() if isinstance(s, Service) else dict(s) for s in services]}


def _seconds(value: Union[int, timedelta]) -> int:
    return int(value.total_seconds()) if isinstance(value, timedelta) else value


class TimeBank(Scheme):
    """One time bank: a ``time_bank`` scheme, its settings and catalogue facts, and the
    organisation's account ``<bank>:community`` (the community pool)."""

    kind = KIND
    kind_text = "a time bank"
    create_hint = "create one with TimeBank.create"

    @property
    def bank(self) -> str:
        return self.name

    @classmethod
    def create(
        cls,
        ledger: Ledger,
        bank: str,
        *,
        max_exchange: int = DEFAULT_MAX_EXCHANGE,
        floor: Optional[int] = DEFAULT_FLOOR,
        ceiling: Optional[int] = DEFAULT_CEILING,
        organisation_floor: Optional[int] = DEFAULT_ORGANISATION_FLOOR,
        confirm_timeout: Union[int, timedelta] = DEFAULT_CONFIRM_TIMEOUT,
        catalogue: Iterable[ServiceLike] = (),
        request_id: Optional[str] = None,
    ) -> TimeBank:
        """Register the scheme, record its settings and catalogue, open the organisation account.

        ``floor``/``ceiling`` are the members' default limits in minutes (``None`` = none);
        ``organisation_floor`` is the community pool's floor (default 0: it gives only what it
        was given); ``confirm_timeout`` is how long a receiver has to confirm (seconds or a
        timedelta). These are four ledger commands: the facts are validated before the first
        is written, and with a ``request_id`` a retry after a crash finishes what was left.
        """
        settings = {
            "max_exchange": max_exchange,
            "confirm_timeout": _seconds(confirm_timeout),
            "organisation_floor": organisation_floor,
        }
        services = _services(catalogue)
        for schema, data in ((SettingsSchema, settings), (CatalogueSchema, services)):
            validate(schema, "time bank create", data)
        ledger.register_scheme(bank, kind=KIND, floor=floor, ceiling=ceiling, request_id=step_id(request_id, "scheme"))
        ledger.record_fact(SETTINGS, bank, settings, request_id=step_id(request_id, "settings"))
        ledger.record_fact(CATALOGUE, bank, services, request_id=step_id(request_id, "catalogue"))
        # The pool collects donations and redemptions without a cap: a ceiling would refuse gifts.
        ledger.open_account(
            account_of(bank, ORGANISATION),
            bank,
            owner=f"time bank {bank}",
            floor=organisation_floor,
            ceiling=None,
            request_id=step_id(request_id, "organisation"),
        )
        return cls(ledger, bank)

    # -- names and data -----------------------------------------------------------------

    def account(self, member: str) -> str:
        """The account id of ``member``: ``<bank>:<member>``."""
        return account_of(self.bank, member)

    @property
    def organisation(self) -> str:
        """The organisation's account, which is also the community pool."""
        return account_of(self.bank, ORGANISATION)

    def settings(self) -> Settings:
        return read_settings(self.ledger, self.bank)

    def catalogue(self) -> list[Service]:
        return read_catalogue(self.ledger, self.bank)

    def members(self) -> list[str]:
        """Member names (without the prefix), in order; the organisation is not a member."""
        names = (member_of(self.bank, a.account) for a in self.ledger.accounts(self.bank))
        return [n for n in names if n is not None and n not in (ORGANISATION, ISSUER)]

    def balance(self, member: str) -> Balance:
        return self.ledger.balance(self.account(member))

    def pending_exchanges(self, member: Optional[str] = None) -> list[HoldResult]:
        """Exchanges waiting for their receiver's confirmation, oldest first."""
        account = self.account(member) if member is not None else None
        holds = self.ledger.holds(status="held", account=account)
        return [h for h in holds if h.code == EXCHANGE and self.owns(h.debit)]

    def describe(self) -> dict[str, Any]:
        """The bank at a glance: limits, settings, organisation account, catalogue size."""
        scheme = self.info()
        return {
            "bank": self.bank,
            "unit": scheme.unit,
            "floor": scheme.floor,
            "ceiling": scheme.ceiling,
            "organisation": self.organisation,
            **self.settings().to_dict(),
            "services": len(self.catalogue()),
        }

    # -- commands ----------------------------------------------------------------------

    def join(
        self,
        member: str,
        *,
        owner: str = "",
        floor: Optional[int] = None,
        ceiling: Optional[int] = None,
        request_id: Optional[str] = None,
    ) -> AccountInfo:
        """Open ``member``'s account; ``floor``/``ceiling`` override the bank's defaults."""
        limits = {k: v for k, v in (("floor", floor), ("ceiling", ceiling)) if v is not None}
        return self.ledger.open_account(self.account(member), self.bank, owner=owner, request_id=request_id, **limits)

    def record_exchange(
        self,
        provider: str,
        receiver: str,
        minutes: int,
        category: str,
        description: str,
        *,
        confirm: bool = False,
        exchange_id: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> Exchange:
        """``provider`` gave ``receiver`` ``minutes`` of service: the receiver pays the provider.

        Recorded at once, or with ``confirm=True`` as a hold that waits for the receiver's
        :meth:`confirm` (or :meth:`reject`) and expires after the bank's confirmation timeout.
        """
        debit, credit = self.account(receiver), self.account(provider)
        common: dict[str, Any] = dict(
            code=EXCHANGE,
            memo=category,
            details={"category": category, "description": description},
            request_id=request_id,
        )
        if confirm:
            timeout = self.settings().confirm_timeout
            return self.ledger.hold(debit, credit, minutes, hold_id=exchange_id, timeout=timeout, **common)
        return self.ledger.transfer(debit, credit, minutes, transfer_id=exchange_id, **common)

    def confirm(self, exchange_id: str, *, request_id: Optional[str] = None) -> HoldResult:
        """The receiver confirms a pending exchange: the minutes move."""
        self._exchange_hold(exchange_id)
        return self.ledger.post(exchange_id, request_id=request_id)

    def reject(self, exchange_id: str, reason: str, *, request_id: Optional[str] = None) -> HoldResult:
        """The receiver rejects a pending exchange: nothing moves, the reason is recorded."""
        self._exchange_hold(exchange_id)
        return self.ledger.void(exchange_id, reason=reason, request_id=request_id)

    def donate(
        self, donor: str, minutes: int, *, to: Optional[str] = None, request_id: Optional[str] = None
    ) -> TransferResult:
        """Give credit the donor has to another member, or (``to=None``) to the community pool."""
        credit = self.account(to) if to is not None else self.organisation
        return self.ledger.transfer(
            self.account(donor), credit, minutes, code=DONATION, memo="donation", request_id=request_id
        )

    def grant(
        self, member: str, minutes: int, description: str, *, request_id: Optional[str] = None
    ) -> TransferResult:
        """The organisation pays a member for community work it organised."""
        return self.ledger.transfer(
            self.organisation,
            self.account(member),
            minutes,
            code=GRANT,
            memo="grant",
            details={"description": description},
            request_id=request_id,
        )

    def redeem(self, member: str, service_name: str, *, request_id: Optional[str] = None) -> TransferResult:
        """A member spends minutes on a catalogue service the organisation provides, at its price."""
        service, price = redeemable_service(self.bank, self.catalogue(), service_name)
        return self.ledger.transfer(
            self.account(member),
            self.organisation,
            price,
            code=REDEMPTION,
            memo=service.name,
            details={"service": service.name, "category": service.category},
            request_id=request_id,
        )

    def set_catalogue(self, services: Iterable[ServiceLike], *, request_id: Optional[str] = None) -> FactResult:
        """Record a new catalogue; it applies to exchanges and redemptions from now on."""
        return self.ledger.record_fact(CATALOGUE, self.bank, _services(services), request_id=request_id)

    # -- statements ----------------------------------------------------------------------

    def member_statement(
        self, member: str, *, since: Optional[datetime] = None, until: Optional[datetime] = None
    ) -> MemberStatement:
        """What ``member`` earned, spent, gave and received in ``(since, until]`` (posted only)."""
        return member_statement(self.ledger, self.bank, member, since=since, until=until)

    def statement(self, *, since: Optional[datetime] = None, until: Optional[datetime] = None) -> BankStatement:
        """The bank's activity in ``(since, until]``: hours exchanged, exchanges, active members,
        minutes per category (posted only)."""
        return bank_statement(self.ledger, self.bank, since=since, until=until)

    # -- internals ---------------------------------------------------------------------------

    def _exchange_hold(self, exchange_id: str) -> HoldResult:
        hold = self.ledger.hold_info(exchange_id)
        if hold.code != EXCHANGE or not self.owns(hold.debit):
            raise NotAnExchange(self.bank, exchange_id)
        return hold


__all__ = ["TimeBank"]
