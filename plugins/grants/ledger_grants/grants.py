"""``Grants``: the API an app holds for funds, grants, their movements, corrections and reports.

Each method is one ledger command (or one atomic batch); the rules in ``rules.py`` and
``lifecycle.py`` decide, so the same limits hold for whoever writes to the ledger directly.

Every method takes ``request_id``: a retried call returns the first call's result and writes
nothing (a different call under the same id is ``DuplicateRequest``). Where a method derives
its arguments from the ledger's state (the next tranche number, the budget's current lines,
the lifecycle's version) the state moves on after the first call, so the request id is also
recorded in the movement's ``details`` or the fact's data: a retry finds what its first call
wrote and repeats exactly those arguments, which the ledger then answers from its request log.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from ledger import FactResult, Ledger, RuleViolation, TransferResult, UnknownTransfer, ValidationError, validate

from .errors import NotAGrantMovement, UnknownFund, UnknownGrant, UnknownReport
from .facts import Fund, FundSchema, Grant, read_budget, read_fund, read_grant, read_tally, state_of
from .history import grant_movements
from .lifecycle import reallocated
from .names import (
    BUDGET,
    CONDUIT,
    DONATION,
    EXPENSE,
    FUND,
    FUND_TRANSFER,
    GRANT,
    GRANT_CODES,
    REPORT,
    RETURN,
    STATUS,
    TRANCHE,
    expense_id,
    return_id,
    tranche_id,
)
from .reports import MAX_REPORT_BYTES, compute_report, report_size


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _step(request_id: Optional[str], step: str) -> Optional[str]:
    """A request id per command of a multi-command call, so a retry replays each step."""
    return None if request_id is None else f"{request_id}.{step}"


def _tagged(data: dict[str, Any], request_id: Optional[str]) -> dict[str, Any]:
    return data if request_id is None else {**data, "request_id": request_id}


def _optional(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


class Grants:
    """Funds, grants and their lifecycle on one ``Ledger``. Amounts are integers in minor units."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- funds ---------------------------------------------------------------------------------

    def open_fund(self, account: str, scheme: str, *, currency: str, purpose: str = "", description: str = "",
                  owner: Optional[str] = None, request_id: Optional[str] = None) -> Fund:
        """Open ``account`` (unless it exists) and declare it a fund: restricted to ``purpose``,
        or unrestricted if ``purpose`` is empty. A fund's purpose never changes.

        Opening an account is no batch item, so this is two commands; the declaration is
        validated before the account is opened, so a refused declaration opens nothing.
        """
        data = {"purpose": purpose, "currency": currency, "description": description}
        validate(FundSchema, f"record_fact {FUND}", data)
        if read_fund(self.ledger, account) is not None and request_id is None:
            raise RuleViolation("fund", f"account {account!r} is already a fund; a fund's purpose never changes")
        if self.ledger.account(account, missing_ok=True) is None:
            self.ledger.open_account(account, scheme, personal=False, request_id=_step(request_id, "account"),
                                     **_optional(owner=owner))
        self.ledger.record_fact(FUND, account, data, expected_version=0, request_id=_step(request_id, "fund"))
        return self.fund(account)

    def fund(self, account: str) -> Fund:
        fund = read_fund(self.ledger, account)
        if fund is None:
            raise UnknownFund(account)
        return fund

    def add_conduit(self, account: str, fund: str, note: str = "", *,
                    request_id: Optional[str] = None) -> FactResult:
        """Trace money through ``account`` (e.g. a crowdfund campaign's escrow) into ``fund``."""
        return self.ledger.record_fact(CONDUIT, account, {"fund": fund, "note": note}, expected_version=0,
                                       request_id=request_id)

    def donate(self, donor: str, fund: str, amount: int, *, transfer_id: Optional[str] = None, memo: str = "",
               personal: bool = True, request_id: Optional[str] = None) -> TransferResult:
        """A donation lands in a fund (a personal movement by default: public exports withhold it)."""
        self.fund(fund)
        return self.ledger.transfer(donor, fund, amount, code=DONATION, memo=memo, personal=personal,
                                    request_id=request_id, **_optional(transfer_id=transfer_id))

    def spend(self, fund: str, payee: str, amount: int, *, purpose: str, day: Any, evidence: str,
              transfer_id: Optional[str] = None, memo: str = "", request_id: Optional[str] = None) -> TransferResult:
        """An expense from a fund outside any grant (a restricted fund only for its purpose)."""
        details = {"purpose": purpose, "date": _day(day), "evidence": evidence}
        return self.ledger.transfer(fund, payee, amount, code=EXPENSE, memo=memo, details=details,
                                    request_id=request_id, **_optional(transfer_id=transfer_id))

    def move(self, source: str, target: str, amount: int, *, memo: str = "", transfer_id: Optional[str] = None,
             request_id: Optional[str] = None) -> TransferResult:
        """Money from one fund to another (same purpose if the source is restricted)."""
        return self.ledger.transfer(source, target, amount, code=FUND_TRANSFER, memo=memo, request_id=request_id,
                                    **_optional(transfer_id=transfer_id))

    # -- the grant lifecycle -----------------------------------------------------------------

    def award(self, grant: str, *, title: str, funder: str, fund: str, total: int, currency: str, purpose: str,
              start: Any, end: Any, awarded_on: Any, lines: dict[str, int], tolerance_bps: int = 0,
              identifier: str = "", funder_name: str = "", recipient_name: str = "",
              request_id: Optional[str] = None) -> Grant:
        """Record the commitment: award, budget lines and the ``awarded`` event in one batch."""
        award = dict(title=title, funder=funder, fund=fund, total=total, currency=currency, purpose=purpose,
                     start=_day(start), end=_day(end), awarded_on=_day(awarded_on), tolerance_bps=tolerance_bps,
                     identifier=identifier, funder_name=funder_name, recipient_name=recipient_name)
        self.ledger.batch([
            {"type": "fact", "fact_type": GRANT, "subject": grant, "data": award, "expected_version": 0},
            {"type": "fact", "fact_type": BUDGET, "subject": grant, "data": {"lines": lines, "reason": "award"},
             "expected_version": 0},
            {"type": "fact", "fact_type": STATUS, "subject": grant, "data": {"state": "awarded"},
             "expected_version": 0},
        ], request_id=request_id)
        return self.grant(grant)

    def grant(self, grant: str) -> Grant:
        found = read_grant(self.ledger, grant)
        if found is None:
            raise UnknownGrant(grant)
        return found

    def state(self, grant: str) -> str:
        self.grant(grant)
        return state_of(self.ledger, grant)

    def budget(self, grant: str) -> dict[str, int]:
        self.grant(grant)
        return read_budget(self.ledger, grant)

    def disburse(self, grant: str, amount: int, *, transfer_id: Optional[str] = None, memo: str = "",
                 request_id: Optional[str] = None) -> TransferResult:
        """A tranche from the funder into the grant's fund (``<grant>/tranche/<n>``); never past
        the commitment."""
        g = self.grant(grant)
        first = self._made_by(g, TRANCHE, request_id)
        number = first.details["tranche"] if first else read_tally(self.ledger, grant).tranches + 1
        tid = transfer_id or (first.transfer_id if first else tranche_id(grant, number))
        details = _tagged({"grant": grant, "tranche": number}, request_id)
        return self.ledger.transfer(g.funder, g.fund, amount, code=TRANCHE, memo=memo, transfer_id=tid,
                                    details=details, request_id=request_id)

    def expense(self, grant: str, payee: str, amount: int, *, line: str, day: Any, evidence: str,
                transfer_id: Optional[str] = None, memo: str = "", request_id: Optional[str] = None) -> TransferResult:
        """Spending from the grant's fund on a budget line, dated, with evidence (a document id or
        the receipt's SHA-256, never the file): ``<grant>/expense/<n>``."""
        g = self.grant(grant)
        first = self._made_by(g, EXPENSE, request_id)
        tid = transfer_id or (first.transfer_id if first else expense_id(grant, self._next(grant, EXPENSE)))
        details = _tagged({"grant": grant, "line": line, "purpose": g.purpose, "date": _day(day),
                           "evidence": evidence}, request_id)
        return self.ledger.transfer(g.fund, payee, amount, code=EXPENSE, memo=memo, details=details,
                                    transfer_id=tid, request_id=request_id)

    def return_unspent(self, grant: str, amount: Optional[int] = None, *, memo: str = "",
                       request_id: Optional[str] = None) -> TransferResult:
        """The unspent balance (or ``amount`` of it) back from the fund to the funder."""
        g = self.grant(grant)
        first = self._made_by(g, RETURN, request_id)
        if amount is None:
            amount = first.amount if first else read_tally(self.ledger, grant).unspent
            if amount <= 0:
                raise RuleViolation("return_unspent", f"grant {grant!r} has {amount} unspent; nothing to return")
        tid = first.transfer_id if first else return_id(grant, self._next(grant, RETURN))
        return self.ledger.transfer(g.fund, g.funder, amount, code=RETURN, memo=memo, transfer_id=tid,
                                    details=_tagged({"grant": grant}, request_id), request_id=request_id)

    # -- corrections ---------------------------------------------------------------------------

    def reverse(self, transfer_id: str, *, reason: str, request_id: Optional[str] = None) -> TransferResult:
        """Take back an erroneous movement (a tranche, expense, return, or a fund's own expense)
        with a reversal ``<id>:reversal`` that names it; the original is never edited."""
        return self.ledger.reverse(transfer_id, reason=reason, request_id=request_id)

    def correct(self, transfer_id: str, *, reason: str, amount: Optional[int] = None, line: Optional[str] = None,
                day: Any = None, evidence: Optional[str] = None, payee: Optional[str] = None,
                request_id: Optional[str] = None) -> list[TransferResult]:
        """Correct a grant movement: its reversal and the corrected movement (``details.corrects``
        names the original) in one batch. What is not given is copied from the original; ``line``,
        ``day``, ``evidence`` and ``payee`` apply to expenses. Returns ``[reversal, replacement]``."""
        try:
            original = self.ledger.transfer_info(transfer_id)
        except UnknownTransfer:
            raise NotAGrantMovement(transfer_id, "no such transfer") from None
        name = original.details.get("grant")
        if original.code not in GRANT_CODES or not isinstance(name, str) or original.reverses is not None:
            raise NotAGrantMovement(transfer_id, original.code)
        g = self.grant(name)
        extra = [k for k, v in (("line", line), ("day", day), ("evidence", evidence), ("payee", payee)) if v]
        if original.code != EXPENSE and extra:
            raise ValidationError("grants correct", {extra[0]: [f"applies to expenses; {transfer_id!r} is a "
                                                                f"{original.code}."]})
        first = self._made_by(g, original.code, request_id)
        details: dict[str, Any] = {"grant": name, "corrects": transfer_id}
        if original.code == EXPENSE:
            was = original.details
            details.update(line=line or was["line"], purpose=g.purpose, date=_day(day) if day else was["date"],
                           evidence=evidence or was["evidence"])
            debit, credit = g.fund, payee or original.credit
        elif original.code == TRANCHE:
            details["tranche"] = first.details["tranche"] if first else read_tally(self.ledger, name).tranches + 1
            debit, credit = g.funder, g.fund
        else:
            debit, credit = g.fund, g.funder
        if first is not None:
            tid = first.transfer_id
        elif original.code == TRANCHE:
            tid = tranche_id(name, details["tranche"])
        else:
            tid = (expense_id if original.code == EXPENSE else return_id)(name, self._next(name, original.code))
        replacement = {"type": "transfer", "debit": debit, "credit": credit,
                       "amount": original.amount if amount is None else amount, "code": original.code,
                       "memo": reason, "details": _tagged(details, request_id), "transfer_id": tid}
        results = self.ledger.batch([{"type": "reverse", "transfer_id": transfer_id, "reason": reason}, replacement],
                                    request_id=request_id)
        return [r for r in results if isinstance(r, TransferResult)]

    # -- budget ----------------------------------------------------------------------------------

    def reallocate(self, grant: str, source: str, target: str, amount: int, *, reason: str,
                   request_id: Optional[str] = None) -> dict[str, int]:
        """Move ``amount`` of budget from line ``source`` to line ``target`` (a new line if it has
        none): an explicit, recorded event with its reason."""
        self.grant(grant)
        history = self.ledger.facts(BUDGET, grant)
        base = len(history)
        if request_id is not None:
            base = next((f.version - 1 for f in history if f.data.get("request_id") == request_id), base)
        move = {"from": source, "to": target, "amount": amount}
        if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0:
            lines = reallocated(grant, history[base - 1].data["lines"], move)
        else:  # let the schema name the field
            lines = dict(history[base - 1].data["lines"])
        data = _tagged({"lines": lines, "reason": reason, "moved": move}, request_id)
        self.ledger.record_fact(BUDGET, grant, data, expected_version=base, request_id=request_id)
        return lines

    # -- reports and the lifecycle ---------------------------------------------------------------

    def submit_report(self, grant: str, *, start: Any = None, end: Any = None, note: str = "",
                      request_id: Optional[str] = None) -> dict[str, Any]:
        """Compute the expense report for ``start``..``end`` (default: the grant's period) from the
        ledger as it is now, and record it with the ``report_submitted`` event naming its digest.
        Returns the report (``digest`` is what a funder accepts or rejects)."""
        g = self.grant(grant)
        status = self.ledger.facts(STATUS, grant)
        first = self._first_status(status, request_id)
        if first is not None:  # a retry: the same report, as of the same seq
            before = next(f for f in self.ledger.facts(REPORT, grant) if f.data["digest"] == first.data["report"])
            as_of, number, events = before.data["as_of"], before.data["number"], first.version - 1
        else:
            as_of, number, events = self.ledger.size() - 1, len(self.ledger.facts(REPORT, grant)) + 1, len(status)
        start, end = _day(start) or g.start, _day(end) or g.end
        for name, value in (("start", start), ("end", end)):
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ValidationError("grants submit_report", {name: ["must be an ISO 8601 date such as "
                                                                      "2026-07-01."]}) from None
        report = compute_report(self.ledger, g, start=start, end=end, as_of=as_of, number=number)
        if report_size(report) > MAX_REPORT_BYTES:
            raise ValidationError("grants submit_report", {"period": [
                f"the report lists {len(report['expenses'])} expenses and is {report_size(report)} bytes; a report "
                f"holds at most {MAX_REPORT_BYTES}: report a shorter period."]})
        event = _tagged({"state": "report_submitted", "note": note, "report": report["digest"]}, request_id)
        self.ledger.batch([
            {"type": "fact", "fact_type": REPORT, "subject": grant, "data": report, "expected_version": number - 1},
            {"type": "fact", "fact_type": STATUS, "subject": grant, "data": event, "expected_version": events},
        ], request_id=request_id)
        return report

    def report(self, grant: str, number: Optional[int] = None) -> dict[str, Any]:
        """A submitted report (the latest without ``number``)."""
        self.grant(grant)
        reports = self.ledger.facts(REPORT, grant)
        found = reports if number is None else [f for f in reports if f.data["number"] == number]
        if not found:
            raise UnknownReport(grant, number)
        return found[-1].data

    def accept_report(self, grant: str, report: str, note: str = "", *,
                      request_id: Optional[str] = None) -> FactResult:
        """Accept the report whose digest is ``report`` (it must be the one submitted, and current)."""
        return self._status(grant, {"state": "report_accepted", "note": note, "report": report}, request_id)

    def reject_report(self, grant: str, report: str, reason: str, *,
                      request_id: Optional[str] = None) -> FactResult:
        """Reject the report whose digest is ``report``, with a reason; a new one may be submitted."""
        return self._status(grant, {"state": "report_rejected", "note": reason, "report": report}, request_id)

    def close(self, grant: str, note: str = "", *, request_id: Optional[str] = None) -> FactResult:
        """Close a grant whose latest report is accepted and current and which has nothing unspent."""
        return self._status(grant, {"state": "closed", "note": note}, request_id)

    def _status(self, grant: str, data: dict[str, Any], request_id: Optional[str]) -> FactResult:
        self.grant(grant)
        history = self.ledger.facts(STATUS, grant)
        first = self._first_status(history, request_id)
        version = first.version - 1 if first else len(history)
        return self.ledger.record_fact(STATUS, grant, _tagged(data, request_id), expected_version=version,
                                       request_id=request_id)

    # -- retries ---------------------------------------------------------------------------------

    @staticmethod
    def _first_status(history: list[FactResult], request_id: Optional[str]) -> Optional[FactResult]:
        if request_id is None:
            return None
        return next((f for f in history if f.data.get("request_id") == request_id), None)

    def _made_by(self, grant: Grant, code: str, request_id: Optional[str]) -> Optional[TransferResult]:
        """The movement of ``grant`` a call with ``request_id`` already recorded, if any."""
        if request_id is None:
            return None
        return next((t for t in grant_movements(self.ledger, grant)
                     if t.code == code and t.reverses is None and t.details.get("request_id") == request_id), None)

    def _next(self, grant: str, code: str) -> int:
        tally = read_tally(self.ledger, grant)
        return {TRANCHE: tally.tranches, EXPENSE: tally.expenses, RETURN: tally.returns}[code] + 1


__all__ = ["Grants"]
