"""``Grants``: the API an app holds for funds, grants and their movements.

Each method is one ledger command (or one atomic batch); the rules in ``rules.py`` decide, so
the same limits hold for whoever writes to the ledger directly.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from ledger import FactResult, Ledger, RuleViolation, TransferResult

from .errors import UnknownFund, UnknownGrant
from .facts import Fund, Grant, read_budget, read_fund, read_grant, read_tally, state_of
from .names import (
    BUDGET,
    CONDUIT,
    DONATION,
    EXPENSE,
    FUND,
    FUND_TRANSFER,
    GRANT,
    RETURN,
    STATUS,
    TRANCHE,
    expense_id,
    return_id,
    tranche_id,
)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else value


class Grants:
    """Funds, grants and their lifecycle on one ``Ledger``."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- funds ---------------------------------------------------------------------------------

    def open_fund(
        self,
        account: str,
        scheme: str,
        *,
        currency: str,
        purpose: str = "",
        description: str = "",
        owner: Optional[str] = None,
    ) -> Fund:
        """Open ``account`` (unless it exists) and declare it a fund: restricted to ``purpose``,
        or unrestricted if ``purpose`` is empty. A fund's purpose never changes."""
        if self.ledger.account(account, missing_ok=True) is None:
            extra = {"owner": owner} if owner is not None else {}
            self.ledger.open_account(account, scheme, personal=False, **extra)
        data = {"purpose": purpose, "currency": currency, "description": description}
        self.ledger.record_fact(FUND, account, data, expected_version=0)
        return self.fund(account)

    def fund(self, account: str) -> Fund:
        fund = read_fund(self.ledger, account)
        if fund is None:
            raise UnknownFund(account)
        return fund

    def add_conduit(self, account: str, fund: str, note: str = "") -> FactResult:
        """Trace money through ``account`` (e.g. a crowdfund campaign's escrow) into ``fund``."""
        return self.ledger.record_fact(CONDUIT, account, {"fund": fund, "note": note})

    def donate(self, donor: str, fund: str, amount: int, *, transfer_id: Optional[str] = None,
               memo: str = "", personal: bool = True) -> TransferResult:
        """A donation lands in a fund (a personal movement by default: public exports withhold it)."""
        self.fund(fund)
        return self.ledger.transfer(donor, fund, amount, code=DONATION, memo=memo, personal=personal,
                                    **({"transfer_id": transfer_id} if transfer_id else {}))

    def spend(self, fund: str, payee: str, amount: int, *, purpose: str, day: Any, evidence: str,
              transfer_id: Optional[str] = None, memo: str = "") -> TransferResult:
        """An expense from a fund outside any grant (a restricted fund only for its purpose)."""
        details = {"purpose": purpose, "date": _day(day), "evidence": evidence}
        return self.ledger.transfer(fund, payee, amount, code=EXPENSE, memo=memo, details=details,
                                    **({"transfer_id": transfer_id} if transfer_id else {}))

    def move(self, source: str, target: str, amount: int, *, memo: str = "") -> TransferResult:
        """Money from one fund to another (same purpose if the source is restricted)."""
        return self.ledger.transfer(source, target, amount, code=FUND_TRANSFER, memo=memo)

    # -- the grant lifecycle -----------------------------------------------------------------

    def award(
        self,
        grant: str,
        *,
        title: str,
        funder: str,
        fund: str,
        total: int,
        currency: str,
        purpose: str,
        start: Any,
        end: Any,
        awarded_on: Any,
        lines: dict[str, int],
        tolerance_bps: int = 0,
        identifier: str = "",
        funder_name: str = "",
        recipient_name: str = "",
    ) -> Grant:
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
        ])
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

    def disburse(self, grant: str, amount: int, *, transfer_id: Optional[str] = None,
                 memo: str = "") -> TransferResult:
        """A tranche from the funder into the grant's fund; never past the commitment."""
        g = self.grant(grant)
        number = read_tally(self.ledger, grant).tranches + 1
        return self.ledger.transfer(g.funder, g.fund, amount, code=TRANCHE, memo=memo,
                                    transfer_id=transfer_id or tranche_id(grant, number),
                                    details={"grant": grant, "tranche": number})

    def expense(self, grant: str, payee: str, amount: int, *, line: str, day: Any, evidence: str,
                transfer_id: Optional[str] = None, memo: str = "") -> TransferResult:
        """Spending from the grant's fund on a budget line, dated, with evidence (never the file)."""
        g = self.grant(grant)
        number = read_tally(self.ledger, grant).expenses + 1
        details = {"grant": grant, "line": line, "purpose": g.purpose, "date": _day(day), "evidence": evidence}
        return self.ledger.transfer(g.fund, payee, amount, code=EXPENSE, memo=memo, details=details,
                                    transfer_id=transfer_id or expense_id(grant, number))

    def reallocate(self, grant: str, source: str, target: str, amount: int, *, reason: str) -> dict[str, int]:
        """Move ``amount`` of budget from line ``source`` to line ``target``: an explicit, recorded event."""
        self.grant(grant)
        fact = self.ledger.fact(BUDGET, grant)
        if fact is None:  # an award always records its budget
            raise UnknownGrant(grant)
        lines = dict(fact.data["lines"])
        lines[source] = lines.get(source, 0) - amount
        lines[target] = lines.get(target, 0) + amount
        if lines[source] < 0:
            raise RuleViolation("reallocation", f"line {source!r} of grant {grant!r} has only "
                                                f"{fact.data['lines'].get(source, 0)} to move, not {amount}")
        data = {"lines": lines, "reason": reason, "moved": {"from": source, "to": target, "amount": amount}}
        self.ledger.record_fact(BUDGET, grant, data, expected_version=fact.version)
        return lines

    def submit_report(self, grant: str, note: str = "") -> FactResult:
        return self._status(grant, "report_submitted", note)

    def accept_report(self, grant: str, note: str = "") -> FactResult:
        return self._status(grant, "report_accepted", note)

    def return_unspent(self, grant: str, amount: Optional[int] = None, *, memo: str = "") -> TransferResult:
        """The unspent balance (or ``amount`` of it) back from the fund to the funder."""
        g = self.grant(grant)
        tally = read_tally(self.ledger, grant)
        return self.ledger.transfer(g.fund, g.funder, tally.unspent if amount is None else amount, code=RETURN,
                                    memo=memo, transfer_id=return_id(grant, tally.returns + 1),
                                    details={"grant": grant})

    def close(self, grant: str, note: str = "") -> FactResult:
        return self._status(grant, "closed", note)

    def _status(self, grant: str, state: str, note: str) -> FactResult:
        self.grant(grant)
        version = len(self.ledger.facts(STATUS, grant))
        return self.ledger.record_fact(STATUS, grant, {"state": state, "note": note}, expected_version=version)


__all__ = ["Grants"]
