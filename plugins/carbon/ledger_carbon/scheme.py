"""``CarbonScheme``: the Python API an app holds for one carbon-points scheme, on top of a ``Ledger``.

Residents and merchants are named without the scheme prefix here (``"alice"``); their accounts are
``<scheme>:alice``. Every method is one ledger command (or one batch) whose ``code`` and
``details`` the plugin's rules check, so an app using the ledger directly meets the same rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional

from ledger import AccountInfo, Balance, FactResult, Ledger, TransferResult, UnknownScheme, ValidationError, validate

from .errors import NotACarbonScheme
from .facts import (
    DEFAULT_EXPIRY_DAYS,
    Item,
    MerchantSchema,
    Rate,
    RatesSchema,
    RateTable,
    SettingsSchema,
    read_catalogue,
    read_expiry_days,
    read_rates,
    read_stock,
)
from .lots import Lot, fifo, resident_lots, stamp
from .names import (
    AWARD,
    EXPIRED,
    EXPIRY,
    KIND,
    MERCHANT,
    RATES,
    REDEMPTION,
    SETTINGS,
    SETTLEMENT,
    STOCK,
    VERIFIER,
    account_of,
    award_id,
    name_of,
    settlement_id,
    stock_subject,
    verifier_subject,
)
from .rules import check_new_evidence, role
from .statements import (
    CommunityStatement,
    MerchantStatement,
    ResidentStatement,
    community_statement,
    merchant_statement,
    resident_statement,
)


def _step_id(request_id: Optional[str], step: str) -> Optional[str]:
    """A request id per step of a multi-command call, so a retry replays what was done."""
    return None if request_id is None else f"{request_id}.{step}"


def _rows(values: Iterable[Any]) -> list[dict[str, Any]]:
    return [v.to_dict() if hasattr(v, "to_dict") else dict(v) for v in values]


def _validated(schema: Any, data: dict[str, Any], what: str) -> None:
    validate(schema, what, data)


class CarbonScheme:
    """One carbon scheme: a ``carbon`` scheme, its facts, the issuer ``<scheme>:issuer`` (awards
    debit it, settlements credit it) and the expiry account ``<scheme>:expired``."""

    def __init__(self, ledger: Ledger, scheme: str) -> None:
        info = ledger.scheme_info(scheme)
        if info is None:  # scheme_info raises UnknownScheme itself; this narrows the type
            raise UnknownScheme(scheme)
        if info.kind != KIND:
            raise NotACarbonScheme(scheme, info.kind)
        self.ledger = ledger
        self.scheme = scheme

    @classmethod
    def create(
        cls,
        ledger: Ledger,
        scheme: str,
        *,
        rates: Iterable[Rate | Mapping[str, Any]] = (),
        expiry_days: int = DEFAULT_EXPIRY_DAYS,
        request_id: Optional[str] = None,
    ) -> CarbonScheme:
        """Register the scheme, record its expiry setting and rate table, open its expiry account.

        These are up to four ledger commands: the facts are validated before the first is written,
        and with a ``request_id`` a retry after a crash finishes what was left.
        """
        settings, table = {"expiry_days": expiry_days}, {"behaviours": _rows(rates)}
        _validated(SettingsSchema, settings, "carbon create")
        _validated(RatesSchema, table, "carbon create")
        ledger.register_scheme(scheme, kind=KIND, request_id=_step_id(request_id, "scheme"))
        ledger.record_fact(SETTINGS, scheme, settings, request_id=_step_id(request_id, "settings"))
        if table["behaviours"]:
            ledger.record_fact(RATES, scheme, table, request_id=_step_id(request_id, "rates"))
        ledger.open_account(account_of(scheme, EXPIRED), scheme, owner="", floor=0, ceiling=None,
                            request_id=_step_id(request_id, "expired"))
        return cls(ledger, scheme)

    # -- names and configuration --------------------------------------------------------------

    def account(self, name: str) -> str:
        """The account id of a resident or merchant: ``<scheme>:<name>``."""
        return account_of(self.scheme, name)

    @property
    def issuer(self) -> str:
        return account_of(self.scheme, "issuer")

    @property
    def expired_account(self) -> str:
        return account_of(self.scheme, EXPIRED)

    def rates(self) -> RateTable:
        return read_rates(self.ledger, self.scheme)

    def set_rates(self, rates: Iterable[Rate | Mapping[str, Any]], *, request_id: Optional[str] = None) -> FactResult:
        """Publish a new rate table: a new version; awards already made keep the version they cite."""
        return self.ledger.record_fact(RATES, self.scheme, {"behaviours": _rows(rates)}, request_id=request_id)

    def set_expiry_days(self, days: int, *, request_id: Optional[str] = None) -> FactResult:
        """Points awarded from now on expire ``days`` after they are earned; older lots keep theirs."""
        return self.ledger.record_fact(SETTINGS, self.scheme, {"expiry_days": days}, request_id=request_id)

    def add_verifier(self, verifier: str, behaviours: Iterable[str], *, request_id: Optional[str] = None) -> FactResult:
        """Authorise ``verifier`` (a recycling station, a partner app) to attest ``behaviours``;
        an empty list suspends it."""
        subject = verifier_subject(self.scheme, verifier)
        return self.ledger.record_fact(VERIFIER, subject, {"behaviours": list(behaviours)}, request_id=request_id)

    def join(self, resident: str, *, owner: str = "", request_id: Optional[str] = None) -> AccountInfo:
        """Open a resident's account; it is personal (withheld from public exports) when ``owner`` names someone."""
        return self.ledger.open_account(self.account(resident), self.scheme, owner=owner, request_id=request_id)

    def add_merchant(
        self, merchant: str, items: Iterable[Item | Mapping[str, Any]], *, owner: str = "",
        request_id: Optional[str] = None,
    ) -> AccountInfo:
        """Open a partner merchant's account and record its catalogue (items start with no stock)."""
        catalogue = {"items": _rows(items)}
        _validated(MerchantSchema, catalogue, "carbon add merchant")
        info = self.ledger.open_account(self.account(merchant), self.scheme, owner=owner, personal=False,
                                        request_id=_step_id(request_id, "account"))
        step = _step_id(request_id, "catalogue")
        self.ledger.record_fact(MERCHANT, self.account(merchant), catalogue, request_id=step)
        return info

    def set_catalogue(self, merchant: str, items: Iterable[Item | Mapping[str, Any]], *,
                      request_id: Optional[str] = None) -> FactResult:
        return self.ledger.record_fact(MERCHANT, self.account(merchant), {"items": _rows(items)}, request_id=request_id)

    def catalogue(self, merchant: str) -> dict[str, Item]:
        return read_catalogue(self.ledger, self.account(merchant)) or {}

    def stock(self, merchant: str, item: str) -> int:
        return read_stock(self.ledger, self.account(merchant), item)

    def restock(self, merchant: str, item: str, change: int, *, reason: str = "restock",
                request_id: Optional[str] = None) -> FactResult:
        """Add ``change`` items to the stock (``reason="adjustment"`` may also take some away)."""
        account = self.account(merchant)
        data = {"stock": read_stock(self.ledger, account, item) + change, "change": change, "reason": reason}
        return self.ledger.record_fact(STOCK, stock_subject(account, item), data, request_id=request_id)

    def residents(self) -> list[str]:
        names = ((a.account, name_of(self.scheme, a.account)) for a in self.ledger.accounts(self.scheme))
        return [n for acc, n in names if n is not None and role(self.ledger, self.scheme, acc) == "resident"]

    def merchants(self) -> list[str]:
        return [f.subject.split(":", 1)[1] for f in self.ledger.facts(MERCHANT)
                if f.subject.startswith(f"{self.scheme}:") and f.version == 1]

    def balance(self, name: str) -> Balance:
        return self.ledger.balance(self.account(name))

    def lots(self, resident: str) -> list[Lot]:
        """The resident's lots, oldest first, with what was redeemed and expired of each."""
        return list(resident_lots(self.ledger, self.account(resident)).values())

    # -- movements ----------------------------------------------------------------------------

    def award(self, resident: str, behaviour: str, quantity: int, *, verifier: str, evidence: str,
              request_id: Optional[str] = None) -> TransferResult:
        """Award points for ``quantity`` units of verified ``behaviour`` at the rate table in force.

        ``evidence`` is an opaque id or ``sha256:<hex>`` of a photo or receipt, never the file:
        the award's transfer id is keyed by it, so it can earn once.
        """
        # The core would refuse the taken transfer id anyway; the rule's wording says why.
        check_new_evidence(self.ledger, evidence, award_id(self.scheme, evidence))
        table = self.rates()
        rate = table.rates.get(behaviour)
        per, co2e = (rate.points_per_unit, rate.co2e_g_per_unit) if rate else (0, 0)
        now = self.ledger.clock().replace(microsecond=0)
        days = read_expiry_days(self.ledger, self.scheme)
        details = {
            "behaviour": behaviour, "quantity": quantity, "verifier": verifier, "evidence": evidence,
            "rate_version": table.version, "points_per_unit": per, "co2e_g": quantity * co2e if rate else 0,
            "earned_at": stamp(now),
            "expires_at": stamp(now + timedelta(days=days)),
        }
        # With no rate the amount is a placeholder of 1 so the rules, not the schema, explain the refusal.
        return self.ledger.transfer(self.issuer, self.account(resident), max(quantity * per, 1), code=AWARD,
                                    details=details, transfer_id=award_id(self.scheme, evidence),
                                    request_id=request_id)

    def redeem(self, resident: str, merchant: str, item: str, quantity: int = 1, *,
               request_id: Optional[str] = None) -> TransferResult:
        """Spend points on ``quantity`` of a merchant's ``item``; the stock falls in the same commit
        and the oldest unexpired lots pay first."""
        found = self.catalogue(merchant).get(item)
        price = found.price if found else 0
        amount = max(price * quantity, 1)
        parts, _ = fifo(resident_lots(self.ledger, self.account(resident)), amount, self.ledger.clock())
        details = {"item": item, "quantity": quantity, "price": price, "lots": parts}
        return self.ledger.transfer(self.account(resident), self.account(merchant), amount, code=REDEMPTION,
                                    details=details, request_id=request_id)

    def expire(self, now: Optional[datetime] = None) -> list[TransferResult]:
        """Move every lot due at ``now`` (default: the ledger's clock) to the expiry account, one
        transfer per lot naming it, one transaction per resident."""
        when = now or self.ledger.clock()
        if when > self.ledger.clock():
            raise ValidationError("carbon expire", {"now": ["must not be after the ledger's clock."]})
        done: list[TransferResult] = []
        for resident in self.residents():
            account = self.account(resident)
            items = [
                {"type": "transfer", "debit": account, "credit": self.expired_account, "amount": lot.remaining,
                 "code": EXPIRY, "details": {"lot": lot.lot, "expires_at": lot.expires_at}}
                for lot in resident_lots(self.ledger, account).values()
                if lot.remaining > 0 and lot.due(when)
            ]
            if items:
                done += [r for r in self.ledger.batch(items) if isinstance(r, TransferResult)]
        return done

    def settle(self, merchant: str, reference: str, amount: Optional[int] = None, *,
               request_id: Optional[str] = None) -> TransferResult:
        """Settle a merchant's points with the scheme operator (merchant -> issuer) under
        ``reference`` (an invoice or payment id; each settles once). Default: all it holds."""
        account = self.account(merchant)
        points = self.ledger.balance(account).posted if amount is None else amount
        return self.ledger.transfer(account, self.issuer, points, code=SETTLEMENT, details={"reference": reference},
                                    transfer_id=settlement_id(self.scheme, reference), request_id=request_id)

    # -- statements ---------------------------------------------------------------------------

    def resident_statement(self, resident: str) -> ResidentStatement:
        return resident_statement(self.ledger, self.scheme, resident)

    def merchant_statement(self, merchant: str) -> MerchantStatement:
        return merchant_statement(self.ledger, self.scheme, merchant)

    def statement(self) -> CommunityStatement:
        return community_statement(self.ledger, self.scheme)


__all__ = ["CarbonScheme"]
