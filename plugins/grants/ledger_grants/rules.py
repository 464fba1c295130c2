"""The fund and grant movement rules, applied to every command, whoever issues it.

Three layers, one per hook:

* ``check_command`` (``ledger_validate_command``): a restricted fund pays out only for its
  purpose; tranches go from the funder to the grant's fund and never past the commitment;
  expenses carry a budget line, a date inside the grant's period and evidence, and stay
  within the line's budget plus tolerance; returns stay within the unspent balance; a
  correction (a reversal, and the movement that replaces it) names what it corrects. The
  rules on facts (award, budget, lifecycle, reports) are in ``lifecycle.py``.
* ``tally_item`` (``ledger_before_commit``): every grant movement revises the grant's tally
  fact with ``expected_version``, so two writers moving one grant are serialised.
* ``check_transaction`` (``ledger_check_transaction``): the same limits again on what the
  write transaction holds (the tally, budget and award as written), so no race and no batch
  can pass them.

A grant moves once per transaction, with one exception: a correction, the reversal of a
movement followed by the movement that replaces it (``details.corrects``). The hooks see the
ledger as of the last commit, not the earlier items of a batch, so a second, unrelated movement
of one grant in one batch could not be tallied on top of the first (docs/grants.md).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Mapping, Optional

from ledger import Command, Ledger, RuleViolation, UnknownTransfer

from .facts import Grant, Tally, allowance, read_budget, read_fund, read_grant, read_tally, state_of
from .lifecycle import check_fact, check_written_fact
from .names import EVIDENCE_RE, EXPENSE, FUND_TRANSFER, GRANT, GRANT_CODES, REFUND_CODES, RETURN, TALLY, TRANCHE

EVIDENCE = re.compile(EVIDENCE_RE)
FactReader = Callable[[str, str], Optional[dict[str, Any]]]


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


def over_unspent(grant: str, amount: int, unspent: int) -> RuleViolation:
    return RuleViolation(
        "return_unspent",
        f"return of {amount} on grant {grant!r} is over its unspent balance of {unspent} by {amount - unspent}",
    )


# -- what a movement does to the tally ------------------------------------------------------------


def is_grant_movement(command: Command) -> bool:
    args = command.args
    code = args.get("code", "")
    if command.name == "reverse":
        return code in GRANT_CODES and (args.get("details") or {}).get("grant") is not None
    if command.name not in ("transfer", "hold"):
        return False
    return (code in GRANT_CODES and (args.get("details") or {}).get("grant") is not None) or code in (TRANCHE, RETURN)


def moved(tally: Tally, code: str, details: Mapping[str, Any], amount: int, sign: int) -> Tally:
    """``tally`` after a movement (``sign`` 1) or after its reversal (``sign`` -1); counters apart."""
    data = tally.data()
    if code == TRANCHE:
        data["disbursed"] += sign * amount
    elif code == EXPENSE:
        line = details["line"]
        data["spent"] = {**data["spent"], line: data["spent"].get(line, 0) + sign * amount}
    else:
        data["returned"] += sign * amount
    return Tally(**data, version=tally.version)


def base_tally(ledger: Ledger, grant: str, args: Mapping[str, Any]) -> Tally:
    """The tally a movement is checked and counted against: for a correction (whose reversal is
    the item before it in the same batch), the last commit's tally without the original."""
    tally = read_tally(ledger, grant)
    corrects = (args.get("details") or {}).get("corrects")
    if corrects is None:
        return tally
    original = ledger.transfer_info(corrects)
    return moved(tally, original.code, original.details, original.amount, -1)


def _is_reversed(ledger: Ledger, transfer_id: str) -> bool:
    try:
        ledger.transfer_info(f"{transfer_id}:reversal")
    except UnknownTransfer:
        return False
    return True


# -- before the write ------------------------------------------------------------------------


