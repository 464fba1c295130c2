"""The rules on the grants plugin's facts: funds, the award, budget reallocations, the lifecycle
and expense reports. Checked before the write (``check_fact``) and, where a rule spans several
facts of one batch, again inside it (``check_written_fact``).

Lifecycle: ``awarded`` (only with the award) -> ``report_submitted`` -> ``report_accepted`` or
``report_rejected``; a rejected or accepted report may be followed by a new submission; a grant
whose latest report is accepted, still describes the grant's disbursements and spending, and
has nothing unspent, may be ``closed``. A closed grant takes nothing more.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from ledger import Command, Ledger, RuleViolation

from .facts import Grant, allowance, read_fund, read_grant, read_report, read_tally, state_of
from .names import BUDGET, CONDUIT, FOLLOWS, FUND, GRANT, REPORT, STATUS, TALLY
from .reports import compute_report

FactReader = Callable[[str, str], Optional[dict[str, Any]]]


def check_fact(ledger: Ledger, command: Command) -> None:
    args = command.args
    fact_type, subject, data = args["fact_type"], args["subject"], args["data"]
    if fact_type == TALLY and command.added_by is None:
        raise RuleViolation("tally", f"the tally of grant {subject!r} is revised only by the grants plugin")
    elif fact_type in (FUND, CONDUIT):
        check_fund_fact(ledger, fact_type, subject, data)
    elif fact_type == GRANT:
        check_award(ledger, subject, data)
    elif fact_type == BUDGET:
        check_budget(ledger, subject, data)
    elif fact_type == STATUS:
        check_status(ledger, subject, data)
    elif fact_type == REPORT:
        check_report(ledger, subject, data)


def check_fund_fact(ledger: Ledger, fact_type: str, subject: str, data: Mapping[str, Any]) -> None:
    if ledger.account(subject, missing_ok=True) is None:
        raise RuleViolation("fund", f"{subject!r} is not an account; open it before declaring it")
    if fact_type == FUND and ledger.fact(FUND, subject) is not None:
        raise RuleViolation("fund", f"account {subject!r} is already a fund; a fund's purpose never changes")
    if fact_type == CONDUIT:
        if ledger.fact(CONDUIT, subject) is not None:
            raise RuleViolation("conduit", f"account {subject!r} is already a conduit")
        if read_fund(ledger, data["fund"]) is None:
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
    funder = ledger.account(data["funder"], missing_ok=True)
    if funder is None:
        raise RuleViolation(
            "grant_parties", f"grant {grant!r} names funder {data['funder']!r}, which is not an account"
        )
    unit = ledger.account(data["fund"]).unit
    if funder.unit != unit:
        raise RuleViolation(
            "grant_parties",
            f"grant {grant!r}: funder {data['funder']!r} holds {funder.unit}, fund {data['fund']!r} holds {unit}",
        )


def check_budget(ledger: Ledger, grant: str, data: Mapping[str, Any]) -> None:
    """The award's lines come with the award; every later revision is one explicit reallocation."""
    current = ledger.fact(BUDGET, grant)
    if current is None:
        if data["moved"]:
            raise RuleViolation("reallocation", f"grant {grant!r} has no budget yet to reallocate")
        return  # the award's budget: checked with the award inside the write
    if state_of(ledger, grant) == "closed":
        raise RuleViolation("grant_closed", f"grant {grant!r} is closed; its budget is final")
    if not data["moved"] or not data["reason"].strip():
        raise RuleViolation(
            "reallocation",
            f"the budget of grant {grant!r} changes only by a reallocation naming from, to, amount and a reason",
        )
    lines = reallocated(grant, current.data["lines"], data["moved"])
    if dict(data["lines"]) != lines:
        raise RuleViolation(
            "reallocation",
            f"the new lines of grant {grant!r} are not its current lines with {data['moved']['amount']} moved from "
            f"{data['moved']['from']!r} to {data['moved']['to']!r}",
        )


def reallocated(grant: str, lines: Mapping[str, int], move: Mapping[str, Any]) -> dict[str, int]:
    """``lines`` after moving budget; refused if the source line has less than the amount."""
    source, target, amount = move["from"], move["to"], move["amount"]
    if source not in lines:
        raise RuleViolation("reallocation", f"grant {grant!r} has no budget line {source!r} to move budget from")
    if lines[source] < amount:
        raise RuleViolation(
            "reallocation",
            f"line {source!r} of grant {grant!r} has {lines[source]} of budget, {amount - lines[source]} short of "
            f"the {amount} to move",
        )
    out = dict(lines)
    out[source] -= amount
    out[target] = out.get(target, 0) + amount
    return out


