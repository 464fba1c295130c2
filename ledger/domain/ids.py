"""Deterministic stream ids: one name, one stream, so the database enforces uniqueness.

An account, transfer or hold is addressed by the id the app chose; its aggregate id
is ``uuid5(NAMESPACE, kind + ":" + id)``. Two writers creating the same name race on
the same stream and one loses with a version conflict instead of creating a twin.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "https://commons-ledger.invalid/streams")


def stream_id(kind: str, name: str) -> UUID:
    return uuid5(NAMESPACE, f"{kind}:{name}")
