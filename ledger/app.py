"""The eventsourcing application underneath ``Ledger``: persistence by configuration."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder

from .store.transcoder import CanonicalJSONTranscoder

SQLITE_FACTORY = "ledger.store.sqlite:ChainedSQLiteFactory"


class LedgerApplication(Application):
    name = "ledger"

    def construct_transcoder(self) -> Transcoder:
        return CanonicalJSONTranscoder()


def sqlite_env(path: str, **extra: Any) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": SQLITE_FACTORY,
        "SQLITE_DBNAME": path,
        # Writers queue on BEGIN IMMEDIATE; give a busy ledger time rather than failing fast.
        "SQLITE_LOCK_TIMEOUT": "30",
        **{k: str(v) for k, v in extra.items()},
    }
