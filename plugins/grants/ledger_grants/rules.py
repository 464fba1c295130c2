"""The fund and grant rules, applied to every command, whoever issues it.

Three layers, one per hook:

* ``check_command`` (``ledger_validate_command``): a restricted fund pays out only for its
  purpose; tranches go from the funder to the grant's fund and never past the commitment;
  expenses carry a budget line, a date inside the grant's period and evidence, and stay
  within the line's budget plus tolerance; returns stay within the unspent balance; the
  lifecycle moves in order.
* ``tally_item`` (``ledger_before_commit``): every grant movement revises the grant's tally
  fact with ``expected_version``, so two writers moving one grant are serialised.
* ``check_transaction`` (``ledger_check_transaction``): the same limits again on what the
  write transaction holds (the tally, budget and award as written), so no race and no batch
  can pass them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Mapping, Optional

from ledger import Command, Ledger, RuleViolation

from .facts import Grant, Tally, allowance, read_budget, read_fund, read_grant, read_tally, state_of
from .names import (
    BUDGET,
    CONDUIT,
    EVIDENCE_RE,
    EXPENSE,
    FUND,
    FUND_TRANSFER,
    GRANT,
    GRANT_CODES,
    REFUND_CODES,
    RETURN,
    STATUS,
    TALLY,
    TRANCHE,
)

EVIDENCE = re.compile(EVIDENCE_RE)


# -- messages shared by the check before the write and the check inside it --------------------


def over_disbursement(grant: str, amount: int, after: int, total: int) -> RuleViolation:
    return RuleViolation(
        "over_disbursement",
        f"tranche of {amount} on grant {grant!r} would disburse {after} of its {total} commitment, "
        f"over by {after - total}",
    )


def over_budget_line(grant: Grant, line: str, amount: int, after: int, budget: int) -> RuleViolation:
    allowed = allowance(budget, grant.tolerance_bps)
    return RuleViolation(
        "budget_line",
        f"expense of {amount} on line {line!r} of grant {grant.grant!r} would spend {after} of its allowance of "
        f"{allowed} (budget {budget} + {grant.tolerance_bps} bp), over by {after - allowed}; reallocate first",
    )


def budget_problem(grant: Grant, lines: Mapping[str, int], spent: Mapping[str, int]) -> Optional[RuleViolation]:
    """Budget lines must add up to the total and cover what each line has spent."""
    total = sum(lines.values())
    if total != grant.total:
        return RuleViolation(
            "budget_total", f"budget lines of grant {grant.grant!r} add up to {total}, not its total of {grant.total}"
        )
    for line, used in sorted(spent.items()):
        allowed = allowance(lines.get(line, 0), grant.tolerance_bps)
        if used > allowed:
            return RuleViolation(
                "budget_line",
                f"line {line!r} of grant {grant.grant!r} has spent {used}, over the new allowance of {allowed} "
                f"by {used - allowed}",
            )
    return None


# -- before the write ------------------------------------------------------------------------


def check_command(ledger: Ledger, command: Command) -> None:
    args = command.args
    if command.name in ("transfer", "hold"):
        check_fund_outflow(ledger, command)
        code = args.get("code", "")
        if (code in GRANT_CODES and args.get("details", {}).get("grant") is not None) or code in (TRANCHE, RETURN):
            if command.name == "hold":
                raise RuleViolation("grant_transfer", f"{code} movements are transfers, not holds")
            check_grant_movement(ledger, command)
        elif code == EXPENSE:
            check_expense_record(args)
    elif command.name == "reverse":
        check_reversal(args)
    elif command.name == "record_fact":
        check_fact(ledger, command)


def check_fund_outflow(ledger: Ledger, command: Command) -> None:
    """A restricted fund pays only for its purpose (or back to where the money came from)."""
    args = command.args
    fund = read_fund(ledger, args["debit"])
    code = args.get("code", "")
    if code == FUND_TRANSFER:
        target = read_fund(ledger, args["credit"])
        if target is None:
            raise RuleViolation("fund_transfer", f"{FUND_TRANSFER} goes to a fund; {args['credit']!r} is not one")
    if fund is None or not fund.restricted:
        return
    purpose = args.get("details", {}).get("purpose")
    if code == EXPENSE and purpose == fund.purpose:
        return
    if code == RETURN or code in REFUND_CODES:
        return
    if code == FUND_TRANSFER and target.purpose == fund.purpose:
        return
    if code == EXPENSE:
        what = f"an expense for {purpose!r}" if isinstance(purpose, str) else "an expense without a purpose"
    elif code == FUND_TRANSFER:
        what = f"a transfer to fund {target.account!r} for {target.purpose or 'any purpose'!r}"
    else:
        what = f"a {command.name} coded {code or '(no code)'!r}"
    raise RuleViolation(
        "restricted_purpose",
        f"fund {fund.account!r} is restricted to {fund.purpose!r}; {what} is refused: spend it from an "
        f"unrestricted fund",
    )


def check_expense_record(args: Mapping[str, Any]) -> str:
    """Every expense names its date and its evidence (a document id or a SHA-256, never the file)."""
    details = args.get("details", {})
    when = details.get("date")
    try:
        day = date.fromisoformat(when).isoformat() if isinstance(when, str) else None
    except ValueError:
        day = None
    if day is None:
        raise RuleViolation("expense_date", f"an expense needs its date as an ISO 8601 date (2026-07-01), not {when!r}")
    evidence = details.get("evidence")
    if not isinstance(evidence, str) or not EVIDENCE.match(evidence):
        raise RuleViolation(
            "evidence",
            f"an expense needs evidence: a document id or the SHA-256 of the receipt (64 lowercase hex digits), "
            f"not {evidence!r}",
        )
    return day


def _grant(ledger: Ledger, name: Any, what: str) -> Grant:
    grant = read_grant(ledger, name) if isinstance(name, str) else None
    if grant is None:
        raise RuleViolation("grant", f"{what} names grant {name!r}, which does not exist")
    return grant


def check_grant_movement(ledger: Ledger, command: Command) -> None:
    args = command.args
    code, amount = args["code"], args["amount"]
    grant = _grant(ledger, args["details"].get("grant"), f"{code} {args.get('transfer_id')!r}")
    g = grant.grant
    state = state_of(ledger, g)
    if state == "closed":
        raise RuleViolation("grant_closed", f"grant {g!r} is closed; no {code} can be recorded")
    tally = read_tally(ledger, g)
    if code == TRANCHE:
        if (args["debit"], args["credit"]) != (grant.funder, grant.fund):
            raise RuleViolation(
                "grant_parties",
                f"a tranche of grant {g!r} goes from its funder {grant.funder!r} to its fund {grant.fund!r}, "
                f"not {args['debit']!r} -> {args['credit']!r}",
            )
        if tally.disbursed + amount > grant.total:
            raise over_disbursement(g, amount, tally.disbursed + amount, grant.total)
    elif code == EXPENSE:
        if args["debit"] != grant.fund:
            raise RuleViolation(
                "grant_parties",
                f"an expense of grant {g!r} is paid from its fund {grant.fund!r}, not {args['debit']!r}",
            )
        day = check_expense_record(args)
        if not grant.start <= day <= grant.end:
            raise RuleViolation(
                "grant_period", f"expense dated {day} is outside grant {g!r}'s period {grant.start} to {grant.end}"
            )
        budget = read_budget(ledger, g)
        line = args["details"].get("line")
        if line not in budget:
            raise RuleViolation(
                "budget_line", f"grant {g!r} has no budget line {line!r}; its lines are {', '.join(sorted(budget))}"
            )
        after = tally.spent.get(line, 0) + amount
        if after > allowance(budget[line], grant.tolerance_bps):
            raise over_budget_line(grant, line, amount, after, budget[line])
    else:  # RETURN
        if (args["debit"], args["credit"]) != (grant.fund, grant.funder):
            raise RuleViolation(
                "grant_parties",
                f"an unspent balance of grant {g!r} goes back from its fund {grant.fund!r} to its funder "
                f"{grant.funder!r}, not {args['debit']!r} -> {args['credit']!r}",
            )
        if amount > tally.unspent:
            raise RuleViolation(
                "return_unspent",
                f"return of {amount} on grant {g!r} is over its unspent balance of {tally.unspent} by "
                f"{amount - tally.unspent}",
            )


def check_reversal(args: Mapping[str, Any]) -> None:
    """A grant's tally counts its movements once: they are corrected by new events, never reversed."""
    details = args.get("details") or {}
    if args.get("code") in GRANT_CODES and details.get("grant") is not None:
        raise RuleViolation(
            "grant_reversal",
            f"{args['code']} {args['reverses']!r} of grant {details['grant']!r} cannot be reversed; "
            f"record a return of the unspent balance instead",
        )


