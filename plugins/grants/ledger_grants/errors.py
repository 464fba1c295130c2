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


class NotTraceable(LedgerError):
    """``trace`` of a movement that is not a source (or a use) of any fund or conduit."""

    def __init__(self, transfer_id: str, why: str) -> None:
        self.transfer_id, self.why = transfer_id, why
        super().__init__(f"transfer {transfer_id!r} cannot be traced: {why}")


__all__ = ["NotTraceable", "UnknownFund", "UnknownGrant"]
