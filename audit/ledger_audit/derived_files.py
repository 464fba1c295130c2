"""Compare an export's core derived files with the rows its leaves and bodies give (docs/chain-spec.md §8).

The verifier reads ``leaves.jsonl`` and ``bodies.jsonl`` a second time (after the chain
walk has vouched for them), runs :func:`ledger_audit.derived.derive` and compares every
row with the next row of each file that holds its table: ``csv/<table>.csv`` cell by
cell as text, ``ledger.sqlite``'s table value by value with its SQLite type. Rows of a
table come in the table's order on both sides, so this streams like the derivation
does. The first difference is a :class:`~ledger_audit.errors.DerivedMismatch` naming
the file, table, row key, column, expected and found value.

``ledger.sqlite`` is an untrusted file here: it is opened read-only and immutable (so
SQLite writes nothing beside it), with ``trusted_schema`` off, and only the six core
tables are read; anything else in it (the full-text index) is bound by its digest.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, Optional

from .chain import MAX_LEAF_BYTES
from .classify import MAX_BODY_BYTES
from .derived import CORE_FILES, CSV_FOLDER, SQLITE_FILE, TABLES, Row, Table, csv_cell, derive, events_of
from .errors import DerivedMismatch, ExportFileError
from .export_files import BODIES, LEAVES, open_lines
from .manifest import open_listed

_END = object()


def _first_difference(file: str, table: Table, expected: Row, found: Any) -> DerivedMismatch:
    """The failure for the first column where ``found`` (a row, or ``_END``) differs from ``expected``."""
    key = table.key_of(expected)
    if found is _END:
        return DerivedMismatch(file, table.name, key, table.key, key, None)
    names = table.names
    found_key = found[names.index(table.key)] if len(found) > names.index(table.key) else None
    if found_key != expected[names.index(table.key)]:
        return DerivedMismatch(file, table.name, key, table.key, key, found_key)
    for i, name in enumerate(names):
        value = found[i] if i < len(found) else None
        if value != expected[i] or type(value) is not type(expected[i]):
            return DerivedMismatch(file, table.name, key, name, expected[i], value)
    return DerivedMismatch(file, table.name, key, "(extra cells)", None, list(found[len(names) :]))


class _CsvTable:
    """``csv/<table>.csv``: a header of the column names, then one row per derived row, cells as text."""

    def __init__(self, directory: Path, name: str, table: Table) -> None:
        self.name, self.table = name, table
        self._file = open(open_listed(directory, name), newline="", encoding="utf-8")  # closed by close()
        self._rows = csv.reader(self._file, strict=True)

    def start(self) -> None:
        header = self._next()
        names = self.table.names
        if header is _END or header != list(names):
            found = None if header is _END else ",".join(header)
            raise DerivedMismatch(self.name, self.table.name, None, "header", ",".join(names), found)

    def _next(self) -> Any:
        try:
            return next(self._rows, _END)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ExportFileError("malformed", self.name, f"not a CSV file of UTF-8 text ({exc})") from None

    def expect(self, row: Row) -> None:
        found = self._next()
        cells = tuple(csv_cell(v) for v in row)
        if found is _END or tuple(found) != cells:
            raise _first_difference(self.name, self.table, cells, found if found is _END else tuple(found))

    def end(self) -> None:
        extra = self._next()
        if extra is not _END:
            at = self.table.names.index(self.table.key)
            key = extra[at] if len(extra) > at else None
            raise DerivedMismatch(self.name, self.table.name, key, self.table.key, None, key)

    def close(self) -> None:
        self._file.close()


class _SqliteTable:
    """One core table of ``ledger.sqlite``, read in the table's order."""

    def __init__(self, conn: sqlite3.Connection, table: Table) -> None:
        self.name, self.table = SQLITE_FILE, table
        found = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (table.name,)).fetchone()
        if found is None or found[0] != "table":
            kind = None if found is None else found[0]
            raise DerivedMismatch(SQLITE_FILE, table.name, None, "table", "a table", kind)
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table.name}")')]
        if columns != list(table.names):
            raise DerivedMismatch(SQLITE_FILE, table.name, None, "columns", list(table.names), columns)
        select = ", ".join(f'"{c}"' for c in table.names)
        self._rows = conn.execute(f'SELECT {select} FROM "{table.name}" ORDER BY "{table.order}"')

    def _next(self) -> Any:
        try:
            return next(self._rows, _END)
        except sqlite3.DatabaseError as exc:
            raise ExportFileError("malformed", SQLITE_FILE, f"not a readable SQLite database ({exc})") from None

    def expect(self, row: Row) -> None:
        found = self._next()
        if found is _END or found != row or tuple(map(type, found)) != tuple(map(type, row)):
            raise _first_difference(SQLITE_FILE, self.table, row, found)

    def end(self) -> None:
        extra = self._next()
        if extra is not _END:
            key = extra[self.table.names.index(self.table.key)]
            raise DerivedMismatch(SQLITE_FILE, self.table.name, key, self.table.key, None, key)

    def close(self) -> None:
        pass  # the connection is closed by the caller