def check_command(ledger: Ledger, command: Command) -> None:
    args = command.args
    if command.name in ("transfer", "hold"):
        check_fund_outflow(ledger, command)
        if is_grant_movement(command):
            if command.name == "hold":
                raise RuleViolation("grant_transfer", f"{args['code']} movements are transfers, not holds")
            check_grant_movement(ledger, command)
        elif args.get("code") == EXPENSE:
            check_expense_record(args)
    elif command.name == "reverse" and is_grant_movement(command):
        check_grant_reversal(ledger, command)
    elif command.name == "record_fact":
        check_fact(ledger, command)


def check_fund_outflow(ledger: Ledger, command: Command) -> None:
    """A restricted fund pays only for its purpose (or back to where the money came from)."""
    args = command.args
    fund = read_fund(ledger, args["debit"])
    code = args.get("code", "")
    target = read_fund(ledger, args["credit"]) if code == FUND_TRANSFER else None
    if code == FUND_TRANSFER and target is None:
        raise RuleViolation("fund_transfer", f"{FUND_TRANSFER} goes to a fund; {args['credit']!r} is not one")
    if fund is None or not fund.restricted:
        return
    purpose = (args.get("details") or {}).get("purpose")
    if code == EXPENSE and purpose == fund.purpose:
        return
    if code == RETURN or code in REFUND_CODES:
        return
    if target is not None and target.purpose == fund.purpose:
        return
    if code == EXPENSE:
        what = f"an expense for {purpose!r}" if isinstance(purpose, str) else "an expense without a purpose"
    elif target is not None:
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
    details = args.get("details") or {}
    when = details.get("date")
    try:
        day = date.fromisoformat(when).isoformat() if isinstance(when, str) else None
    except ValueError:
        day = None
    if day is None or day != when:
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


def _open_grant(ledger: Ledger, command: Command) -> Grant:
    args = command.args
    what = args.get("transfer_id") or args.get("reverses")
    grant = _grant(ledger, (args.get("details") or {}).get("grant"), f"{args['code']} {what!r}")
    if state_of(ledger, grant.grant) == "closed":
        raise RuleViolation("grant_closed", f"grant {grant.grant!r} is closed; no {args['code']} can be recorded")
    return grant


def check_grant_movement(ledger: Ledger, command: Command) -> None:
    args = command.args
    code, amount = args["code"], args["amount"]
    grant = _open_grant(ledger, command)
    g = grant.grant
    if (args.get("details") or {}).get("corrects") is not None:
        check_correction(ledger, grant, args)
    tally = base_tally(ledger, g, args)
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
            raise over_unspent(g, amount, tally.unspent)


def check_correction(ledger: Ledger, grant: Grant, args: Mapping[str, Any]) -> None:
    """A movement that ``corrects`` another names a movement of the same grant and kind."""
    corrects = args["details"]["corrects"]
    try:
        original = ledger.transfer_info(corrects) if isinstance(corrects, str) else None
    except UnknownTransfer:
        original = None
    if original is None or original.reverses is not None or original.details.get("grant") != grant.grant \
            or original.code != args["code"]:
        raise RuleViolation(
            "grant_correction",
            f"{args['code']} {args.get('transfer_id')!r} corrects {corrects!r}, which is not a {args['code']} "
            f"of grant {grant.grant!r}",
        )
    if _is_reversed(ledger, corrects):
        raise RuleViolation(
            "grant_correction",
            f"{corrects!r} was already reversed; a correcting movement is recorded in one batch with the reversal "
            f"(Grants.correct), so record {args.get('transfer_id')!r} as a new movement without 'corrects'",
        )


def check_grant_reversal(ledger: Ledger, command: Command) -> None:
    """A grant movement is corrected by its reversal; a reversal itself is not reversed again."""
    args = command.args
    grant = _open_grant(ledger, command)
    if ledger.transfer_info(args["reverses"]).reverses is not None:
        raise RuleViolation(
            "grant_reversal",
            f"{args['reverses']!r} of grant {grant.grant!r} is itself a correction; record the movement again "
            f"instead of reversing a reversal",
        )


