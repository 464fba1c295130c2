"""The checkpoint signing key: a file outside the database, readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path

from .app import is_postgres_url
from .errors import KeyFileExists
from .signing import generate_signer


def key_path_for(db: str) -> Path:
    """Where a ledger's signing key lives unless told: beside its SQLite file.

    A PostgreSQL ledger has no file to sit beside: its key is ``LEDGER_KEY`` if set,
    else ``<dbname>@<host>.key`` in the working directory (``key_path=`` or ``LEDGER_KEY``
    are the way to keep it somewhere deliberate).
    """
    if is_postgres_url(db):
        explicit = os.environ.get("LEDGER_KEY")
        if explicit:
            return Path(explicit)
        from psycopg.conninfo import conninfo_to_dict

        try:
            info = conninfo_to_dict(str(db))
        except Exception as exc:  # psycopg.ProgrammingError: libpq could not parse it
            from .app import redact
            from .errors import LedgerError

            raise LedgerError(f"{redact(str(db))} is not a valid PostgreSQL URL ({exc})") from None
        host = str(info.get("host") or "localhost").strip("/").replace("/", "_")
        return Path(f"{info.get('dbname') or 'postgres'}@{host}.key")
    return Path(f"{db}.key")


def create_key_file(path: Path, ledger_id: str) -> str:
    """Write a new Ed25519 signer key to ``path`` (mode 0600); return the public verifier key."""
    signer, verifier = generate_signer(ledger_id)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileExists(str(path)) from None
    with os.fdopen(fd, "w") as f:
        f.write(signer + "\n")
    return verifier
