"""The files of an export directory (docs/chain-spec.md §8), read in bounded memory.

:class:`LineReader` streams a JSONL file in large blocks, a line or a block of lines at a
time, with lookahead; the small files
(``checkpoint.txt``, ``manifest.json``, ``manifest.sig``) are read with a size limit
(:mod:`ledger_audit.manifest` parses the manifest); and
:func:`plainly_canonical` is the fast §1 check for bodies. Every failure is an
:class:`~ledger_audit.errors.ExportError` of kind ``malformed``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

from .canonical import MAX_SAFE_INTEGER
from .checkpoint import Checkpoint
from .errors import CheckpointError, ExportError

LEAVES, BODIES, CHECKPOINT, MANIFEST = "leaves.jsonl", "bodies.jsonl", "checkpoint.txt", "manifest.json"
MAX_NOTE_BYTES = 64 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


CHUNK = 1 << 20  # read size: large blocks, so reading costs per megabyte, not per line


class LineReader:
    """The lines of a JSONL file without their newline, with lookahead, in bounded memory.

    A line longer than ``limit`` is returned cut to ``limit + 2`` bytes (longer than any
    valid line, so it fails its check) and the rest of it skipped. ``unterminated`` is
    set if the last line has no newline; ``digest`` hashes everything read (``None`` if
    the caller has no use for it: hashing is a tenth of the verifier's time).

    The file is read in :data:`CHUNK`-byte blocks and split with ``bytes.split`` (one C
    call per megabyte instead of one ``readline`` per line, which the verifier's profile
    showed as a fixed cost per event); the cut, skip and ``unterminated`` rules are the
    ones a ``readline(limit + 2)`` loop gives, so line for line the result is the same.
    """

    def __init__(self, path: Path, limit: int, digest: bool = True) -> None:
        self._file = open(path, "rb")  # closed by close()
        self._limit = limit + 2
        self._lines: list[bytes] = []  # lines split off but not yet read, from self._next on
        self._next = 0
        self._tail = b""  # the start of a line whose newline is not read yet
        self._skip = False  # inside a too-long line: drop bytes up to its newline
        self._eof = False
        self.digest = hashlib.sha256() if digest else None
        self.unterminated = False

    def _fill(self) -> bool:
        """Split at least one more line off the file; ``False`` at its end."""
        limit = self._limit
        while not self._eof:
            chunk = self._file.read(CHUNK)
            if not chunk:
                self._eof = True
                break
            if self.digest is not None:
                self.digest.update(chunk)
            if self._skip:
                newline = chunk.find(b"\n")
                if newline < 0:
                    continue
                chunk = chunk[newline + 1 :]
                self._skip = False
            parts = chunk.split(b"\n")
            # No line can reach the limit unless this chunk and the carried-over start can.
            may_be_long = len(chunk) + len(self._tail) >= limit
            if self._tail:
                parts[0] = self._tail + parts[0]
            tail = parts.pop()
            if parts and may_be_long and max(map(len, parts)) >= limit:
                parts = [part[:limit] for part in parts]
            if len(tail) >= limit:  # too long already: keep its head, skip the rest
                parts.append(tail[:limit])
                tail = b""
                self._skip = True
            self._tail = tail
            if parts:
                self._add(parts)
                return True
        if self._tail:  # the last line has no newline
            self._add([self._tail])
            self._tail = b""
            self.unterminated = True
            return True
        return False

    def _add(self, parts: list[bytes]) -> None:
        if self._next >= len(self._lines):
            self._lines, self._next = parts, 0
        else:
            del self._lines[: self._next]
            self._next = 0
            self._lines.extend(parts)

    def read(self) -> Optional[bytes]:
        """The next line, or ``None`` at the end of the file."""
        if self._next >= len(self._lines) and not self._fill():
            return None
        line = self._lines[self._next]
        self._next += 1
        return line

    def take(self, count: int) -> list[bytes]:
        """Up to ``count`` next lines (fewer only at the end of the file)."""
        while len(self._lines) - self._next < count and self._fill():
            pass
        lines = self._lines[self._next : self._next + count]
        self._next += len(lines)
        return lines

    def unread(self, lines: list[bytes]) -> None:
        """Put lines just taken back in front, to be read again."""
        if lines:
            self._lines = lines + self._lines[self._next :]
            self._next = 0

    def peek(self, count: int) -> list[bytes]:
        """Up to ``count`` next lines, left to be read again."""
        while len(self._lines) - self._next < count and self._fill():
            pass
        return self._lines[self._next : self._next + count]

    def rest(self) -> Iterator[bytes]:
        """Consume and yield every line left."""
        while True:
            line = self.read()
            if line is None:
                return
            yield line

    def drain(self) -> None:
        """Read to the end (so :attr:`digest` covers the whole file)."""
        self._lines, self._next = [], 0
        while self._fill():
            self._lines, self._next = [], 0

    def close(self) -> None:
        self._file.close()


def open_lines(directory: Path, name: str, limit: int, digest: bool = True) -> LineReader:
    try:
        return LineReader(directory / name, limit, digest)
    except OSError as exc:
        raise ExportError("malformed", None, f"cannot read {name}: {exc.strerror or exc}") from None


def read_small(path: Path, limit: int, name: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ExportError("malformed", None, f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ExportError("malformed", None, f"{name} is larger than {limit} bytes")
    return data


def parse_note_checkpoint(note: str | bytes, what: str) -> tuple[str, Checkpoint]:
    """Split a signed checkpoint note and parse its text *without* checking the signature.

    The signature is checked later, with the key the chain says is valid at the
    checkpoint's size; :func:`verify_checkpoint` parses the same text again then.
    """
    if isinstance(note, (bytes, bytearray)):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise ExportError("malformed", None, f"{what} is not UTF-8") from None
    if not isinstance(note, str):
        raise ExportError("malformed", None, f"{what} must be text")
    split = note.rfind("\n\n")
    if split < 0:
        raise ExportError("malformed", None, f"{what} is not a signed note (no blank line before the signatures)")
    try:
        return note, Checkpoint.parse(note[: split + 1])
    except CheckpointError as exc:
        raise ExportError("malformed", None, f"{what}: {exc.reason}") from None


def _refuse(text: str) -> Any:
    raise ValueError(text)


def _safe_int(text: str) -> int:
    value = int(text)
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    raise ValueError(text)


UNSURE = object()
_loads = json.JSONDecoder(parse_float=_refuse, parse_int=_safe_int, parse_constant=_refuse).decode
_canonical_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False, sort_keys=True
).encode
_BEYOND_BMP = re.compile(rb"[\xf0-\xff]")


def plainly_canonical(body: bytes) -> Any:
    """The value of ``body`` if it is certainly canonical JSON (§1), else ``UNSURE``.

    Decoding and re-encoding with the C json module is RFC 8785 here unless a member
    name holds a character beyond U+FFFF (JCS sorts by UTF-16 units, Python by code
    points), so bodies with 4-byte UTF-8 sequences go to the full check
    (:func:`~ledger_audit.canonical.parse_canonical`), as does anything that does not round-trip. Floats, NaN
    and integers beyond 2**53 - 1 are refused while decoding; duplicate members,
    whitespace, unsorted members and other escapes all re-encode to other bytes.
    """
    if _BEYOND_BMP.search(body):
        return UNSURE
    try:
        value = _loads(body.decode("utf-8"))
        if _canonical_dumps(value).encode("utf-8") == body:
            return value
    except (ValueError, RecursionError):  # UnicodeError is a ValueError
        pass
    return UNSURE
