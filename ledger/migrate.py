"""Moving a ledger between stores (SQLite → PostgreSQL, or back) with its chain intact.

The copy is verbatim: every event body, leaf, Merkle node, checkpoint, request-log
entry and read-model row, row for row, in one write transaction on the target.
Nothing is re-derived, so the target's leaves are the source's bytes and every
checkpoint signed before the move still verifies after it. The target must be
empty, and writers to the source should be stopped first: the copy is one
consistent snapshot, and anything written after it stays behind. After the copy
the target is verified from scratch (``Ledger.verify``) and compared with the
source: size, Merkle root at that size, latest checkpoint, unit totals. A mismatch
raises ``MigrationFailed`` — the copy is then already committed, so the message says
to drop the target and start again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Sequence

from .app import LedgerApplication, is_postgres_url, redact, store_env
from .errors import LedgerError, LedgerExists
from .ledger import Ledger
from .queries import SIZE_SQL, UNIT_TOTALS_SQL
from .target import check_new_ledger_target, holds_ledger, sqlite_files

#: Every table a ledger keeps, in an order that satisfies no constraint but reads well:
#: the log first, then the chain, then what is derived from them.
TABLES = (
    "stored_events",
    "ledger_chain",
    "ledger_tree",
    "ledger_checkpoints",
    "ledger_personal",
    "ledger_requests",
    "ledger_schemes",
    "ledger_accounts",
    "ledger_balances",
    "ledger_postings",
    "ledger_transfers",
    "ledger_holds",
    "ledger_facts",
)
EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state")


class MigrationFailed(LedgerError):
    """The target, after the copy, is not the same ledger as the source."""

    def __init__(self, target: str, reason: str) -> None:
        self.target, self.reason = target, reason
        super().__init__(f"migration to {target} failed its check: {reason}; drop the target and migrate again")


@dataclass(frozen=True)
class MigrationReport:
    source: str
    target: str
    size: int
    root: str
    rows: dict[str, int]
    checkpoint_size: Optional[int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "size": self.size,
            "root": self.root,
            "rows": self.rows,
            "checkpoint_size": self.checkpoint_size,
            "verified": True,
        }


def parse_store(spec: str) -> str:
    """``sqlite:PATH``, a bare path, or a ``postgresql://`` URL → what ``Ledger`` takes."""
    if spec.startswith("sqlite:"):
        return spec[len("sqlite:") :]
    return spec


def migrate(source: str, target: str, *, chunk: int = 5000) -> MigrationReport:
    """Copy the ledger at ``source`` into the empty store ``target`` and prove they are the same ledger."""
    source, target = parse_store(source), parse_store(target)
    # Never into someone else's database; a migration refused or failed removes the file it made.
    tables = check_new_ledger_target(target, "migrate")
    if tables and holds_ledger(target):
        raise LedgerExists(redact(target))
    made = [p for p in sqlite_files(target) if not p.exists()] if tables is None else []
    try:
        return _migrate(source, target, chunk)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise


def _migrate(source: str, target: str, chunk: int) -> MigrationReport:
    with Ledger(source, load_entrypoints=False) as src:
        app = LedgerApplication(env=store_env(target))  # creates the target's tables
        try:
            dst = app.recorder
            if dst.query("SELECT 1 FROM ledger_chain LIMIT 1") or dst.query("SELECT 1 FROM stored_events LIMIT 1"):
                raise LedgerExists(redact(target))
            with src._recorder.snapshot() as snap:
                # What is copied is this snapshot, so the comparison is with it, not the live source.
                expected = _facts(snap)
                size = expected["size"]
                rows = dst.load_tables(_tables(snap, src._recorder.event_id), chunk=chunk)
        finally:
            dst.close_readers()
            app.close()
        expected["root"] = src.root(size).hex() if size else ""  # the first size leaves never change
    with Ledger(target, load_entrypoints=False) as copy:
        report = copy.verify()
        if not report.ok:
            raise MigrationFailed(redact(target), f"verify failed at seq {report.bad_seq}: {report.reason}")
        with copy._recorder.snapshot() as snap:
            found = _facts(snap)
        found["root"] = copy.root(size).hex() if size else ""
        for name, want in expected.items():
            if found[name] != want:
                raise MigrationFailed(redact(target), f"{name} differs: source {want!r}, target {found[name]!r}")
    checkpoint = expected["checkpoint"][0] if expected["checkpoint"] else None
    return MigrationReport(redact(source), redact(target), size, expected["root"], rows, checkpoint)


def _facts(snap: Any) -> dict[str, Any]:
    checkpoint = snap.one("SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")
    return {
        "size": snap.one(SIZE_SQL)[0],
        "checkpoint": tuple(checkpoint) if checkpoint else None,
        "unit_totals": [tuple(r) for r in snap.rows(UNIT_TOTALS_SQL)],
        "requests": snap.one("SELECT COUNT(*) FROM ledger_requests")[0],
    }


def _tables(snap: Any, event_id: str) -> Iterator[tuple[str, Sequence[str], Iterable[tuple]]]:
    """(table, columns, rows) for every table; the events table's position travels as ``event_id``."""
    yield (
        "stored_events",
        ("event_id", *EVENT_COLUMNS),
        ((r[0], str(r[1]), *r[2:]) for r in snap.rows(
            f"SELECT {event_id}, {', '.join(EVENT_COLUMNS)} FROM stored_events ORDER BY {event_id}"
        )),
    )
    for table in TABLES[1:]:
        columns = _columns(snap, table)
        order = "rowid" if table == "ledger_holds" else columns[0]
        listed = ", ".join(columns)
        yield table, columns, snap.rows(f"SELECT {listed} FROM {table} ORDER BY {order}")


def _columns(snap: Any, table: str) -> tuple[str, ...]:
    # The read-model columns are the same on every store; LIMIT 0 asks for names without rows.
    return tuple(c for c in snap.column_names(f"SELECT * FROM {table} LIMIT 0") if c != "rowid")


__all__ = ["MigrationFailed", "MigrationReport", "migrate", "parse_store", "is_postgres_url"]