def check_fact(ledger: Ledger, command: Command) -> None:
    args = command.args
    fact_type, subject, data = args["fact_type"], args["subject"], args["data"]
    if fact_type == TALLY and command.added_by is None:
        raise RuleViolation("tally", f"the tally of grant {subject!r} is revised only by the grants plugin")
    elif fact_type in (FUND, CONDUIT):
        check_fund_fact(ledger, fact_type, subject, data)
    elif fact_type == GRANT:
        check_award(ledger, subject, data)
    elif fact_type == STATUS:
        check_status(ledger, subject, data["state"])


def check_fund_fact(ledger: Ledger, fact_type: str, subject: str, data: Mapping[str, Any]) -> None:
    if ledger.account(subject, missing_ok=True) is None:
        raise RuleViolation("fund", f"{subject!r} is not an account; open it before declaring it")
    if fact_type == FUND and ledger.fact(FUND, subject) is not None:
        raise RuleViolation("fund", f"account {subject!r} is already a fund; a fund's purpose never changes")
    if fact_type == CONDUIT and read_fund(ledger, data["fund"]) is None:
        raise RuleViolation("conduit", f"conduit {subject!r} names {data['fund']!r}, which is not a fund")


def check_award(ledger: Ledger, grant: str, data: Mapping[str, Any]) -> None:
    if ledger.fact(GRANT, grant) is not None:
        raise RuleViolation("grant_exists", f"grant {grant!r} is already awarded; an award is never edited")
    fund = read_fund(ledger, data["fund"])
    if fund is None:
        raise RuleViolation("grant_fund", f"grant {grant!r} names {data['fund']!r} as its fund, which is not a fund")
    if fund.restricted and fund.purpose != data["purpose"]:
        raise RuleViolation(
            "restricted_purpose",
            f"fund {fund.account!r} is restricted to {fund.purpose!r}; grant {grant!r} for {data['purpose']!r} "
            f"cannot land in it",
        )
    if fund.currency != data["currency"]:
        raise RuleViolation(
            "grant_fund", f"grant {grant!r} is in {data['currency']}; fund {fund.account!r} keeps {fund.currency}"
        )
    if ledger.account(data["funder"], missing_ok=True) is None:
        raise RuleViolation(
            "grant_parties", f"grant {grant!r} names funder {data['funder']!r}, which is not an account"
        )


