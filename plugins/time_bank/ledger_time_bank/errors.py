"""Errors the time bank's Python API raises itself (the rules raise ``ledger.RuleViolation``).

Both are the kit's ``ledger.NotInScheme`` (a ``LedgerError``), so the ``ledger`` command line
prints them as one ``Error:`` line.
"""

from __future__ import annotations

from ledger import NotInScheme

# The kit's one NotInScheme under the names this plugin published first.
NotATimeBank = NotInScheme


class NotAnExchange(NotInScheme):
    """``confirm``/``reject`` was given a hold that is not a pending-able exchange of this bank."""

    def __init__(self, bank: str, exchange_id: str) -> None:
        self.bank, self.exchange_id = bank, exchange_id
        super().__init__("time_bank", exchange_id, f"hold {exchange_id!r} is not an exchange of time bank {bank!r}")


__all__ = ["NotAnExchange", "NotATimeBank"]