def check_status(ledger: Ledger, grant: str, data: Mapping[str, Any]) -> None:
    state = data["state"]
    current = state_of(ledger, grant)
    if state == "awarded":
        if current != "draft":
            raise RuleViolation("grant_lifecycle", f"grant {grant!r} is {current}; it is awarded only once")
        return  # recorded with the award itself, which the write checks
    if current not in FOLLOWS[state]:
        raise RuleViolation(
            "grant_lifecycle",
            f"grant {grant!r} is {current}; it must be {' or '.join(FOLLOWS[state])} to be {state}",
        )
    if state == "report_submitted":
        if not data.get("report"):
            raise RuleViolation("report", f"a report_submitted event of grant {grant!r} names its report's digest")
        return  # the report itself is in the same batch: checked inside the write
    report = read_report(ledger, grant)
    if report is None:  # a report_submitted event is written only with its report
        raise RuleViolation("report", f"grant {grant!r} has no report to be {state}")
    if state in ("report_accepted", "report_rejected"):
        check_decision(ledger, grant, state, data, report)
    elif state == "closed":
        check_close(ledger, grant, report)


def check_decision(ledger: Ledger, grant: str, state: str, data: Mapping[str, Any], report: dict[str, Any]) -> None:
    """Accepting or rejecting names exactly the report submitted; an accepted report is current."""
    verb = "accepts" if state == "report_accepted" else "rejects"
    if data.get("report") != report["digest"]:
        raise RuleViolation(
            "report",
            f"grant {grant!r}: this {verb} report {data.get('report')!r}, but the report submitted is "
            f"{report['digest']!r} (report {report['number']})",
        )
    if state == "report_rejected" and not data["note"].strip():
        raise RuleViolation("report", f"rejecting report {report['number']} of grant {grant!r} needs a reason")
    if state == "report_accepted":
        moved_at = max(f.seq for f in (ledger.fact(TALLY, grant), ledger.fact(BUDGET, grant)) if f is not None)
        if moved_at > report["as_of"]:
            raise RuleViolation(
                "report_stale",
                f"report {report['number']} of grant {grant!r} is as of seq {report['as_of']}, but the grant moved "
                f"at seq {moved_at}; reject it and submit a new report",
            )


def check_close(ledger: Ledger, grant: str, report: dict[str, Any]) -> None:
    tally = read_tally(ledger, grant)
    if tally.unspent:
        raise RuleViolation(
            "grant_unspent", f"grant {grant!r} still has {tally.unspent} unspent; return it before closing"
        )
    spent = sum(tally.spent.values())
    totals = report["totals"]
    if (tally.disbursed, spent) != (totals["disbursed"], totals["spent_to_date"]):
        raise RuleViolation(
            "report_stale",
            f"grant {grant!r} has disbursed {tally.disbursed} and spent {spent} since its accepted report "
            f"{report['number']} said {totals['disbursed']} and {totals['spent_to_date']}; submit a new report",
        )


def check_report(ledger: Ledger, grant: str, data: Mapping[str, Any]) -> None:
    """A report is what the ledger says: recomputed here, field by field, from the same inputs."""
    found = read_grant(ledger, grant)
    if found is None:
        raise RuleViolation("report", f"a report names grant {grant!r}, which does not exist")
    number = len(ledger.facts(REPORT, grant)) + 1
    if data["number"] != number:
        raise RuleViolation("report", f"the next report of grant {grant!r} is number {number}, not {data['number']}")
    head = ledger.size() - 1
    if data["as_of"] > head:
        raise RuleViolation("report", f"report {number} of grant {grant!r} is as of seq {data['as_of']}, after the "
                                      f"ledger's last event {head}")
    period = data["period"]
    if set(period) != {"start", "end"} or period["start"] > period["end"]:
        raise RuleViolation("report", f"report {number} of grant {grant!r} covers a period from start to end, "
                                      f"not {dict(period)!r}")
    expected = compute_report(ledger, found, start=period["start"], end=period["end"], as_of=data["as_of"],
                              number=number)
    wrong = [key for key in expected if expected[key] != data.get(key)] + sorted(set(data) - set(expected))
    if wrong:
        raise RuleViolation(
            "report_computed",
            f"report {number} of grant {grant!r} is not what the ledger says as of seq {data['as_of']} "
            f"({', '.join(wrong)} differ); submit the report Grants.submit_report computes",
        )


# -- inside the write transaction -------------------------------------------------------------


def check_written_fact(command: Command, fact: FactReader, commands: list[Command]) -> None:
    """Rules that span several facts of one batch, on what the transaction writes."""
    args = command.args
    fact_type, g = args["fact_type"], args["subject"]
    if fact_type in (BUDGET, GRANT) or (fact_type == STATUS and args["data"]["state"] == "awarded"):
        award, budget = fact(GRANT, g), fact(BUDGET, g)
        if award is None or budget is None:
            raise RuleViolation("grant_award", f"grant {g!r} is awarded with its budget lines, in one transaction")
        tally = fact(TALLY, g)
        problem = budget_problem(Grant(grant=g, **award), budget["lines"], tally["spent"] if tally else {})
        if problem is not None:
            raise problem
    elif fact_type in (REPORT, STATUS) and (fact_type == REPORT or args["data"]["state"] == "report_submitted"):
        status, report = fact(STATUS, g), fact(REPORT, g)
        if status is None or report is None or status["state"] != "report_submitted" \
                or status.get("report") != report["digest"]:
            raise RuleViolation(
                "report", f"a report of grant {g!r} is recorded with its report_submitted event naming its digest, "
                          f"in one transaction",
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


__all__ = ["budget_problem", "check_fact", "check_written_fact", "reallocated"]
