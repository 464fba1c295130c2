"""A throwaway PostgreSQL server for tests and benchmarks: real binaries, loopback, a temp dir.

``TemporaryPostgres`` runs ``initdb`` and ``pg_ctl`` from the machine's PostgreSQL
installation (Debian's ``postgresql`` package: ``/usr/lib/postgresql/<v>/bin``; or
wherever ``pg_config --bindir`` points) in a fresh temporary directory, listening on
127.0.0.1 and a free port. PostgreSQL refuses to run as root, so under root the
server runs as the ``postgres`` system user the Debian package creates.

Nothing here is used by the ledger at run time; it exists so that the test suite and
``bench/`` start their own server instead of assuming one.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Optional

from .errors import LedgerError


class PostgresUnavailable(LedgerError):
    """No PostgreSQL server binaries on this machine, or the server would not start."""


def find_bindir() -> Optional[Path]:
    """The directory holding ``initdb`` and ``pg_ctl``, newest version first; None if absent."""
    explicit = os.environ.get("LEDGER_PG_BINDIR")
    candidates = [explicit] if explicit else []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(out)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += [str(Path(p).parent) for p in filter(None, [shutil.which("initdb")])]
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parent.name.split(".")[0])
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TemporaryPostgres:
    """``with TemporaryPostgres() as pg: url = pg.create_database()``.

    ``fsync`` defaults to off: the suite kills *clients*, never this server, and a
    server crash is PostgreSQL's own guarantee to keep; benchmarks pass ``fsync=True``
    so that commits cost what they cost in production.
    """

    def __init__(self, *, fsync: bool = False, user: str = "ledger") -> None:
        self.fsync = fsync
        self.user = user
        self.bindir = find_bindir()
        if self.bindir is None:
            raise PostgresUnavailable(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found: install Debian's postgresql "
                "package (scripts/_env.sh does so when it can) or set LEDGER_PG_BINDIR"
            )
        self.dir: Optional[Path] = None
        self.port = 0
        self._run_as: list[str] = []

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def start(self) -> TemporaryPostgres:
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root, and no 'postgres' user to run the server as") from None
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]
        data = self.dir / "data"
        self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust",
            "--locale=C", "--encoding=UTF8", "--no-sync",
        )
        self.port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200 "
            f"-c fsync={'on' if self.fsync else 'off'} -c full_page_writes={'on' if self.fsync else 'off'} "
            "-c shared_buffers=128MB"
        )
        log = str(self.dir / "log")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start")
        return self

    def create_database(self, name: Optional[str] = None) -> str:
        """A new empty database on this server; its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.dir is None:
            return
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        except PostgresUnavailable:
            pass
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._run_as, *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = ""
            if self.dir is not None and (self.dir / "log").exists():
                log = (self.dir / "log").read_text(errors="replace")[-2000:]
            said = done.stderr.strip() or done.stdout.strip()
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {said} {log}")

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
