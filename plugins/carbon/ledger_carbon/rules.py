"""The scheme's rules: each check raises ``RuleViolation(rule, message)`` naming the rule and by how much.

They apply to every command on a ``carbon`` scheme, whoever sends it (``CarbonScheme``, the CLI or
a raw ``Ledger.transfer``). Rule names are stable; apps may match on them:

``account_name``, ``code``, ``parties``, ``reversal``, ``evidence``, ``duplicate_evidence``,
``verifier``, ``behaviour``, ``rate_version``, ``award_amount``, ``award_time``, ``daily_cap``,
``monthly_cap``, ``item``, ``price``, ``stock``, ``points_available``, ``lots``, ``expiry``,
``settlement_id``, ``fact_subject``, ``internal_fact``, ``one_per_transaction``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional

from ledger import Command, Ledger, RuleViolation, SchemeInfo, TransactionView, UnknownTransfer

from .facts import Rate, read_catalogue, read_expiry_days, read_rates, read_stock, read_verifier
from .lots import fifo, parse, resident_lots, stamp
from .names import (
    AWARD,
    CODES,
    EVIDENCE_RE,
    EXPIRED,
    EXPIRY,
    INTERNAL_FACTS,
    ISSUER,
    KIND,
    MERCHANT,
    RATES,
    REDEMPTION,
    RESERVED,
    SETTINGS,
    SETTLEMENT,
    SPEND,
    STOCK,
    TALLY,
    VERIFIER,
    account_of,
    award_id,
    name_of,
    settlement_id,
    stock_subject,
    tally_subject,
)

CLOCK_SKEW = timedelta(minutes=5)  # how far an award's earned_at may trail the ledger's clock


def role(ledger: Ledger, scheme: str, account: str) -> str:
    """``issuer``, ``expired``, ``merchant`` or ``resident``: who an account of the scheme is."""
    name = name_of(scheme, account)
    if name in RESERVED:
        return str(name)
    return "merchant" if ledger.fact(MERCHANT, account) is not None else "resident"


def check_command(ledger: Ledger, command: Command) -> None:
    """Every rule that can be decided before the write (``ledger_validate_command``)."""
    if command.name == "record_fact":
        check_fact(ledger, command)
    elif KIND not in command.kinds():
        return
    elif command.name == "open_account":
        scheme, account = command.args["scheme"], command.args["account"]
        if name_of(scheme, account) is None:
            raise RuleViolation(
                "account_name", f"account {account!r} in carbon scheme {scheme!r} must be named '{scheme}:<name>'"
            )
    elif command.name == "reverse":
        # Undoing an award or a redemption would rewrite lots already spent or expired.
        raise RuleViolation("reversal", "carbon movements are never reversed; record a correcting movement instead")
    elif command.name in ("hold", "post", "void"):
        raise RuleViolation("code", "a carbon scheme moves points by transfers only, never by holds")
    elif command.name == "transfer":
        check_transfer(ledger, command)


def check_transfer(ledger: Ledger, command: Command) -> None:
    args = command.args
    debit, credit = command.schemes[args["debit"]], command.schemes[args["credit"]]
    if debit.name != credit.name:
        raise RuleViolation(
            "parties",
            f"a transfer from {args['debit']!r} ({debit.name}) to {args['credit']!r} ({credit.name}) would carry "
            "points out of a carbon scheme; both accounts must be in the same scheme",
        )
    code = args["code"]
    if code not in CODES:
        raise RuleViolation(
            "code", f"a transfer in carbon scheme {debit.name!r} must carry one of the codes {', '.join(CODES)}, "
            f"not {code!r}"
        )
    {AWARD: check_award, REDEMPTION: check_redemption, EXPIRY: check_expiry, SETTLEMENT: check_settlement}[code](
        ledger, debit, args
    )


def expect_roles(ledger: Ledger, scheme: str, args: Mapping[str, Any], what: str, payer: str, payee: str) -> None:
    for side, wanted in (("debit", payer), ("credit", payee)):
        found = role(ledger, scheme, args[side])
        if found != wanted:
            raise RuleViolation(
                "parties", f"{what} is paid {'by' if side == 'debit' else 'to'} a {wanted} account; "
                f"{args[side]!r} is a {found} account"
            )


# -- awards ------------------------------------------------------------------------------------


def check_award(ledger: Ledger, scheme: SchemeInfo, args: Mapping[str, Any]) -> None:
    expect_roles(ledger, scheme.name, args, "an award", ISSUER, "resident")
    d = args["details"]
    evidence = d.get("evidence")
    if not isinstance(evidence, str) or not EVIDENCE_RE.match(evidence):
        raise RuleViolation(
            "evidence", "an award needs an evidence reference: an opaque id or sha256:<hex> of 1-80 characters"
        )
    expected_id = award_id(scheme.name, evidence)
    if args["transfer_id"] != expected_id:
        raise RuleViolation("evidence", f"an award for evidence {evidence!r} must have the transfer id {expected_id!r}")
    check_new_evidence(ledger, evidence, expected_id)
    rate = check_rate(ledger, scheme.name, d)
    check_verifier(ledger, scheme.name, d.get("verifier"), rate.behaviour)
    quantity = d.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise RuleViolation("award_amount", "an award needs a whole, positive quantity of activity")
    points, co2e = quantity * rate.points_per_unit, quantity * rate.co2e_g_per_unit
    if (args["amount"], d.get("points_per_unit"), d.get("co2e_g")) != (points, rate.points_per_unit, co2e):
        raise RuleViolation(
            "award_amount",
            f"{quantity} {rate.unit} of {rate.behaviour!r} earns {points} points ({rate.points_per_unit} per "
            f"{rate.unit}) and {co2e} g CO2e, not {args['amount']} points and {d.get('co2e_g')} g",
        )
    earned = check_award_time(ledger, scheme.name, d)
    check_caps(ledger, args["credit"], rate, points, earned)


def check_new_evidence(ledger: Ledger, evidence: str, transfer_id: str) -> None:
    try:
        earlier = ledger.transfer_info(transfer_id)
    except UnknownTransfer:
        return
    raise RuleViolation(
        "duplicate_evidence", f"evidence {evidence!r} already earned {earlier.amount} points for {earlier.credit!r} "
        f"in award {transfer_id!r}; the same evidence cannot earn twice"
    )


def check_rate(ledger: Ledger, scheme: str, d: Mapping[str, Any]) -> Rate:
    table = read_rates(ledger, scheme)
    behaviour = d.get("behaviour")
    if behaviour not in table.rates:
        offered = ", ".join(sorted(table.rates)) or "nothing yet"
        raise RuleViolation(
            "behaviour", f"behaviour {behaviour!r} is not in the rate table of {scheme!r}; it rates {offered}"
        )
    if d.get("rate_version") != table.version:
        raise RuleViolation(
            "rate_version", f"an award must use the rate table in force, version {table.version} of {scheme!r}, "
            f"not {d.get('rate_version')!r}"
        )
    return table.rates[behaviour]


def check_verifier(ledger: Ledger, scheme: str, verifier: Any, behaviour: str) -> None:
    allowed = read_verifier(ledger, scheme, verifier) if isinstance(verifier, str) else None
    if allowed is None:
        raise RuleViolation("verifier", f"{verifier!r} is not a registered verifier of {scheme!r}")
    if behaviour not in allowed:
        raise RuleViolation(
            "verifier",
            f"verifier {verifier!r} may not attest {behaviour!r}; it attests {', '.join(allowed) or 'nothing'}",
        )


def check_award_time(ledger: Ledger, scheme: str, d: Mapping[str, Any]) -> datetime:
    """``earned_at`` is the ledger's clock when the award is made; ``expires_at`` follows from the
    scheme's expiry setting, so nobody can award long-lived or back-dated points."""
    now = ledger.clock()
    try:
        earned = parse(d["earned_at"])
        expires = parse(d["expires_at"])
    except (KeyError, TypeError, ValueError):
        raise RuleViolation("award_time", "an award needs earned_at and expires_at as ISO 8601 UTC times") from None
    if earned.tzinfo is None or not now - CLOCK_SKEW <= earned <= now or stamp(earned) != d["earned_at"]:
        raise RuleViolation("award_time", f"an award is earned now ({stamp(now)}), not at {d['earned_at']}")
    days = read_expiry_days(ledger, scheme)
    due = stamp(earned + timedelta(days=days))
    if stamp(expires) != due or d["expires_at"] != due:
        raise RuleViolation(
            "award_time", f"points earned at {d['earned_at']} expire after {days} days, at {due}, not {d['expires_at']}"
        )
    return earned