def _open_sqlite(directory: Path) -> sqlite3.Connection:
    uri = open_listed(directory, SQLITE_FILE).resolve().as_uri() + "?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        # Defences for a database file from elsewhere: no schema-defined functions, no writes,
        # page checks on, no memory mapping (sqlite.org/security.html).
        for pragma in ("trusted_schema = OFF", "query_only = ON", "cell_size_check = ON", "mmap_size = 0"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ExportFileError("malformed", SQLITE_FILE, f"not a readable SQLite database ({exc})") from None
    return conn


def derived_listed(files: Any) -> list[str]:
    """The core derived files among the names a manifest lists (the ones the verifier recomputes)."""
    return [name for name in CORE_FILES if name in files]


def check_derived(directory: Path, names: list[str], size: int, digests: dict[str, str]) -> list[str]:
    """Recompute the core derived files ``names`` from the first ``size`` events and compare; return ``names``.

    ``digests`` are the SHA-256 of ``leaves.jsonl`` and ``bodies.jsonl`` from the chain
    walk: the files read again here must still be those (``edited`` otherwise).
    """
    if not names:
        return []
    directory = Path(directory)
    targets: dict[str, list[Any]] = {}
    opened: list[Any] = []
    conn: Optional[sqlite3.Connection] = None
    leaves = bodies = None
    field_limit = csv.field_size_limit()
    try:
        # A cell can hold a whole body's memo or details: allow any a body can carry (reset below).
        csv.field_size_limit(max(field_limit, MAX_BODY_BYTES))
        for table in TABLES:
            if table.csv and f"{CSV_FOLDER}/{table.csv}" in names:
                opened.append(_CsvTable(directory, f"{CSV_FOLDER}/{table.csv}", table))
                opened[-1].start()
                targets.setdefault(table.name, []).append(opened[-1])
        if SQLITE_FILE in names:
            conn = _open_sqlite(directory)
            for table in TABLES:
                try:
                    opened.append(_SqliteTable(conn, table))
                except sqlite3.DatabaseError as exc:
                    raise ExportFileError("malformed", SQLITE_FILE, f"not a readable SQLite database ({exc})") from None
                targets.setdefault(table.name, []).append(opened[-1])
        leaves = open_lines(directory, LEAVES, MAX_LEAF_BYTES)
        bodies = open_lines(directory, BODIES, MAX_BODY_BYTES)
        events: Iterator = islice(events_of(leaves, bodies), size)
        for name, row in derive(events):
            for target in targets.get(name, ()):
                target.expect(row)
        for target in opened:
            target.end()
        leaves.drain()
        bodies.drain()
        for reader, name in ((leaves, LEAVES), (bodies, BODIES)):
            if reader.digest.hexdigest() != digests[name]:
                raise ExportFileError("edited", name, "changed while the export was being verified")
    finally:
        csv.field_size_limit(field_limit)
        for target in opened:
            target.close()
        if conn is not None:
            conn.close()
        for reader in (leaves, bodies):
            if reader is not None:
                reader.close()
    return names
