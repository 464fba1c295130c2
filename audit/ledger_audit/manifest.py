"""The export manifest and its signature (docs/chain-spec.md §8): every file of an export, bound to its checkpoint.

``manifest.json`` lists every file of the export with its SHA-256. ``manifest.sig`` is a
C2SP signed note by the checkpoint's signer whose text commits to the manifest's digest
together with the checkpoint's origin, size and root::

    commons-ledger export manifest
    <origin>
    <size>
    <base64 root>
    <sha256 hex of manifest.json>

The first line keeps this note from ever being read as a checkpoint or a key rotation
signed by the same key (a checkpoint's second line is its size; this one's is the
origin, and its third line is no 32-byte root). Committing to the root, not only the
size, means a manifest cannot be carried over to another history of the same size.

Format 1 manifests (written before manifests were signed) are read too, as the
unsigned convenience index they were, for ``legacy`` verification only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Optional

from .canonical import canonical_bytes
from .checkpoint import Checkpoint, verify_note
from .errors import (
    CanonicalFormError,
    ExportError,
    ExportFileError,
    KeyFormatError,
    NoteError,
    SignatureError,
)
from .export_files import BODIES, CHECKPOINT, LEAVES, MANIFEST, MAX_MANIFEST_BYTES, MAX_NOTE_BYTES, read_small

MANIFEST_SIG = "manifest.sig"
FORMAT = "commons-ledger-export/2"
LEGACY_FORMAT = "commons-ledger-export/1"
NOTE_HEADER = "commons-ledger export manifest"
CHAIN_FILES = (LEAVES, BODIES, CHECKPOINT)
#: Files the manifest never lists: itself and its signature.
SELF = (MANIFEST, MANIFEST_SIG)

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_SIZE = re.compile(r"(?:0|[1-9][0-9]{0,19})\Z")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Manifest:
    """A parsed ``manifest.json``: ``digest`` is the SHA-256 of its bytes, which the signed note names."""

    ledger: str
    size: int
    withheld: list[int]
    files: dict[str, str]
    format: str = FORMAT
    public: bool = True
    digest: str = field(default="", compare=False)


def manifest_bytes(ledger: str, size: int, public: bool, withheld: list[int], files: dict[str, str]) -> bytes:
    """The bytes of a format-2 ``manifest.json``: canonical JSON (§1), then one newline."""
    value = {"format": FORMAT, "ledger": ledger, "size": size, "public": public, "withheld": withheld, "files": files}
    return canonical_bytes(value) + b"\n"


def note_text(origin: str, size: int, root: bytes, manifest_digest: str) -> str:
    """The text the checkpoint's key signs for a manifest (the note's text, before its signatures)."""
    if not _HEX64.match(manifest_digest):
        raise ValueError("the manifest digest must be 64 lowercase hex digits")
    return f"{NOTE_HEADER}\n{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n{manifest_digest}\n"


@dataclass(frozen=True)
class ManifestNote:
    """What a manifest signature commits to: a checkpoint (origin, size, root) and a manifest digest."""

    origin: str
    size: int
    root: bytes
    digest: str


def parse_note_text(text: str) -> ManifestNote:
    """Parse a verified manifest note's text; ``malformed`` unless it is exactly the five lines of §8."""
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    bad = "manifest.sig is not a manifest note (§8: header, origin, size, root, digest)"
    if len(lines) != 5 or lines[0] != NOTE_HEADER or not lines[1] or not _SIZE.match(lines[2]):
        raise ExportError("malformed", None, bad)
    try:
        root = base64.b64decode(lines[3].encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ExportError("malformed", None, bad) from None
    if len(root) != 32 or base64.b64encode(root).decode("ascii") != lines[3] or not _HEX64.match(lines[4]):
        raise ExportError("malformed", None, bad)
    return ManifestNote(lines[1], int(lines[2]), root, lines[4])


def read_note(directory: Path) -> Optional[str]:
    """The text of ``manifest.sig``, or ``None`` if there is none."""
    path = Path(directory) / MANIFEST_SIG
    if not path.exists():
        return None
    try:
        return read_small(path, MAX_NOTE_BYTES, MANIFEST_SIG).decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError("malformed", None, f"{MANIFEST_SIG} is not UTF-8") from None


def verify_manifest_note(note: str, key: str, checkpoint: Checkpoint, manifest: Manifest) -> None:
    """Check ``manifest.sig`` against the key valid at the checkpoint's size, the checkpoint and the manifest."""
    try:
        signed = parse_note_text(verify_note(note, key))
    except SignatureError as exc:
        raise ExportError("bad-signature", None, f"{MANIFEST_SIG}: {exc.reason} (the key valid at its size)") from None
    except (NoteError, KeyFormatError) as exc:
        raise ExportError("malformed", None, f"{MANIFEST_SIG}: {exc}") from None
    theirs = (signed.origin, signed.size, signed.root)
    ours = (checkpoint.origin, checkpoint.size, checkpoint.root)
    if theirs != ours:
        raise ExportError(
            "malformed",
            None,
            f"{MANIFEST_SIG} signs the manifest of {signed.origin!r} size {signed.size} root {signed.root.hex()}, "
            f"not this export's checkpoint ({checkpoint.origin!r} size {checkpoint.size} root {checkpoint.root.hex()})",
        )
    if signed.digest != manifest.digest:
        reason = f"its SHA-256 is {manifest.digest}; {MANIFEST_SIG} signs {signed.digest}"
        raise ExportFileError("edited", MANIFEST, reason)
    if manifest.format != FORMAT:
        raise ExportError("malformed", None, f"a signed manifest must be {FORMAT}, not {manifest.format}")


# -- reading manifest.json ----------------------------------------------------------------------


def valid_path(name: str) -> bool:
    """A file name a manifest may list: relative, ``/``-separated, no empty, ``.`` or ``..`` segment."""
    return (
        isinstance(name, str)
        and name not in SELF
        and "\\" not in name
        and "\x00" not in name
        and all(part not in ("", ".", "..") for part in name.split("/"))
    )


def read_manifest(directory: Path) -> Optional[Manifest]:
    """Parse ``manifest.json`` (format 2, or a legacy format 1), or ``None`` if there is none."""
    path = Path(directory) / MANIFEST
    if not path.exists():
        return None
    data = read_small(path, MAX_MANIFEST_BYTES, MANIFEST)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise ExportError("malformed", None, "manifest.json is not JSON") from None
    bad = ExportError("malformed", None, f"manifest.json is not a {FORMAT} manifest (§8)")
    if not isinstance(value, dict) or value.get("format") not in (FORMAT, LEGACY_FORMAT):
        raise bad
    form = value["format"]
    if form == FORMAT:
        if set(value) != {"format", "ledger", "size", "public", "withheld", "files"}:
            raise bad
        try:
            canonical = canonical_bytes(value) + b"\n" == data
        except CanonicalFormError:
            canonical = False
        if not canonical:
            raise ExportError("malformed", None, "manifest.json is not canonical JSON and one newline (§8)")
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
    if form == FORMAT:
        for name, digest in files.items():
            if not valid_path(name) or not _HEX64.match(digest):
                raise ExportError("malformed", None, f"manifest.json lists {name!r}: not a file name and SHA-256 (§8)")
        missing = [name for name in CHAIN_FILES if name not in files]
        if missing:
            raise ExportError("malformed", None, f"manifest.json does not list {missing[0]}")
    return Manifest(ledger, size, withheld, files, form, public, hashlib.sha256(data).hexdigest())


# -- the files it lists, and the ones it does not ---------------------------------------------------


def _regular_file(directory: Path, name: str) -> Path:
    """The path of listed file ``name``: a regular file inside ``directory``, reached without symlinks."""
    path = directory
    parts = name.split("/")
    for i, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise ExportFileError("deleted", name, "listed in the signed manifest, but missing") from None
        except OSError as exc:
            raise ExportFileError("malformed", name, f"cannot read it: {exc.strerror or exc}") from None
        last = i == len(parts) - 1
        if (last and not stat.S_ISREG(mode)) or (not last and not stat.S_ISDIR(mode)):
            raise ExportFileError("malformed", name, "not a regular file in the export directory (§8)")
    return path


def open_listed(directory: Path, name: str) -> Path:
    """``directory / name`` for a listed file that is there; ``deleted`` or ``malformed`` otherwise."""
    return _regular_file(Path(directory), name)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_listed(directory: Path, manifest: Manifest, skip: tuple[str, ...] = CHAIN_FILES) -> list[str]:
    """Every listed file but ``skip`` is there with its listed SHA-256; returns their names, sorted."""
    checked = []
    for name in sorted(manifest.files):
        if name in skip:
            continue
        path = open_listed(directory, name)
        try:
            digest = sha256_file(path)
        except OSError as exc:
            raise ExportFileError("malformed", name, f"cannot read it: {exc.strerror or exc}") from None
        if digest != manifest.files[name]:
            reason = f"its SHA-256 is {digest}; the signed manifest lists {manifest.files[name]}"
            raise ExportFileError("edited", name, reason)
        checked.append(name)
    return checked


def unlisted(directory: Path, manifest: Manifest) -> list[str]:
    """Files (and symlinks, and anything else not a directory) in ``directory`` the manifest does not list."""
    found = []
    root = Path(directory)
    for here, dirs, files in os.walk(root):
        rel = Path(here).relative_to(root).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        dirs.sort()
        for name in list(dirs):
            if os.path.islink(os.path.join(here, name)):  # os.walk does not follow it: it is an entry
                dirs.remove(name)
                files.append(name)
        for name in sorted(files):
            path = prefix + name
            if path not in manifest.files and path not in SELF:
                found.append(path)
    return found


def check_unlisted(directory: Path, manifest: Manifest) -> None:
    """``inserted`` for the first file in the directory that the signed manifest does not list."""
    extra = unlisted(directory, manifest)
    if extra:
        raise ExportFileError(
            "inserted", extra[0], "in the export directory, but not in its signed manifest: nothing vouches for it"
        )