def tally_after(ledger: Ledger, resident: str, behaviour: str, points: int, earned: datetime) -> dict[str, Any]:
    """The cap counters of ``resident`` for ``behaviour`` once this award is counted (UTC days and months)."""
    day, month = earned.strftime("%Y-%m-%d"), earned.strftime("%Y-%m")
    fact = ledger.fact(TALLY, tally_subject(resident, behaviour))
    last = fact.data if fact else {}
    day_points = (last["day_points"] if last.get("day") == day else 0) + points
    month_points = (last["month_points"] if last.get("month") == month else 0) + points
    return {"day": day, "day_points": day_points, "month": month, "month_points": month_points}


def check_caps(ledger: Ledger, resident: str, rate: Rate, points: int, earned: datetime) -> None:
    tally = tally_after(ledger, resident, rate.behaviour, points, earned)
    for cap, limit, total, period in (
        ("daily_cap", rate.daily_cap, tally["day_points"], tally["day"]),
        ("monthly_cap", rate.monthly_cap, tally["month_points"], tally["month"]),
    ):
        if limit is not None and total > limit:
            raise RuleViolation(
                cap,
                f"award of {points} points for {rate.behaviour!r} would bring {resident!r} to {total} in {period}, "
                f"over the {cap.split('_')[0]} cap of {limit} by {total - limit}",
            )


