"""The campaign rules, applied to every command on a ``crowdfund`` scheme, whoever issues it.

Three layers, one per hook:

* ``check_command`` (``ledger_validate_command``): pledges only to an open campaign's escrow,
  before its deadline, within its min/max; no change to a pledge after the deadline; no
  collecting before it; the escrow and matching pool pay out only with the right codes.
* ``added_items`` (``ledger_before_commit``): a matching contribution with each qualifying
  pledge, and the match follows its pledge when the pledge is posted or voided.
* ``check_settlement`` (``ledger_check_transaction``): collecting pledges, settlement voids
  and payouts happen only in the transaction that records the campaign's settlement fact,
  so the outcome and its movements can never be recorded apart.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from ledger import Command, Ledger, RuleViolation, UnknownHold

from .facts import Campaign, iso, lifecycle, read_campaign, read_matching, read_settlement, state_of
from .fees import match_amount
from .names import (
    FEE,
    KIND,
    MATCH,
    MATCH_RETURN,
    PAYOUT,
    PLEDGE,
    POOL,
    SETTLE_REASON,
    SETTLEMENT,
    STATUS,
    match_of,
)

HOLD_CODES = (PLEDGE, MATCH)


def _campaign(ledger: Ledger, name: Any, what: str) -> Campaign:
    campaign = read_campaign(ledger, name) if isinstance(name, str) else None
    if campaign is None:
        raise RuleViolation("campaign", f"{what} names campaign {name!r}, which does not exist")
    return campaign


def _escrow_campaign(account: str) -> Optional[str]:
    for suffix in (":escrow", ":matching"):
        if account.endswith(suffix):
            return account[: -len(suffix)]
    return None


# -- before the write ------------------------------------------------------------------------


def check_command(ledger: Ledger, command: Command) -> None:
    if KIND not in command.kinds():
        return
    args = command.args
    code = args.get("code", "")
    if command.name == "hold" and code == PLEDGE:
        check_pledge(ledger, command)
    elif command.name == "hold" and code == MATCH:
        if command.added_by is None:
            raise RuleViolation(
                "match_with_pledge", "a matching contribution is only added with a pledge, by the plugin"
            )
    elif command.name in ("post", "void") and code in HOLD_CODES:
        check_change(ledger, command)
    elif command.name in ("transfer", "hold"):
        check_outflow(ledger, command)


def check_pledge(ledger: Ledger, command: Command) -> None:
    args = command.args
    details = args["details"]
    campaign = _campaign(ledger, details.get("campaign"), f"pledge {args['hold_id']!r}")
    name = campaign.campaign
    if args["credit"] != campaign.escrow:
        raise RuleViolation(
            "pledge_escrow", f"a pledge to campaign {name!r} is held toward {campaign.escrow!r}, not {args['credit']!r}"
        )
    state = state_of(lifecycle(ledger, name))
    if state != "launched":
        raise RuleViolation("campaign_open", f"campaign {name!r} is {state} and takes no pledges")
    now = ledger.clock()
    if now >= campaign.deadline:
        raise RuleViolation(
            "pledge_deadline", f"campaign {name!r} stopped taking pledges at {iso(campaign.deadline)}; it is {iso(now)}"
        )
    source = _escrow_campaign(args["debit"])
    if source is not None and read_campaign(ledger, source) is not None:
        raise RuleViolation("escrow_locked", f"{args['debit']!r} is a campaign's own account and cannot pledge")
    amount = args["amount"]
    if campaign.min_pledge is not None and amount < campaign.min_pledge:
        raise RuleViolation(
            "min_pledge",
            f"pledge of {amount} is under campaign {name!r}'s minimum of {campaign.min_pledge} "
            f"by {campaign.min_pledge - amount}",
        )
    if campaign.max_pledge is not None and amount > campaign.max_pledge:
        raise RuleViolation(
            "max_pledge",
            f"pledge of {amount} is over campaign {name!r}'s maximum of {campaign.max_pledge} "
            f"by {amount - campaign.max_pledge}",
        )
    # A pledge must stay collectable until the close: an earlier expiry would let it vanish
    # from under the settlement, a missing one would lock the donor's money forever.
    if args.get("expires_at") != campaign.settle_by:
        given = iso(args["expires_at"]) if args.get("expires_at") else "never"
        raise RuleViolation(
            "pledge_expiry",
            f"a pledge to campaign {name!r} expires at its settlement deadline {iso(campaign.settle_by)}, not {given}",
        )
    replaces = details.get("replaces")
    if replaces is not None:
        check_replaced(ledger, name, details, args["debit"], replaces)


def check_replaced(ledger: Ledger, campaign: str, details: dict[str, Any], donor: str, replaces: Any) -> None:
    try:
        old = ledger.hold_info(replaces) if isinstance(replaces, str) else None
    except UnknownHold:
        old = None
    if (
        old is None
        or old.code != PLEDGE
        or old.debit != donor
        or old.details.get("campaign") != campaign
        or old.details.get("pledge") != details.get("pledge")
    ):
        raise RuleViolation("pledge_replaces", f"a changed pledge must replace an earlier hold of the same pledge "
                                               f"and donor; {replaces!r} is not one")


def check_change(ledger: Ledger, command: Command) -> None:
    """Posts and voids of pledges and matches: the deadline decides who may make them."""
    args = command.args
    campaign = _campaign(ledger, args["details"].get("campaign"), f"hold {args['hold_id']!r}")
    now = ledger.clock()
    settling = command.name == "post" or args.get("reason") == SETTLE_REASON
    if settling:
        # Whether this really is the settlement is checked inside the write transaction.
        if command.name == "post" and now < campaign.deadline:
            raise RuleViolation(
                "pledge_collect",
                f"pledge {args['hold_id']!r} of campaign {campaign.campaign!r} is collected only at the close, "
                f"at {iso(campaign.deadline)}",
            )
        return
    if args["code"] == MATCH and command.added_by is None:
        raise RuleViolation("match_with_pledge", "a matching contribution follows its pledge; change the pledge")
    if now >= campaign.deadline:
        raise RuleViolation(
            "pledge_deadline",
            f"pledge {args['hold_id']!r} of campaign {campaign.campaign!r} cannot change after the deadline "
            f"{iso(campaign.deadline)}; it is {iso(now)}",
        )


def check_outflow(ledger: Ledger, command: Command) -> None:
    """Escrow and matching pool pay out only as fee, payout, the pool's return, or a refund's reversal."""
    args = command.args
    name = _escrow_campaign(args["debit"])
    campaign = read_campaign(ledger, name) if name is not None else None
    if campaign is None:
        return
    allowed = (FEE, PAYOUT) if args["debit"] == campaign.escrow else (POOL, MATCH_RETURN)
    if command.name == "hold" or args["code"] not in allowed:
        raise RuleViolation(
            "escrow_locked",
            f"{args['debit']!r} pays out only at the campaign's settlement ({' or '.join(allowed)}), "
            f"not as {command.name} {args['code'] or '(no code)'!r}",
        )
    if args["code"] == MATCH_RETURN and read_settlement(ledger, campaign.campaign) is None:
        raise RuleViolation(
            "escrow_locked", f"{args['debit']!r} returns refunded matches only after campaign {name!r} settled"
        )


# -- items added to the command -------------------------------------------------------------


def added_items(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """The match and lifecycle items that must commit with a pledge, its change or its settlement."""
    if KIND not in command.kinds() or command.args.get("code") != PLEDGE:
        return None
    if command.name == "hold":
        return pledge_extras(ledger, command)
    if command.name in ("post", "void"):
        match_id = match_of(command.args["hold_id"])
        try:
            match = ledger.hold_info(match_id)
        except UnknownHold:
            return None
        if match.status != "held":
            return None
        item: dict[str, Any] = {"type": command.name, "hold_id": match_id}
        if command.name == "void":
            item["reason"] = command.args.get("reason", "")
        return [item]
    return None


def pledge_extras(ledger: Ledger, command: Command) -> list[dict[str, Any]]:
    args = command.args
    details = args["details"]
    campaign = _campaign(ledger, details.get("campaign"), f"pledge {args['hold_id']!r}")
    replaced_pledge, replaced_match = _replaced(ledger, details.get("replaces"))
    items: list[dict[str, Any]] = []
    matched = 0
    terms = read_matching(ledger, campaign.campaign)
    if terms is not None:
        available = ledger.balance(campaign.pool).available + replaced_match
        matched = match_amount(args["amount"], terms.numerator, terms.denominator, available)
    if matched:
        items.append({
            "type": "hold", "debit": campaign.pool, "credit": campaign.escrow, "amount": matched,
            "hold_id": match_of(args["hold_id"]), "code": MATCH, "expires_at": args["expires_at"],
            "details": {"campaign": campaign.campaign, "pledge": details.get("pledge"), "sponsor": terms.sponsor},
        })
    escrow = ledger.balance(campaign.escrow)
    before = escrow.credits_pending + escrow.credits_posted - replaced_pledge - replaced_match
    # Read as of the last commit: two pledges racing across the goal may both miss the news;
    # the close decides on the real totals regardless, so this event is informational.
    if before < campaign.goal <= before + args["amount"] + matched and "goal_reached" not in lifecycle(
        ledger, campaign.campaign
    ):
        items.append({"type": "fact", "fact_type": STATUS, "subject": campaign.campaign,
                      "data": {"state": "goal_reached", "note": ""}})
    return items


def _replaced(ledger: Ledger, replaces: Any) -> tuple[int, int]:
    """What a changed pledge releases: the old pledge hold and its match, if still held."""
    if not isinstance(replaces, str):
        return 0, 0
    amounts = []
    for hold_id in (replaces, match_of(replaces)):
        try:
            hold = ledger.hold_info(hold_id)
        except UnknownHold:
            amounts.append(0)
            continue
        amounts.append(hold.amount if hold.status == "held" else 0)
    return amounts[0], amounts[1]


# -- inside the write transaction -------------------------------------------------------------


def check_settlement(commands: Iterable[Command]) -> None:
    """Settlement movements only with their campaign's settlement fact, in one transaction."""
    commands = list(commands)
    settled = {
        c.args["subject"] for c in commands if c.name == "record_fact" and c.args["fact_type"] == SETTLEMENT
    }
    for command in commands:
        campaign = _settling_campaign(command)
        if campaign is not None and campaign not in settled:
            raise RuleViolation(
                "settlement",
                f"{command.name} {command.args.get('hold_id') or command.args.get('code')!r} of campaign "
                f"{campaign!r} belongs only in the campaign's settlement (Crowdfund.close or cancel)",
            )


def _settling_campaign(command: Command) -> Optional[str]:
    args = command.args
    code = args.get("code")
    settling = (
        (command.name == "post" and code in HOLD_CODES)
        or (command.name == "void" and code in HOLD_CODES and args.get("reason") == SETTLE_REASON)
        or (command.name == "transfer" and code in (FEE, PAYOUT))
        or (command.name == "transfer" and code == POOL and args["debit"].endswith(":matching"))
    )
    if not settling:
        return None
    campaign = args.get("details", {}).get("campaign")
    return campaign if isinstance(campaign, str) else "?"


__all__ = ["added_items", "check_command", "check_settlement"]
