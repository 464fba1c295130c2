"""Errors the time bank's Python API raises itself (the rules raise ``ledger.RuleViolation``).

Both are ``LedgerError``s, so the ``ledger`` command line prints them as one ``Error:`` line.
"""

from __future__ import annotations

from ledger import LedgerError


class NotATimeBank(LedgerError):
    """``TimeBank(ledger, name)`` for a scheme of another kind."""

    def __init__(self, bank: str, kind: str) -> None:
        self.bank, self.kind = bank, kind
        super().__init__(f"scheme {bank!r} is a {kind!r} scheme, not a time bank; create one with TimeBank.create")


class NotAnExchange(LedgerError):
    """``confirm``/``reject`` was given a hold that is not a pending-able exchange of this bank."""

    def __init__(self, bank: str, exchange_id: str) -> None:
        self.bank, self.exchange_id = bank, exchange_id
        super().__init__(f"hold {exchange_id!r} is not an exchange of time bank {bank!r}")


__all__ = ["NotAnExchange", "NotATimeBank"]