# -- redemptions, expiry, settlement -----------------------------------------------------------


def check_redemption(ledger: Ledger, scheme: SchemeInfo, args: Mapping[str, Any]) -> None:
    expect_roles(ledger, scheme.name, args, "a redemption", "resident", "merchant")
    d, merchant = args["details"], args["credit"]
    catalogue = read_catalogue(ledger, merchant) or {}
    item = catalogue.get(d.get("item")) if isinstance(d.get("item"), str) else None
    if item is None:
        offered = ", ".join(sorted(catalogue)) or "nothing"
        raise RuleViolation("item", f"{merchant!r} does not offer {d.get('item')!r}; it offers {offered}")
    quantity = d.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise RuleViolation("item", "a redemption needs a whole, positive quantity of the item")
    price = item.price * quantity
    if (args["amount"], d.get("price")) != (price, item.price):
        raise RuleViolation(
            "price", f"{quantity} x {item.item!r} at {merchant!r} costs {price} points ({item.price} each), "
            f"not {args['amount']}"
        )
    stock = read_stock(ledger, merchant, item.item)
    if quantity > stock:
        raise RuleViolation(
            "stock", f"{merchant!r} has {stock} of {item.item!r} in stock, so redeeming {quantity} is short by "
            f"{quantity - stock}"
        )
    check_lots(ledger, args["debit"], args["amount"], d.get("lots"))


def check_lots(ledger: Ledger, resident: str, amount: int, lots: Any) -> None:
    parts, usable = fifo(resident_lots(ledger, resident), amount, ledger.clock())
    if usable < amount:
        raise RuleViolation(
            "points_available", f"{resident!r} has {usable} unexpired points, so spending {amount} is short by "
            f"{amount - usable}"
        )
    if lots != parts:
        raise RuleViolation("lots", f"a redemption of {amount} points by {resident!r} must consume its oldest "
                            f"lots first: {parts}, not {lots}")


