"""Errors the carbon API raises itself (the rules raise ``ledger.RuleViolation``).

Each is a ``LedgerError``, so the ``ledger`` command line prints it as one ``Error:`` line.
"""

from __future__ import annotations

from ledger import LedgerError


class NotACarbonScheme(LedgerError):
    """``CarbonScheme(ledger, name)`` for a scheme of another kind."""

    def __init__(self, scheme: str, kind: str) -> None:
        self.scheme, self.kind = scheme, kind
        super().__init__(
            f"scheme {scheme!r} is a {kind!r} scheme, not a carbon scheme; create one with CarbonScheme.create"
        )


__all__ = ["NotACarbonScheme"]
