"""Errors the grants plugin's Python API raises itself (the rules raise ``ledger.RuleViolation``).

All are ``LedgerError``s, so the ``ledger`` command line prints them as one ``Error:`` line.
"""

from __future__ import annotations

from ledger import LedgerError


class UnknownGrant(LedgerError):
    def __init__(self, grant: str) -> None:
        self.grant = grant
        super().__init__(f"grant {grant!r} does not exist; award it with Grants.award")


class UnknownFund(LedgerError):
    def __init__(self, account: str) -> None:
        self.account = account
        super().__init__(f"account {account!r} is not a fund; declare it with Grants.open_fund")


class UnknownReport(LedgerError):
    def __init__(self, grant: str, number: int | None) -> None:
        self.grant, self.number = grant, number
        which = "no report" if number is None else f"no report {number}"
        super().__init__(f"grant {grant!r} has {which}; submit one with Grants.submit_report")


class NotAGrantMovement(LedgerError):
    """``Grants.correct`` of a transfer that is not a tranche, expense or return of a grant."""

    def __init__(self, transfer_id: str, code: str) -> None:
        self.transfer_id, self.code = transfer_id, code
        super().__init__(f"transfer {transfer_id!r} ({code or 'no code'}) is not a tranche, expense or return of a "
                         "grant; correct it with Ledger.reverse")


class NotTraceable(LedgerError):
    """``trace`` of a movement that is not a source (or a use) of any fund or conduit."""

    def __init__(self, transfer_id: str, why: str) -> None:
        self.transfer_id, self.why = transfer_id, why
        super().__init__(f"transfer {transfer_id!r} cannot be traced: {why}")


__all__ = ["NotAGrantMovement", "NotTraceable", "UnknownFund", "UnknownGrant", "UnknownReport"]
