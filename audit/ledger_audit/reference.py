"""The reference kernel: docs/chain-spec.md read plainly, one event at a time, with no speed-ups.

``verify_export(..., reference=True)`` and ``ledger-audit verify --reference`` run this walk
instead of the fast one (:mod:`ledger_audit.export`). It exists so that an auditor can choose
the plain reading of the spec, and so that CI can run both over the same exports and demand
the same outcome (tests/audit/test_reference_kernel.py): the fast path's regexes, learned body
shapes and block checks are then checked against this text, not only against each other.

What is written here, from the spec alone (no regex of learned shapes, no block path, no
``_quick`` encoder, no canonical-leaf regex):

- §1 canonical JSON: :func:`encode` (the four rules, member names sorted by UTF-16 code units)
  and :func:`parse` (parse, then re-encode and compare: the verifier's rule);
- §2 and §5 step 1, the leaf: :func:`parse_leaf` (canonical JSON of the nine members, each of
  its type and grammar);
- §5 steps 2-8, the chain: :class:`Chain`;
- §6 the Merkle root: :class:`MerkleFold`, the RFC 6962 root of the leaf hashes appended so far;
- §10.1, the export walk: :func:`verify_export_reference`, whose step numbers the comments use.

What it shares with the fast verifier, because none of it is a speed-up and each is the spec's
own text in code: reading the files (:mod:`.export_files`: bounded line reads, the checkpoint
note split), signed notes (:mod:`.checkpoint`), key rotations (:mod:`.rotation`), the manifest
(:mod:`.manifest`), naming the culprit (:mod:`.classify`, §10.2, given this module's leaf
parser), the double-entry replay (:mod:`.conservation`) and the derived files
(:mod:`.derived_files`). The outcome (the report, or the failure's kind and seq) is the fast
path's; the reasons may be worded differently.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional

from .checkpoint import parse_key, verify_checkpoint
from .classify import MAX_BODY_BYTES, NULL_BODY, Failure, classify
from .conservation import VALUE_TYPES, Replay
from .derived_files import check_derived, derived_listed
from .errors import (
    CanonicalFormError,
    ChainError,
    CheckpointError,
    ExportError,
    GenesisBodyError,
    KeyFormatError,
    ManifestMissing,
    NoteError,
    RotationError,
    SignatureError,
)
from .events import GENESIS, NEVER_WITHHELD
from .export_files import (
    BODIES,
    CHECKPOINT,
    LEAVES,
    MANIFEST,
    MAX_NOTE_BYTES,
    LineReader,
    open_lines,
    parse_note_checkpoint,
    read_small,
)
from .manifest import (
    CHAIN_FILES,
    MANIFEST_SIG,
    Manifest,
    check_listed,
    check_unlisted,
    read_manifest,
    read_note,
    unlisted,
    verify_manifest_note,
)
from .rotation import ROTATION_TYPE, KeyHistory

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 10_000

MAX_SAFE_INTEGER = 2**53 - 1
MAX_LEAF_BYTES = 65535
GENESIS_PREV = "0" * 64
LEAF_MEMBERS = frozenset({"v", "ledger", "seq", "prev", "ts", "type", "stream", "version", "body_hash"})


# -- §1 canonical JSON ----------------------------------------------------------------------------

# Rule 3: these six characters have short escapes, every other code point below U+0020 is \u00XX
# in lowercase hex, and everything else is written literally.
_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
_ESCAPES.update({code: f"\\u{code:04x}" for code in range(0x20) if code not in _ESCAPES})


def _utf16_units(name: str) -> bytes:
    """Rule 2's sort key: the name as UTF-16 code units (big-endian bytes compare as the units do)."""
    return name.encode("utf-16-be", "surrogatepass")


