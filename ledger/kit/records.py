"""``Record``: a plugin's result dataclass that serialises itself (``to_dict``) for ``--json`` and apps."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any


class Record:
    """Mix into a ``@dataclass``: ``to_dict()`` is its fields, nested records and lists included.

    One definition instead of a ``to_dict`` per result class; ``ledger.cli.emit`` prints any
    object with ``to_dict`` as JSON.
    """

    def to_dict(self) -> dict[str, Any]:
        if not is_dataclass(self):
            raise TypeError(f"{type(self).__name__} mixes in Record but is not a dataclass")
        return asdict(self)


__all__ = ["Record"]