def check_expiry(ledger: Ledger, scheme: SchemeInfo, args: Mapping[str, Any]) -> None:
    expect_roles(ledger, scheme.name, args, "an expiry", "resident", EXPIRED)
    lot_id = args["details"].get("lot")
    lot = resident_lots(ledger, args["debit"]).get(lot_id) if isinstance(lot_id, str) else None
    if lot is None:
        raise RuleViolation("expiry", f"{lot_id!r} is not a lot of {args['debit']!r}")
    now = ledger.clock()
    if not lot.due(now):
        raise RuleViolation("expiry", f"lot {lot_id!r} expires at {lot.expires_at}, after now ({stamp(now)})")
    if args["amount"] != lot.remaining or args["details"].get("expires_at") != lot.expires_at:
        raise RuleViolation(
            "lots", f"lot {lot_id!r} has {lot.remaining} points left to expire at {lot.expires_at}, "
            f"not {args['amount']}"
        )


def check_settlement(ledger: Ledger, scheme: SchemeInfo, args: Mapping[str, Any]) -> None:
    expect_roles(ledger, scheme.name, args, "a settlement", "merchant", ISSUER)
    reference = args["details"].get("reference")
    if not isinstance(reference, str) or not EVIDENCE_RE.match(reference):
        raise RuleViolation("settlement_id", "a settlement needs a reference of 1-80 letters, digits or . _ : @ / -")
    wanted = settlement_id(scheme.name, reference)
    if args["transfer_id"] != wanted:
        raise RuleViolation("settlement_id", f"settlement {reference!r} must have the transfer id {wanted!r}")
    try:
        earlier = ledger.transfer_info(wanted)
    except UnknownTransfer:
        return
    raise RuleViolation(
        "settlement_id", f"settlement reference {reference!r} already settled {earlier.amount} points for "
        f"{earlier.debit!r}"
    )


# -- facts -------------------------------------------------------------------------------------


def check_fact(ledger: Ledger, command: Command) -> None:
    fact_type, subject, data = command.args["fact_type"], command.args["subject"], command.args["data"]
    if fact_type in INTERNAL_FACTS or (fact_type == STOCK and data["reason"] == "redemption"):
        if command.added_by is None:
            raise RuleViolation("internal_fact", f"{fact_type} facts are recorded by the carbon plugin with the "
                                "movement they count, never on their own")
        return
    if fact_type in (SETTINGS, RATES):
        scheme: Optional[str] = subject
    elif fact_type == VERIFIER:
        scheme = subject.split(".", 1)[0]
    elif fact_type == MERCHANT:
        check_merchant_subject(ledger, subject)
        return
    elif fact_type == STOCK:
        check_stock_fact(ledger, subject, data)
        return
    else:
        return
    info = ledger.scheme_info(scheme, missing_ok=True) if scheme else None
    if info is None or info.kind != KIND:
        raise RuleViolation("fact_subject", f"{fact_type} describes a carbon scheme, and {scheme!r} is not one")


def check_merchant_subject(ledger: Ledger, account: str) -> None:
    info = ledger.account(account, missing_ok=True)
    scheme = ledger.scheme_info(info.scheme) if info else None
    if info is None or scheme is None or scheme.kind != KIND or name_of(scheme.name, account) in (None, *RESERVED):
        raise RuleViolation("fact_subject", f"{MERCHANT} describes a merchant's account, and {account!r} is not one")


def check_stock_fact(ledger: Ledger, subject: str, data: Mapping[str, Any]) -> None:
    merchant, _, item = subject.rpartition("/")
    catalogue = read_catalogue(ledger, merchant)
    if catalogue is None or item not in catalogue:
        raise RuleViolation(
            "fact_subject", f"{STOCK} counts an item of a merchant's catalogue, and {subject!r} is not one"
        )
    before = read_stock(ledger, merchant, item)
    if data["stock"] != before + data["change"]:
        raise RuleViolation(
            "stock", f"stock of {item!r} at {merchant!r} is {before}; a change of {data['change']} makes it "
            f"{before + data['change']}, not {data['stock']}"
        )


# -- what the plugin adds, and the whole transaction -------------------------------------------