# -- items added to the command -------------------------------------------------------------


def tally_item(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """The grant's tally, revised with the movement (compare-and-set on its version)."""
    args = command.args
    if command.name not in ("transfer", "reverse") or not is_grant_movement(command):
        return None
    grant = args["details"]["grant"]
    committed = read_tally(ledger, grant)
    if command.name == "reverse":
        tally = moved(committed, args["code"], args["details"], args["amount"], -1)
        counter = "reversals"
    else:
        tally = moved(base_tally(ledger, grant, args), args["code"], args["details"], args["amount"], 1)
        counter = {TRANCHE: "tranches", EXPENSE: "expenses", RETURN: "returns"}[args["code"]]
    data = tally.data()
    data[counter] += 1
    if command.name == "transfer" and args["details"].get("corrects") is not None:
        data["reversals"] += 1  # this revision supersedes the one its reversal wrote just before
    return [{"type": "fact", "fact_type": TALLY, "subject": grant, "data": data,
             "expected_version": committed.version}]


# -- inside the write transaction -------------------------------------------------------------


def check_transaction(commands: list[Command], fact: FactReader) -> None:
    """The limits again, on the award, budget and tally as this transaction writes them."""
    movements: dict[str, list[Command]] = {}
    for command in commands:
        if command.name in ("transfer", "reverse") and is_grant_movement(command):
            g = command.args["details"]["grant"]
            movements.setdefault(g, []).append(command)
            check_written(g, command, fact)
        elif command.name == "record_fact":
            check_written_fact(command, fact, commands)
    for g, moves in movements.items():
        check_one_movement(g, moves)


def check_one_movement(g: str, moves: list[Command]) -> None:
    """One movement per grant per transaction, or a correction: the reversal, then its replacement."""
    last = moves[-1]
    corrects = last.args["details"].get("corrects") if last.name == "transfer" else None
    if len(moves) == 1 and corrects is None:
        return
    if len(moves) == 2 and corrects is not None and moves[0].name == "reverse" \
            and moves[0].args["reverses"] == corrects:
        return
    if len(moves) == 1:
        raise RuleViolation(
            "grant_correction",
            f"{last.args['code']} {last.args.get('transfer_id')!r} corrects {corrects!r}; it is recorded in one "
            f"batch right after the reversal of {corrects!r} (Grants.correct)",
        )
    raise RuleViolation(
        "grant_batch",
        f"grant {g!r} moves once per transaction (or twice for a correction: the reversal of a movement, then "
        f"the movement that corrects it); record its movements one at a time",
    )


def check_written(g: str, command: Command, fact: FactReader) -> None:
    award, budget, data = fact(GRANT, g), fact("grants.budget.v1", g), fact(TALLY, g)
    if award is None or budget is None or data is None:
        raise RuleViolation("grant", f"grant {g!r} has no award, budget or tally in this transaction")
    grant, tally = Grant(grant=g, **award), Tally(**data)
    args = command.args
    if command.name == "reverse":
        return  # a reversal only takes back what was counted
    if args["code"] == TRANCHE and tally.disbursed > grant.total:
        raise over_disbursement(g, args["amount"], tally.disbursed, grant.total)
    if args["code"] == EXPENSE:
        line = args["details"]["line"]
        spent, lines = tally.spent.get(line, 0), budget["lines"]
        if spent > allowance(lines.get(line, 0), grant.tolerance_bps):
            raise over_budget_line(grant, line, args["amount"], spent, lines.get(line, 0))
    if args["code"] == RETURN and tally.unspent < 0:
        raise over_unspent(g, args["amount"], args["amount"] + tally.unspent)


__all__ = ["check_command", "check_transaction", "is_grant_movement", "moved", "tally_item"]
