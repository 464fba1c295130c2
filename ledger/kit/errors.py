"""``NotInScheme``: the one error a facade raises for a scheme, account or movement that is not its kind's."""

from __future__ import annotations

from ..errors import LedgerError


class NotInScheme(LedgerError):
    """``what`` (a scheme, a hold, a movement) is not part of a ``kind`` scheme as the call needs.

    ``message`` is the whole sentence; plugins subclass it only to keep an older public name.
    """

    def __init__(self, kind: str, what: str, message: str) -> None:
        self.kind, self.what = kind, what
        super().__init__(message)


__all__ = ["NotInScheme"]