def added_facts(ledger: Ledger, command: Command) -> list[dict[str, Any]]:
    """The facts that must commit with a movement: a cap tally with an award, a stock count with a
    redemption, a spend marker with every debit of a resident. Each revises a series, so two
    writers deciding on the same state collide on the series' version and the loser is decided
    again against the winner's commit (the ledger retries), which keeps caps, stock and lots exact."""
    if command.name != "transfer" or KIND not in command.kinds() or command.args["code"] not in CODES:
        return []
    args, d = command.args, command.args["details"]
    code = args["code"]
    # Each revision names the version it was computed from (compare-and-set): if another writer
    # revised the series since our read, the ledger decides the command again from fresh state.
    if code == AWARD:
        subject = tally_subject(args["credit"], d["behaviour"])
        tally = tally_after(ledger, args["credit"], d["behaviour"], args["amount"], parse(d["earned_at"]))
        return [fact(TALLY, subject, tally, version_of(ledger, TALLY, subject))]
    spend = fact(SPEND, args["debit"], {"transfer_id": args["transfer_id"]}, version_of(ledger, SPEND, args["debit"]))
    if code == REDEMPTION:
        subject = stock_subject(args["credit"], d["item"])
        version = version_of(ledger, STOCK, subject)
        stock = read_stock(ledger, args["credit"], d["item"]) - d["quantity"]
        change = {"stock": stock, "change": -d["quantity"], "reason": "redemption"}
        return [spend, fact(STOCK, subject, change, version)]
    return [spend] if code == EXPIRY else []


def version_of(ledger: Ledger, fact_type: str, subject: str) -> int:
    found = ledger.fact(fact_type, subject)
    return found.version if found else 0


def fact(fact_type: str, subject: str, data: dict[str, Any], expected_version: int) -> dict[str, Any]:
    return {"type": "fact", "fact_type": fact_type, "subject": subject, "data": data,
            "expected_version": expected_version}


def check_transaction(view: TransactionView) -> None:
    """Inside the write transaction: the stock and cap counters as this transaction leaves them
    must hold (the checks before the transaction read the last commit, which a concurrent writer
    may have moved), and each counter is revised once per transaction."""
    commands = view.commands
    for c in commands:
        if c.name != "transfer" or KIND not in c.kinds():
            continue
        d = c.args["details"]
        if c.args["code"] == REDEMPTION:
            left = (view.fact(STOCK, stock_subject(c.args["credit"], d["item"])) or {}).get("stock", 0)
            if left < 0:
                raise RuleViolation("stock", f"{c.args['credit']!r} has {left + d['quantity']} of {d['item']!r} in "
                                    f"stock, so redeeming {d['quantity']} is short by {-left}")
    tallies: Counter[str] = Counter()
    redeems: Counter[str] = Counter()
    debits: Counter[str] = Counter()
    expiries: Counter[str] = Counter()
    for c in commands:
        if c.name != "transfer" or KIND not in c.kinds():
            continue
        code, args = c.args["code"], c.args
        if code == AWARD:
            tallies[tally_subject(args["credit"], args["details"]["behaviour"])] += 1
        elif code == REDEMPTION:
            redeems[args["debit"]] += 1
            redeems[f"{args['credit']}/{args['details']['item']}"] += 1
            debits[args["debit"]] += 1
        elif code == EXPIRY:
            expiries[args["details"]["lot"]] += 1
            debits[args["debit"]] += 1
    for key, n in [*tallies.items(), *redeems.items(), *expiries.items()]:
        if n > 1:
            raise RuleViolation("one_per_transaction", f"{key!r} is counted {n} times in one transaction; "
                                "record these movements one per transaction")
    for resident, n in debits.items():
        if redeems[resident] and n > 1:
            raise RuleViolation("one_per_transaction", f"a redemption by {resident!r} must not share its "
                                "transaction with another debit of the same resident")


def resident_account(scheme: str, resident: str) -> str:
    return account_of(scheme, resident)


__all__ = ["CLOCK_SKEW", "added_facts", "check_command", "check_transaction", "role", "tally_after"]
