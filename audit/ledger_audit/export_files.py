"""The files of an export directory (docs/chain-spec.md §8), read in bounded memory.

:class:`LineReader` streams a JSONL file line by line with lookahead; the small files
(``checkpoint.txt``, ``manifest.json``) are read with a size limit; and
:func:`plainly_canonical` is the fast §1 check for bodies. Every failure is an
:class:`~ledger_audit.errors.ExportError` of kind ``malformed``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Optional

from .canonical import MAX_SAFE_INTEGER
from .checkpoint import Checkpoint
from .errors import CheckpointError, ExportError

LEAVES, BODIES, CHECKPOINT, MANIFEST = "leaves.jsonl", "bodies.jsonl", "checkpoint.txt", "manifest.json"
MANIFEST_FORMAT = "commons-ledger-export/1"
MAX_NOTE_BYTES = 64 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


class LineReader:
    """The lines of a JSONL file without their newline, with lookahead, in bounded memory.

    A line longer than ``limit`` is returned cut to ``limit + 2`` bytes (longer than any
    valid line, so it fails its check) and the rest of it skipped. ``unterminated`` is
    set if the last line has no newline; ``digest`` hashes everything read.
    """

    def __init__(self, path: Path, limit: int) -> None:
        self._file = open(path, "rb")  # closed by close()
        self._readline = self._file.readline
        self._limit = limit + 2
        self._ahead: deque[bytes] = deque()
        self.digest = hashlib.sha256()
        self.unterminated = False

    def _raw(self) -> Optional[bytes]:
        line = self._readline(self._limit)
        if not line:
            return None
        self.digest.update(line)
        if line[-1] == 10:
            return line[:-1]
        if len(line) < self._limit:
            self.unterminated = True
            return line
        while True:  # too long: skip to the end of the line
            more = self._readline(1 << 20)
            self.digest.update(more)
            if not more or more[-1] == 10:
                return line

    def read(self) -> Optional[bytes]:
        """The next line, or ``None`` at the end of the file."""
        return self._ahead.popleft() if self._ahead else self._raw()

    def peek(self, count: int) -> list[bytes]:
        """Up to ``count`` next lines, left to be read again."""
        while len(self._ahead) < count:
            line = self._raw()
            if line is None:
                break
            self._ahead.append(line)
        return list(self._ahead)[:count]

    def rest(self) -> Iterator[bytes]:
        """Consume and yield every line left."""
        while True:
            line = self.read()
            if line is None:
                return
            yield line

    def drain(self) -> None:
        """Read to the end (so :attr:`digest` covers the whole file)."""
        for _ in self.rest():
            pass

    def close(self) -> None:
        self._file.close()


def open_lines(directory: Path, name: str, limit: int) -> LineReader:
    try:
        return LineReader(directory / name, limit)
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


@dataclass(frozen=True)
class Manifest:
    ledger: str
    size: int
    withheld: list[int]
    files: dict[str, str]


def read_manifest(directory: Path) -> Optional[Manifest]:
    path = directory / MANIFEST
    if not path.exists():
        return None
    data = read_small(path, MAX_MANIFEST_BYTES, MANIFEST)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise ExportError("malformed", None, "manifest.json is not JSON") from None
    bad = ExportError("malformed", None, f"manifest.json is not a {MANIFEST_FORMAT} manifest (§8)")
    if not isinstance(value, dict) or value.get("format") != MANIFEST_FORMAT:
        raise bad
    ledger, size, public, withheld, files = (value.get(k) for k in ("ledger", "size", "public", "withheld", "files"))
    if not (
        isinstance(ledger, str)
        and type(size) is int
        and type(public) is bool
        and isinstance(withheld, list)
        and isinstance(files, dict)
    ):
        raise bad
    if not all(type(s) is int for s in withheld) or any(a >= b for a, b in pairwise(withheld)):
        raise ExportError("malformed", None, "manifest.json's withheld list is not increasing sequence numbers")
    if withheld and not public:
        raise ExportError("malformed", None, "manifest.json withholds bodies from an export it says is not public")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise bad
    return Manifest(ledger, size, withheld, files)


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