ORDER = {"report_submitted": "awarded", "report_accepted": "report_submitted", "closed": "report_accepted"}


def check_status(ledger: Ledger, grant: str, state: str) -> None:
    if state == "awarded":
        return  # recorded with the award itself; checked inside the write
    current = state_of(ledger, grant)
    if current != ORDER[state]:
        raise RuleViolation("grant_lifecycle", f"grant {grant!r} is {current}; it must be {ORDER[state]} to be {state}")
    if state == "closed":
        unspent = read_tally(ledger, grant).unspent
        if unspent:
            raise RuleViolation(
                "grant_unspent", f"grant {grant!r} still has {unspent} unspent; return it before closing"
            )


# -- items added to the command -------------------------------------------------------------


def tally_item(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """The grant's tally, revised with the movement (compare-and-set on its version)."""
    args = command.args
    if command.name != "transfer" or args.get("code") not in GRANT_CODES:
        return None
    grant = args.get("details", {}).get("grant")
    if not isinstance(grant, str):
        return None
    tally = read_tally(ledger, grant)
    data = tally.data()
    amount = args["amount"]
    if args["code"] == TRANCHE:
        data["disbursed"] += amount
        data["tranches"] += 1
    elif args["code"] == EXPENSE:
        line = args["details"]["line"]
        data["spent"] = {**data["spent"], line: data["spent"].get(line, 0) + amount}
        data["expenses"] += 1
    else:
        data["returned"] += amount
        data["returns"] += 1
    return [{"type": "fact", "fact_type": TALLY, "subject": grant, "data": data, "expected_version": tally.version}]


# -- inside the write transaction -------------------------------------------------------------


def check_transaction(commands: list[Command], fact: Callable[[str, str], Optional[dict[str, Any]]]) -> None:
    """The limits again, on the award, budget and tally as this transaction writes them."""
    moved: dict[str, int] = {}
    for command in commands:
        args = command.args
        if command.name == "transfer" and args.get("code") in GRANT_CODES and args["details"].get("grant"):
            g = args["details"]["grant"]
            moved[g] = moved.get(g, 0) + 1
            if moved[g] > 1:
                raise RuleViolation(
                    "grant_batch", f"grant {g!r} moves once per transaction; record its movements one at a time"
                )
            check_written(g, command, fact)
        elif command.name == "record_fact" and args["fact_type"] in (BUDGET, GRANT):
            g = args["subject"]
            award, budget = fact(GRANT, g), fact(BUDGET, g)
            if award is None or budget is None:
                raise RuleViolation("grant_award", f"grant {g!r} is awarded with its budget lines, in one transaction")
            tally = fact(TALLY, g)
            problem = budget_problem(Grant(grant=g, **award), budget["lines"], tally["spent"] if tally else {})
            if problem is not None:
                raise problem


def check_written(g: str, command: Command, fact: Callable[[str, str], Optional[dict[str, Any]]]) -> None:
    award, budget, data = fact(GRANT, g), fact(BUDGET, g), fact(TALLY, g)
    if award is None or budget is None or data is None:
        raise RuleViolation("grant", f"grant {g!r} has no award, budget or tally in this transaction")
    grant, tally = Grant(grant=g, **award), Tally(**data)
    args = command.args
    if args["code"] == TRANCHE and tally.disbursed > grant.total:
        raise over_disbursement(g, args["amount"], tally.disbursed, grant.total)
    if args["code"] == EXPENSE:
        line = args["details"]["line"]
        spent, lines = tally.spent.get(line, 0), budget["lines"]
        if spent > allowance(lines.get(line, 0), grant.tolerance_bps):
            raise over_budget_line(grant, line, args["amount"], spent, lines.get(line, 0))
    if tally.unspent < 0 and args["code"] == RETURN:
        raise RuleViolation("return_unspent", f"grant {g!r} would have returned more than it has unspent")


__all__ = ["budget_problem", "check_command", "check_transaction", "tally_item"]
