"""The eventsourcing application underneath ``Ledger``: persistence by configuration."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from .store.es_adapter import Application, Recording, Transcoder, save_aggregates
from .store.transcoder import CanonicalJSONTranscoder

SQLITE_FACTORY = "ledger.store.sqlite:ChainedSQLiteFactory"
POSTGRES_FACTORY = "ledger.store.postgres:ChainedPostgresFactory"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(db: str) -> bool:
    return str(db).startswith(POSTGRES_SCHEMES)


def redact(db: str) -> str:
    """``db`` fit for messages and logs: a URL's password replaced by ``***``."""
    if not is_postgres_url(db):
        return str(db)
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(db))


class LedgerApplication(Application):
    name = "ledger"

    def __init__(self, env: Any = None) -> None:
        try:
            super().__init__(env)
        except BaseException:
            # A store that fails half-way (server unreachable, unreadable file) has already
            # built its connection pool; closed here, its threads and connections do not linger
            # until the garbage collector runs the library's __del__ on some other thread.
            factory = self.__dict__.get("factory")
            if factory is not None:
                with contextlib.suppress(Exception):
                    factory.close()
            raise

    def construct_transcoder(self) -> Transcoder:
        return CanonicalJSONTranscoder()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording]:
        """``Application.save`` for the ledger's own aggregates, as the library does it.

        The library's ``ProcessingEvent.collect_events`` tells aggregates from events with
        two runtime-``Protocol`` ``isinstance`` checks per object, which Python 3.11
        recomputes from the protocol's members every time: ~10 % of a batch of transfers.
        The ledger only ever saves aggregates, so it collects their events directly.
        """
        return save_aggregates(self, objs, kwargs)


def sqlite_env(path: str, **extra: Any) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": SQLITE_FACTORY,
        "SQLITE_DBNAME": path,
        # Writers queue on BEGIN IMMEDIATE; give a busy ledger time rather than failing fast.
        "SQLITE_LOCK_TIMEOUT": "30",
        **{k: str(v) for k, v in extra.items()},
    }


def postgres_env(url: str, **extra: Any) -> dict[str, str]:
    """eventsourcing's settings for a ``postgresql://`` URL (libpq syntax, query parameters included)."""
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        from .errors import LedgerError

        raise LedgerError(
            "a postgresql:// ledger needs the PostgreSQL extra: pip install 'commons-ledger[postgres]'"
        ) from None

    try:
        info = conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError: libpq could not parse it
        from .errors import LedgerError

        raise LedgerError(f"{redact(url)} is not a valid PostgreSQL URL ({exc})") from None
    named = ("dbname", "host", "port", "user", "password")
    return {
        "PERSISTENCE_MODULE": POSTGRES_FACTORY,
        "LEDGER_PG_CONNINFO": json.dumps({k: v for k, v in info.items() if k not in named}),
        # Tables live in the connection's default schema; the recorder's SQL names them unqualified.
        "POSTGRES_SCHEMA": "",
        "POSTGRES_DBNAME": str(info.get("dbname") or info.get("user") or "postgres"),
        "POSTGRES_HOST": str(info.get("host") or "localhost"),
        "POSTGRES_PORT": str(info.get("port") or "5432"),
        "POSTGRES_USER": str(info.get("user") or ""),
        "POSTGRES_PASSWORD": str(info.get("password") or ""),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        # Writers queue on the events table's lock; give a busy ledger time rather than failing fast.
        "POSTGRES_LOCK_TIMEOUT": "30",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
        **{k: str(v) for k, v in extra.items()},
    }


def store_env(db: str) -> dict[str, str]:
    """Persistence settings for ``db``: a ``postgresql://`` URL, else a SQLite file path."""
    return postgres_env(db) if is_postgres_url(db) else sqlite_env(db)