def _string(text: str, path: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalFormError(path, "lone surrogates are invalid") from None
    return '"' + text.translate(_ESCAPES) + '"'


def _encode(value: Any, path: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalFormError(path, f"integer {value} is outside +/-(2**53 - 1)")
        return str(value)  # rule 4: plain decimal; Python writes no "+", no leading zero, no "-0"
    if type(value) is str:
        return _string(value, path)
    if type(value) is list:
        return "[" + ",".join(_encode(item, f"{path}[{i}]") for i, item in enumerate(value)) + "]"
    if type(value) is dict:
        for name in value:
            if type(name) is not str:
                raise CanonicalFormError(path, "member names must be strings")
        names = sorted(value, key=_utf16_units)
        members = [_string(name, path) + ":" + _encode(value[name], f"{path}.{name}") for name in names]
        return "{" + ",".join(members) + "}"
    raise CanonicalFormError(path, f"{type(value).__name__} is outside the value domain (no floats)")


def encode(value: Any) -> bytes:
    """The canonical bytes (§1) of a value of the domain: dicts, lists, strings, booleans, null, safe integers."""
    try:
        return _encode(value, "$").encode("utf-8")
    except RecursionError:
        raise CanonicalFormError("$", "nested too deeply") from None


def _no_duplicate_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise CanonicalFormError("$", f"duplicate member name {name!r}")
        out[name] = value
    return out


def _refuse(text: str) -> Any:
    raise CanonicalFormError("$", f"{text} is outside the value domain")


_decoder = json.JSONDecoder(object_pairs_hook=_no_duplicate_members, parse_float=_refuse, parse_constant=_refuse)


def parse(data: bytes) -> Any:
    """The value of ``data`` if it is canonical JSON (§1: parse, re-encode, compare), else :class:`CanonicalFormError`.

    Decoding refuses duplicate member names, fractions, exponents and ``NaN``; re-encoding and
    comparing refuses everything else that is not the one encoding (whitespace, order, escapes).
    """
    try:
        value = _decoder.decode(data.decode("utf-8"))
    except CanonicalFormError:
        raise
    except ValueError as exc:  # not UTF-8 (UnicodeDecodeError is a ValueError), or not JSON
        raise CanonicalFormError("$", f"not UTF-8 JSON ({exc})") from None
    except RecursionError:
        raise CanonicalFormError("$", "nested too deeply") from None
    if encode(value) != data:
        raise CanonicalFormError("$", "valid JSON, but not its canonical encoding")
    return value


# -- §2 and §5 step 1: the leaf -------------------------------------------------------------------

# The grammars of §2, copied from its text.
_TS = re.compile(
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z\Z"
)
_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*\Z")
_STREAM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


class Leaf:
    """A leaf that passed §5 step 1: its nine members as attributes."""

    __slots__ = ("body_hash", "ledger", "prev", "seq", "stream", "ts", "type", "v", "version")

    def __init__(self, members: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, members[name])


def _is_day(ts: str) -> bool:
    """Whether the date of ``ts`` is a day of the proleptic Gregorian calendar from year 1 (§2)."""
    try:
        date.fromisoformat(ts[:10])
    except ValueError:
        return False
    return True


def parse_leaf(data: bytes, position: int) -> Leaf:
    """§5 step 1 for the line at ``position``; :class:`ChainError` there if it fails."""
    if len(data) > MAX_LEAF_BYTES:
        raise ChainError(position, f"leaf is {len(data)} bytes, more than {MAX_LEAF_BYTES}")
    try:
        value = parse(data)
    except CanonicalFormError as exc:
        raise ChainError(position, f"leaf is not canonical JSON ({exc.rule})") from None
    if type(value) is not dict or set(value) != LEAF_MEMBERS:
        raise ChainError(position, f"a leaf is an object with exactly the members {sorted(LEAF_MEMBERS)}")

    def integer(name: str, low: int) -> bool:
        return type(value[name]) is int and low <= value[name] <= MAX_SAFE_INTEGER

    def text(name: str, grammar: re.Pattern[str]) -> bool:
        return type(value[name]) is str and grammar.match(value[name]) is not None

    rules = (
        (type(value["v"]) is int and value["v"] == 1, "v must be 1"),
        (integer("seq", 0), "seq must be an integer from 0 to 2**53 - 1"),
        (integer("version", 1), "version must be an integer from 1 to 2**53 - 1"),
        (text("prev", _HEX64), "prev must be 64 lowercase hex"),
        (text("body_hash", _HEX64), "body_hash must be 64 lowercase hex"),
        (text("ts", _TS) and _is_day(value["ts"]), "ts must be YYYY-MM-DDTHH:MM:SS.ffffffZ on a day of the calendar"),
        (text("type", _TYPE), "type must be a versioned topic"),
        (text("stream", _STREAM), "stream must be a lowercase 8-4-4-4-12 UUID"),
        (type(value["ledger"]) is str and value["ledger"] != "", "ledger must be a non-empty string"),
    )
    for ok, rule in rules:
        if not ok:
            raise ChainError(position, rule)
    return Leaf(value)


def leaf_hash(leaf: bytes) -> bytes:
    """``LH = SHA-256(0x00 || leaf)`` (§4)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


# -- §5 steps 2-8: the chain ----------------------------------------------------------------------


class Chain:
    """The state §5 keeps: the head, the last ``ts``, each stream's latest version, genesis's ledger and key."""

    def __init__(self) -> None:
        self.size = 0
        self.head = GENESIS_PREV
        self.last_ts = ""
        self.versions: dict[str, int] = {}
        self.ledger: Optional[str] = None
        self.public_key: Optional[str] = None

    def feed(self, line: bytes, body: Optional[bytes]) -> Leaf:
        """§5's checks 1-8 of the leaf at the next position, with its body (``None``: withheld)."""
        i = self.size
        leaf = parse_leaf(line, i)  # 1
        if leaf.seq != i:  # 2
            raise ChainError(i, f"seq is {leaf.seq} at position {i}")
        if leaf.prev != self.head:  # 3
            raise ChainError(i, "prev is not the hash of the previous leaf")
        # 4: an export keeps no stored hash per leaf.
        if leaf.ts < self.last_ts:  # 5
            raise ChainError(i, f"ts {leaf.ts} is earlier than the previous {self.last_ts}")
        if body is not None and hashlib.sha256(body).hexdigest() != leaf.body_hash:  # 6
            raise ChainError(i, "the body does not hash to body_hash")
        if i == 0:  # 7
            self._genesis(leaf, body)
        elif leaf.ledger != self.ledger:
            raise ChainError(i, f"leaf names ledger {leaf.ledger!r}, not {self.ledger!r}")
        elif leaf.type == GENESIS:
            raise ChainError(i, "a second genesis leaf")
        latest = self.versions.get(leaf.stream, 0)  # 8
        if leaf.version != latest + 1:
            raise ChainError(i, f"stream {leaf.stream} is at version {latest}; this leaf has {leaf.version}")
        self.versions[leaf.stream] = leaf.version
        self.head = leaf_hash(line).hex()
        self.last_ts = leaf.ts
        self.size += 1
        return leaf

    def _genesis(self, leaf: Leaf, body: Optional[bytes]) -> None:
        if leaf.type != GENESIS:
            raise ChainError(0, f"the first leaf must be {GENESIS}")
        if body is None:
            raise GenesisBodyError("the genesis body may never be withheld")
        try:
            content = parse(body)
        except CanonicalFormError as exc:
            raise ChainError(0, f"the genesis body is not canonical JSON ({exc.rule})") from None
        if type(content) is not dict:
            raise GenesisBodyError("the genesis body is not a JSON object")
        if content.get("ledger_id") != leaf.ledger:
            raise ChainError(0, "the genesis body does not name the leaf's ledger id")
        if type(content.get("public_key")) is not str:
            raise GenesisBodyError("the genesis body does not carry the ledger's public key")
        self.ledger, self.public_key = leaf.ledger, content["public_key"]


# -- §6 the Merkle root -----------------------------------------------------------------------------


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleFold:
    """The RFC 6962 root of the leaf hashes appended so far, keeping one subtree root per set bit of the size.

    ``MTH`` of §6 splits at the largest power of two below *n*; appending in order, the
    left parts are the complete subtrees already folded here, largest first, so the root is
    these folded together from the right.
    """

    def __init__(self) -> None:
        self.size = 0
        self.subtrees: list[tuple[int, bytes]] = []  # (leaf count, root), counts powers of two, decreasing

    def append(self, leaf_hash: bytes) -> None:
        count, node = 1, leaf_hash
        while self.subtrees and self.subtrees[-1][0] == count:  # two equal complete subtrees join
            left_count, left = self.subtrees.pop()
            count, node = left_count + count, _node(left, node)
        self.subtrees.append((count, node))
        self.size += 1

    def root(self) -> bytes:
        if not self.subtrees:
            return hashlib.sha256(b"").digest()
        node = self.subtrees[-1][1]
        for _, left in reversed(self.subtrees[:-1]):
            node = _node(left, node)
        return node

    def copy(self) -> MerkleFold:
        other = MerkleFold()
        other.size, other.subtrees = self.size, list(self.subtrees)
        return other


# -- §10.1 the export walk ----------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


class _Export:
    """One plain pass over an export, in the order of §10.1."""

    def __init__(
        self,
        directory: Path,
        trusted: str,
        previous: Optional[str | bytes],
        conservation: bool,
        progress: Optional[Progress],
        legacy: bool,
    ) -> None:
        self.dir, self.trusted, self.progress, self.legacy = directory, trusted, progress, legacy
        # 1: checkpoint.txt; its signature waits for step 11.
        self.note, self.checkpoint = parse_note_checkpoint(
            read_small(directory / CHECKPOINT, MAX_NOTE_BYTES, CHECKPOINT), CHECKPOINT
        )
        self.manifest: Optional[Manifest] = read_manifest(directory)  # 2
        self.previous = None if previous is None else parse_note_checkpoint(previous, "the previous checkpoint")  # 3
        self.replay = Replay() if conservation else None
        self.chain = Chain()
        self.tree = MerkleFold()  # leaves 0 .. p - 2 while line p is checked: §10.2 needs that tree
        self.pending: Optional[bytes] = None  # LH(p - 1)
        self.head2: Optional[str] = None  # hex LH(p - 2)
        self.keys: Optional[KeyHistory] = None
        self.withheld = 0
        self.root_at_previous: Optional[bytes] = None
        self.manifest_problem: Optional[ExportError] = None  # noted in step 8, raised in step 16
        self._head_before = GENESIS_PREV  # hex LH(p - 1) while line p is checked

    def run(self) -> Any:
        from .export import ExportReport, KeyUse  # the report is the fast path's, field for field

        digest = self.manifest is not None  # only a manifest lists the chain files' digests
        leaves = open_lines(self.dir, LEAVES, MAX_LEAF_BYTES, digest)  # 4
        try:
            bodies = open_lines(self.dir, BODIES, MAX_BODY_BYTES, digest)
            try:
                n = self._walk(leaves, bodies)
                manifest_signed, derived, bound, unverified = self._after(n, leaves, bodies)
            finally:
                bodies.close()
        finally:
            leaves.close()
        keys = self.keys
        return ExportReport(
            ledger=self.chain.ledger,
            size=n,
            root=self.tree.root(),
            head=self.chain.head,
            withheld=self.withheld,
            keys=tuple(
                KeyUse(key, size, None if i == 0 else keys.rotations[i - 1].seq)
                for i, (key, size) in enumerate(keys.keys())
            ),
            trusted_key=self.trusted,
            checkpoint_key=keys.key_at(n),
            previous_size=None if self.previous is None else self.previous[1].size,
            manifest=self.manifest is not None,
            conservation=None if self.replay is None else self.replay.finish(),  # 17
            manifest_signed=manifest_signed,
            derived=derived,
            bound=bound,
            unverified=unverified,
        )

    # Steps 5-8, for each position in order.

    def _walk(self, leaves: LineReader, bodies: LineReader) -> int:
        size = self.checkpoint.size
        withheld_listed = list(self.manifest.withheld) if self.manifest else []
        self.previous_size = self.previous[1].size if self.previous else -1
        p = 0
        while p < size:
            line = leaves.read()  # 5
            if line is None:
                break
            raw = bodies.read()
            if raw is None:
                raise ExportError("deleted", p, f"bodies.jsonl ends at line {p}; leaves.jsonl goes on")
            body = None if raw == NULL_BODY else raw
            leaf = self._leaf(p, line, body, leaves, bodies)  # 6
            self._body(p, leaf, body)  # 7 and 8
            self._note_withheld(p, body is None, withheld_listed)  # for step 16
            if self.pending is not None:
                self._add_to_tree(self.pending)
            self.pending, self.head2 = bytes.fromhex(self.chain.head), self._head_before
            p += 1
            if self.progress is not None and p % PROGRESS_EVERY == 0:
                self.progress(p, size)
        if self.pending is not None:
            self._add_to_tree(self.pending)
        if withheld_listed and withheld_listed[0] < p and self.manifest_problem is None:
            self.manifest_problem = ExportError(
                "malformed", withheld_listed[0], "manifest.json lists this body as withheld but it is present"
            )
        if self.progress is not None:
            self.progress(p, size)
        return p

    def _add_to_tree(self, leaf_hash: bytes) -> None:
        self.tree.append(leaf_hash)
        if self.tree.size == self.previous_size:
            self.root_at_previous = self.tree.root()

    def _leaf(self, p: int, line: bytes, body: Optional[bytes], leaves: LineReader, bodies: LineReader) -> Leaf:
        """Step 6: §5's checks; a failure is named by §10.2."""
        self._head_before = self.chain.head
        try:
            return self.chain.feed(line, body)
        except ChainError as exc:
            failure = Failure(
                p, line, body, exc, self.chain.head, self.head2, self.tree, self.pending, self.checkpoint,
                leaves, bodies, parse_leaf,
            )
            raise classify(failure) from None

    def _body(self, p: int, leaf: Leaf, body: Optional[bytes]) -> None:
        """Steps 7 and 8: the body's form, then what its content must say."""
        if body is None:
            if leaf.type in NEVER_WITHHELD:
                raise ExportError("malformed", p, f"the body of a {leaf.type} event is withheld; it never may be (§3)")
            value = None
        else:
            try:
                value = parse(body)
            except CanonicalFormError as exc:
                reason = f"the body hashes right but is not canonical JSON ({exc.rule})"
                raise ExportError("edited", p, reason) from None
            if type(value) is not dict:
                raise ExportError("malformed", p, f"the body is a JSON {_kind(value)}, not an object (§3)")
        if p == 0:
            self._genesis(value)
        elif leaf.type == ROTATION_TYPE:
            try:
                self.keys.apply(value, self.chain.ledger, p)
            except SignatureError as exc:
                raise ExportError("bad-signature", p, exc.reason) from None
            except (RotationError, KeyFormatError) as exc:
                raise ExportError("malformed", p, exc.reason) from None
        if self.replay is not None and leaf.type in VALUE_TYPES:
            self.replay.feed(p, leaf.type, leaf.stream, value, body is None)

    def _genesis(self, value: dict) -> None:
        ledger, key = self.chain.ledger, self.chain.public_key
        if type(value.get("format")) is not int or value["format"] != 1:
            raise ExportError("malformed", 0, "the genesis body's format must be 1")
        try:
            parsed = parse_key(key, private=False)
        except KeyFormatError as exc:
            raise ExportError("malformed", 0, f"the genesis public_key is not a verifier key ({exc.reason})") from None
        if parsed.name != ledger:
            raise ExportError("malformed", 0, f"the genesis key is named {parsed.name!r}, not the ledger id {ledger!r}")
        self.keys = KeyHistory(key)

    def _note_withheld(self, p: int, withheld: bool, listed: list[int]) -> None:
        """The manifest's withheld list against this line (step 8's note, raised in step 16)."""
        self.withheld += withheld
        is_listed = bool(listed) and listed[0] == p
        if is_listed:
            listed.pop(0)
        if self.manifest_problem is None and withheld != is_listed:
            reason = (
                "body is withheld but manifest.json does not list it"
                if withheld
                else "manifest.json lists this body as withheld but it is present"
            )
            self.manifest_problem = ExportError("malformed", p, reason)

    # Steps 9-16, after the walk.

    def _after(self, n: int, leaves: LineReader, bodies: LineReader) -> tuple[bool, tuple, tuple, tuple]:
        size = self.checkpoint.size
        if n == 0:  # 9
            if size:
                raise ExportError("truncated", 0, "leaves.jsonl is empty: an export starts with the genesis leaf")
            raise ExportError("malformed", None, "the checkpoint signs 0 events: an export starts with genesis")
        if n < size:
            raise ExportError("truncated", n, f"leaves.jsonl has {n} leaves; the checkpoint signs {size}")
        keys, ledger = self.keys, self.chain.ledger
        if keys.introduced_at(self.trusted) is None:  # 10
            reason = f"the key you trust, {self.trusted}, is not in this ledger's key history up to this size"
            raise ExportError("bad-signature", None, reason)
        self._signed_note(self.note, keys.key_at(size), "checkpoint.txt")  # 11
        root = self.tree.root()
        if root != self.checkpoint.root:  # 12
            raise ExportError("rewritten", None, f"the leaves' root is {root.hex()}; the checkpoint signs another")
        self._previous(n, root)  # 13
        if leaves.peek(1):  # 14
            raise ExportError("inserted", size, "leaves.jsonl goes on after the checkpoint's size")
        if bodies.peek(1):
            raise ExportError("inserted", size, "bodies.jsonl goes on after the checkpoint's size")
        for reader, name in ((leaves, LEAVES), (bodies, BODIES)):  # 15
            if reader.unterminated:
                raise ExportError("malformed", size - 1, f"the last line of {name} has no newline")
        return self._manifest(size, ledger, leaves, bodies)  # 16

    def _signed_note(self, note: str, key: str, what: str) -> None:
        try:
            verify_checkpoint(note, key, self.chain.ledger)
        except SignatureError as exc:
            raise ExportError("bad-signature", None, f"{what}: {exc.reason}") from None
        except (NoteError, CheckpointError, KeyFormatError) as exc:
            raise ExportError("malformed", None, f"{what}: {exc}") from None

    def _previous(self, n: int, root: bytes) -> None:
        if self.previous is None:
            return
        note, old = self.previous
        if old.origin != self.chain.ledger:
            raise ExportError("malformed", None, f"the previous checkpoint is of {old.origin!r}")
        if old.size > n:  # its signature unchecked: its key may come from a rotation the export cannot show
            raise ExportError("truncated", n, f"the export signs {n} events but you hold a checkpoint of {old.size}")
        self._signed_note(note, self.keys.key_at(old.size), "the previous checkpoint")
        expected = hashlib.sha256(b"").digest() if old.size == 0 else root if old.size == n else self.root_at_previous
        if old.root != expected:
            raise ExportError("fork", None, f"at size {old.size} the export's root is not your signed checkpoint's")

    def _manifest(
        self, size: int, ledger: str, leaves: LineReader, bodies: LineReader
    ) -> tuple[bool, tuple, tuple, tuple]:
        """§8.5's checks in their order; returns (signed, derived, bound, unverified) for the report."""
        manifest, note = self.manifest, read_note(self.dir)
        signed = False
        if manifest is None or note is None:
            if not self.legacy:
                missing = MANIFEST if manifest is None else MANIFEST_SIG
                raise ManifestMissing(f"the export has no {missing}: nothing binds its files to the checkpoint")
            every_file = unlisted(self.dir, Manifest(ledger, size, [], dict.fromkeys(CHAIN_FILES, "")))
            if manifest is None:
                return False, (), (), tuple(every_file)
        else:
            verify_manifest_note(note, self.keys.key_at(size), self.checkpoint, manifest)
            signed = True
        if manifest.ledger != ledger or manifest.size != size:
            raise ExportError("malformed", None, "manifest.json names another ledger or size than the files hold")
        if self.manifest_problem is not None:
            raise self.manifest_problem
        if manifest.withheld and manifest.withheld[-1] >= size:
            raise ExportError("malformed", None, "manifest.json lists withheld bodies beyond the export's size")
        leaves.drain()
        bodies.drain()
        digests = {
            LEAVES: leaves.digest.hexdigest(),
            BODIES: bodies.digest.hexdigest(),
            CHECKPOINT: hashlib.sha256(self.note.encode("utf-8")).hexdigest(),
        }
        for name, digest in digests.items():
            if manifest.files.get(name) is None:
                raise ExportError("malformed", None, f"manifest.json does not list {name}")
            if manifest.files[name] != digest:
                raise ExportError("malformed", None, f"manifest.json's sha256 of {name} is not the file's")
        if not signed:
            return False, (), (), tuple(every_file)
        derived = tuple(check_derived(self.dir, derived_listed(manifest.files), size, digests))
        bound = tuple(name for name in check_listed(self.dir, manifest) if name not in derived)
        check_unlisted(self.dir, manifest)
        return True, derived, bound, ()


def verify_export_reference(
    directory: str | Path,
    trusted: str,
    previous_checkpoint: Optional[str | bytes] = None,
    conservation: bool = False,
    progress: Optional[Progress] = None,
    legacy: bool = False,
) -> Any:
    """:func:`ledger_audit.verify_export` by the plain walk; ``trusted`` is an already-checked verifier key."""
    return _Export(Path(directory), trusted, previous_checkpoint, conservation, progress, legacy).run()
