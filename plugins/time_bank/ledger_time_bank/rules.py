"""The bank's rules: each check raises ``RuleViolation(rule, message)`` naming the rule and by how much.

They are plain functions of the command's arguments and the bank's facts, so the plugin's hooks
and ``TimeBank`` (which must know a service's price before it can ask for a redemption) share
one wording. Rule names are stable; apps may match on them:

``account_name``, ``same_bank``, ``code``, ``members``, ``description``, ``category``,
``max_exchange``, ``grant_source``, ``redemption_payee``, ``redemption_service``,
``redemption_price``, ``donation_credit``, ``fact_subject``.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ledger import Command, Ledger, RuleViolation

from .facts import Service, Settings, find_service, read_catalogue, read_settings
from .names import (
    CATALOGUE,
    CODES,
    DONATION,
    EXCHANGE,
    GRANT,
    ISSUER,
    KIND,
    ORGANISATION,
    SETTINGS,
    account_of,
    member_of,
)

MAX_DESCRIPTION = 500
ROLE_TEXT = {
    ORGANISATION: "the bank's organisation account",
    ISSUER: "the scheme's issuer account, which a time bank never uses",
}


def role(bank: str, account: str) -> str:
    """``"community"``, ``"issuer"`` or ``"member"``: who an account of the bank belongs to."""
    member = member_of(bank, account)
    return member if member in ROLE_TEXT else "member"


def check_command(ledger: Ledger, command: Command) -> None:
    """Every rule that can be decided before the write (``ledger_validate_command``)."""
    if command.name == "record_fact":
        check_fact_subject(ledger, command.args["fact_type"], command.args["subject"])
    elif KIND not in command.kinds():
        return
    elif command.name == "open_account":
        check_account_name(command.args["scheme"], command.args["account"])
    elif command.name in ("transfer", "hold"):
        check_movement(ledger, command)
    # Reversals (name "reverse") undo a movement these rules already let through, and must
    # stay possible whatever the catalogue says now; post/void settle a hold already checked.


def check_fact_subject(ledger: Ledger, fact_type: str, subject: str) -> None:
    if fact_type not in (SETTINGS, CATALOGUE):
        return
    scheme = ledger.scheme_info(subject, missing_ok=True)
    if scheme is None or scheme.kind != KIND:
        raise RuleViolation("fact_subject", f"{fact_type} describes a time bank, and {subject!r} is not one")


def check_account_name(bank: str, account: str) -> None:
    if member_of(bank, account) is None:
        raise RuleViolation(
            "account_name", f"account {account!r} in time bank {bank!r} must be named '{bank}:<member>'"
        )


def check_movement(ledger: Ledger, command: Command) -> None:
    args = command.args
    debit, credit = command.schemes[args["debit"]], command.schemes[args["credit"]]
    if debit.name != credit.name:
        raise RuleViolation(
            "same_bank",
            f"a {command.name} from {args['debit']!r} ({debit.name}) to {args['credit']!r} ({credit.name}) "
            "would carry minutes out of a time bank; both accounts must be in the same bank",
        )
    bank, code = debit.name, args["code"]
    if code not in CODES:
        codes = ", ".join(CODES)
        raise RuleViolation(
            "code", f"a {command.name} in time bank {bank!r} must carry one of the codes {codes}, not {code!r}"
        )
    if code == EXCHANGE:
        check_exchange(bank, read_settings(ledger, bank), read_catalogue(ledger, bank), args)
    elif code == DONATION:
        check_donation(bank, args)
    elif code == GRANT:
        check_grant(bank, args)
    else:
        check_redemption(bank, read_catalogue(ledger, bank), args)


def check_member(bank: str, account: str, what: str) -> None:
    kind = role(bank, account)
    if kind != "member":
        raise RuleViolation("members", f"{what}; {account!r} is {ROLE_TEXT[kind]}")


def check_description(what: str, details: Mapping[str, Any]) -> None:
    text = details.get("description")
    if not isinstance(text, str) or not text.strip():
        raise RuleViolation("description", f"{what} needs a description in its details")
    if len(text) > MAX_DESCRIPTION:
        over = len(text) - MAX_DESCRIPTION
        raise RuleViolation(
            "description",
            f"description of {len(text)} characters is over the maximum of {MAX_DESCRIPTION} by {over}",
        )


def check_exchange(bank: str, settings: Settings, catalogue: list[Service], args: Mapping[str, Any]) -> None:
    """Receiver (debit) pays provider (credit) for a catalogued kind of service, up to the maximum."""
    for account in (args["debit"], args["credit"]):
        check_member(bank, account, "an exchange is between two members")
    details = args["details"]
    check_description("an exchange", details)
    check_category(bank, catalogue, details.get("category"))
    amount = args["amount"]
    if amount > settings.max_exchange:
        raise RuleViolation(
            "max_exchange",
            f"exchange of {amount} minutes is over the bank's maximum of {settings.max_exchange} "
            f"by {amount - settings.max_exchange}",
        )


def check_category(bank: str, catalogue: list[Service], category: Any) -> None:
    categories = sorted({s.category for s in catalogue})
    if not categories:
        raise RuleViolation("category", f"time bank {bank!r} has no catalogue yet; record one before exchanges")
    if not isinstance(category, str):
        raise RuleViolation("category", f"an exchange needs a category: one of {', '.join(categories)}")
    if category not in categories:
        raise RuleViolation(
            "category",
            f"category {category!r} is not in the catalogue of {bank!r}; it offers {', '.join(categories)}",
        )


def check_donation(bank: str, args: Mapping[str, Any]) -> None:
    """Who may give to whom; whether the donor has the credit is checked in the write transaction."""
    check_member(bank, args["debit"], "a donation comes from a member (the organisation gives grants)")
    if role(bank, args["credit"]) == ISSUER:
        raise RuleViolation(
            "members",
            f"a donation goes to a member or to the community pool; {args['credit']!r} is {ROLE_TEXT[ISSUER]}",
        )


def check_donation_credit(donor: str, amount: int, available_after: int) -> None:
    """A donation gives away credit the donor has: its available balance must cover it."""
    if available_after < 0:
        raise RuleViolation(
            "donation_credit",
            f"{donor!r} has {available_after + amount} minutes available, so a donation of {amount} is short "
            f"by {-available_after}",
        )


def check_grant(bank: str, args: Mapping[str, Any]) -> None:
    organisation = account_of(bank, ORGANISATION)
    if args["debit"] != organisation:
        raise RuleViolation(
            "grant_source",
            f"a grant is paid from the bank's organisation account {organisation!r}, not from {args['debit']!r}",
        )
    check_member(bank, args["credit"], "a grant goes to a member")
    check_description("a grant", args["details"])


def check_redemption(bank: str, catalogue: list[Service], args: Mapping[str, Any]) -> None:
    check_member(bank, args["debit"], "a redemption is paid by a member")
    organisation = account_of(bank, ORGANISATION)
    if args["credit"] != organisation:
        raise RuleViolation(
            "redemption_payee",
            f"a redemption is paid to the bank's organisation account {organisation!r}, not to {args['credit']!r}",
        )
    service, price = redeemable_service(bank, catalogue, args["details"].get("service"))
    amount = args["amount"]
    if amount != price:
        gap = f"short by {price - amount}" if amount < price else f"over by {amount - price}"
        raise RuleViolation(
            "redemption_price", f"redeeming {service.name!r} costs {price} minutes, not {amount}: {gap}"
        )


def redeemable_service(bank: str, catalogue: list[Service], name: Any) -> tuple[Service, int]:
    """The catalogue entry a redemption names and its price, if members may redeem it."""
    service: Optional[Service] = find_service(catalogue, name) if isinstance(name, str) else None
    if service is None:
        raise RuleViolation("redemption_service", f"service {name!r} is not in the catalogue of {bank!r}")
    if not service.redeemable or service.price is None:
        raise RuleViolation("redemption_service", f"service {name!r} of {bank!r} cannot be redeemed")
    return service, service.price


__all__ = [
    "MAX_DESCRIPTION",
    "check_command",
    "check_donation_credit",
    "redeemable_service",
    "role",
]
