"""The scheme kit: what every scheme plugin's facade shares, so a new scheme is mostly its rules.

:class:`Scheme` (the facade base: ledger, scheme name, ``scheme:role`` account naming, the
kind check, request ids per step), :class:`Record` (results that serialise themselves) and
:class:`NotInScheme` (the one error for "that is not a scheme of this kind"). Plugins import
them from ``ledger``.
"""

from .errors import NotInScheme
from .records import Record
from .scheme import Scheme, step_id

__all__ = ["NotInScheme", "Record", "Scheme", "step_id"]
