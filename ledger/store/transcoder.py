"""A transcoder whose output *is* RFC 8785 canonical JSON.

The stored event bytes are then the canonical body: the chain hashes them as
stored and a verifier never re-serialises anything to check them.
"""

from __future__ import annotations

from typing import Any

from ledger_audit import canonical_bytes

from .es_adapter import DatetimeAsISO, JSONTranscoder, UUIDAsHex


class CanonicalJSONTranscoder(JSONTranscoder):
    """JSON transcoder writing canonical bytes; refuses floats (``CanonicalFormError``)."""

    def __init__(self) -> None:
        super().__init__()
        self.register(UUIDAsHex())
        self.register(DatetimeAsISO())

    def encode(self, obj: Any) -> bytes:
        return canonical_bytes(obj, default=self._encode_obj)
