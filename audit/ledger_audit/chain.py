"""The hash chain: leaf envelopes, leaf hashes, and a streaming chain verifier.

Leaf n is the canonical JSON (RFC 8785) of an envelope::

    {"body_hash": hex, "ledger": str, "prev": hex, "seq": n, "stream": str,
     "ts": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "type": str, "v": 1, "version": int}

``LH(n) = SHA-256(0x00 || leaf_n)`` is the RFC 6962 leaf hash; ``prev`` of leaf n is
``LH(n-1)`` in lowercase hex, and 64 zeros for the genesis leaf (seq 0). The same
leaf hashes are the leaves of the Merkle tree, so the chain and the tree are one
structure. docs/chain-spec.md is the normative description.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterable, Optional

from .canonical import MAX_SAFE_INTEGER, parse_canonical
from .errors import CanonicalFormError, ChainError, GenesisBodyError
from .events import GENESIS

FORMAT_VERSION = 1
GENESIS_TYPE = GENESIS
GENESIS_PREV = "0" * 64
LEAF_KEYS = frozenset({"v", "ledger", "seq", "prev", "ts", "type", "stream", "version", "body_hash"})
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # a leaf's ts, always UTC with microseconds
MAX_LEAF_BYTES = 65535  # the tlog-tiles entry limit; a leaf is small by design

# The grammars of §2, as regex source shared by every path that reads leaves (this module's
# two, and the block checks of shapes.py). ASCII digits and letters only.
#: ``ts``: month, day, hour, minute and second within their ranges; :func:`real_time` checks the day.
TS_PATTERN = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
#: ``stream``: a UUID in its lowercase 8-4-4-4-12 form.
STREAM_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: ``type``: two or more dot-separated lowercase names, then ``.v`` and a version without leading zeros.
TYPE_PATTERN = r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*"

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_TS = re.compile(TS_PATTERN + r"\Z")
_STREAM = re.compile(STREAM_PATTERN + r"\Z")
_TYPE = re.compile(TYPE_PATTERN + r"\Z")


@lru_cache(maxsize=4096)
def real_date(day: str) -> bool:
    """Whether ``YYYY-MM-DD`` (already in range per field) is a day of the Gregorian calendar, year 1 on."""
    try:
        date.fromisoformat(day)
    except ValueError:  # 31 April, 29 February of a common year, year 0
        return False
    return True


def real_time(ts: str) -> bool:
    """Whether a ``ts`` that matches :data:`TS_PATTERN` names a real UTC time (§2)."""
    return real_date(ts[:10])


# The fast path of parse_leaf: the exact canonical bytes of a leaf whose ledger id is
# printable ASCII without '"' or '\\' (so JCS writes it literally), whose other strings
# follow their grammars (which need no escapes) and whose integers have no leading zeros.
# Whatever matches, on a real calendar day, is a leaf the full check accepts unchanged;
# whatever does not (any escape, non-ASCII, a shape or grammar error) takes the full check.
_SAFE = rb'[\x20\x21\x23-\x5b\x5d-\x7e]+'
_INT = rb"(0|[1-9][0-9]{0,15})"
_CANONICAL_LEAF = re.compile(
    rb'\{"body_hash":"([0-9a-f]{64})","ledger":"(' + _SAFE + rb')","prev":"([0-9a-f]{64})","seq":' + _INT
    + rb',"stream":"(' + STREAM_PATTERN.encode() + rb')","ts":"(' + TS_PATTERN.encode() + rb')"'
    + rb',"type":"(' + TYPE_PATTERN.encode() + rb')","v":1,"version":' + _INT + rb"\}\Z"
)


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def body_hash(body: bytes) -> str:
    """Hex SHA-256 of an event body's stored (canonical) bytes."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Leaf:
    """A parsed, shape-checked leaf envelope."""

    v: int
    ledger: str
    seq: int
    prev: str
    ts: str
    type: str
    stream: str
    version: int
    body_hash: str

    def to_bytes(self) -> bytes:
        return _leaf_bytes(self.__dict__)


# A leaf is a flat object with ASCII member names and string or integer values, so
# sorting by code point equals JCS's UTF-16 order and the C encoder's escaping equals
# JCS's: this is RFC 8785 without the general-purpose walk (which cost ~70% of verify).
_encode_flat = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _leaf_bytes(members: dict) -> bytes:
    try:
        return _encode_flat(members).encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalFormError("$", "strings must be valid Unicode (no lone surrogates)") from None


def make_leaf(
    *,
    ledger: str,
    seq: int,
    prev: str,
    ts: str,
    type: str,
    stream: str,
    version: int,
    body_hash: str,
) -> bytes:
    """Build the canonical bytes of a leaf envelope (format version 1)."""
    for name, value, low in (("seq", seq, 0), ("version", version, 1)):
        if type_(value) is not int or not low <= value <= MAX_SAFE_INTEGER:
            raise CanonicalFormError(f"$.{name}", f"must be an integer from {low} to 2**53 - 1")
    for name, value in (
        ("ledger", ledger),
        ("prev", prev),
        ("ts", ts),
        ("type", type),
        ("stream", stream),
        ("body_hash", body_hash),
    ):
        if type_(value) is not str:
            raise CanonicalFormError(f"$.{name}", "must be a string")
    return Leaf(FORMAT_VERSION, ledger, seq, prev, ts, type, stream, version, body_hash).to_bytes()


type_ = type  # make_leaf's ``type`` parameter (the event type) shadows the builtin


def parse_leaf(data: bytes, seq_hint: int) -> Leaf:
    """Parse and shape-check leaf bytes; raise :class:`ChainError` at ``seq_hint`` if bad."""
    if type(data) is bytes and len(data) <= MAX_LEAF_BYTES:
        match = _CANONICAL_LEAF.match(data)
        if match is not None:
            body, ledger, prev, seq, stream, ts, etype, version = match.groups()
            seq, version = int(seq), int(version)
            if seq <= MAX_SAFE_INTEGER and 1 <= version <= MAX_SAFE_INTEGER and real_date(ts[:10].decode("ascii")):
                return Leaf(
                    FORMAT_VERSION,
                    ledger.decode("ascii"),
                    seq,
                    prev.decode("ascii"),
                    ts.decode("ascii"),
                    etype.decode("ascii"),
                    stream.decode("ascii"),
                    version,
                    body.decode("ascii"),
                )
    return _parse_leaf_fully(data, seq_hint)


def _parse_leaf_fully(data: bytes, seq_hint: int) -> Leaf:
    if len(data) > MAX_LEAF_BYTES:
        raise ChainError(seq_hint, f"leaf is {len(data)} bytes, more than {MAX_LEAF_BYTES}")
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ChainError(seq_hint, f"leaf is not UTF-8 JSON ({exc})") from None
    if type(value) is not dict or value.keys() != LEAF_KEYS:
        raise ChainError(seq_hint, f"leaf must have exactly the members {sorted(LEAF_KEYS)}")
    checks = (
        (value["v"] == FORMAT_VERSION and type(value["v"]) is int, "unknown format version"),
        (type(value["seq"]) is int and 0 <= value["seq"] <= MAX_SAFE_INTEGER, "seq must be an integer >= 0"),
        (
            type(value["version"]) is int and 1 <= value["version"] <= MAX_SAFE_INTEGER,
            "version must be an integer >= 1",
        ),
        (isinstance(value["prev"], str) and _HEX64.match(value["prev"]), "prev must be 64 hex"),
        (isinstance(value["body_hash"], str) and _HEX64.match(value["body_hash"]), "body_hash must be 64 hex"),
        (isinstance(value["ts"], str) and _TS.match(value["ts"]), "ts must be YYYY-MM-DDTHH:MM:SS.ffffffZ"),
        (isinstance(value["ledger"], str) and value["ledger"], "ledger must be a non-empty string"),
        (
            isinstance(value["type"], str) and _TYPE.match(value["type"]),
            "type must be a versioned topic: lowercase names joined by '.', then '.v' and a number",
        ),
        (
            isinstance(value["stream"], str) and _STREAM.match(value["stream"]),
            "stream must be a UUID in lowercase 8-4-4-4-12 form",
        ),
    )
    for ok, rule in checks:
        if not ok:
            raise ChainError(seq_hint, rule)
    if not real_time(value["ts"]):
        raise ChainError(seq_hint, f"ts {value['ts']} is not a time of the calendar (no such day)")
    # Members and types are right; now the bytes must be *the* encoding of these values
    # (this also rejects duplicate members, which json.loads would silently collapse).
    try:
        canonical = _leaf_bytes(value)
    except CanonicalFormError as exc:
        raise ChainError(seq_hint, f"leaf is not canonical JSON ({exc})") from None
    if canonical != data:
        raise ChainError(seq_hint, "leaf is valid JSON but not in RFC 8785 canonical form")
    return Leaf(**value)


class ChainVerifier:
    """Feeds leaves in order from genesis and raises :class:`ChainError` at the first bad one.

    Checks per leaf, in this order (docs/chain-spec.md §5): canonical shape and the
    grammars of §2, ``seq`` equals its position, ``prev`` equals the previous leaf hash,
    the stored hash (when given) equals the recomputed one, timestamps never go
    backwards, the body (when present, i.e. not withheld) hashes to ``body_hash``;
    genesis comes first and names the ledger id and its key in its body
    (:class:`GenesisBodyError` if its body does not), one ledger id throughout, no
    second genesis; and each stream's versions are 1, 2, 3 ... in chain order.

    ``streams`` holds every stream seen and ``versions`` the last version of those past
    version 1 (most streams have one event, and a set is cheaper than a dict), so memory
    grows with the number of streams (one short entry each), not with the number of events.
    """

    def __init__(self) -> None:
        self.size = 0
        self.head = GENESIS_PREV
        self.ledger: Optional[str] = None
        self.public_key: Optional[str] = None
        self._last_ts = ""
        self.streams: set[str] = set()
        self.versions: dict[str, int] = {}

    def last_version(self, stream: str) -> int:
        """The version of ``stream``'s latest leaf so far, 0 if it has none."""
        return self.versions.get(stream) or (1 if stream in self.streams else 0)

    def feed(self, leaf_bytes: bytes, body: Optional[bytes] = None, stored_hash: Optional[bytes] = None) -> Leaf:
        seq = self.size
        leaf = parse_leaf(leaf_bytes, seq)
        if leaf.seq != seq:
            raise ChainError(seq, f"leaf says seq {leaf.seq} at position {seq}")
        if leaf.prev != self.head:
            raise ChainError(seq, "prev does not equal the hash of the previous leaf")
        digest = leaf_hash(leaf_bytes)
        if stored_hash is not None and stored_hash != digest:
            raise ChainError(seq, "stored hash does not match the leaf bytes")
        if leaf.ts < self._last_ts:
            raise ChainError(seq, f"timestamp {leaf.ts} is earlier than the previous {self._last_ts}")
        if body is not None and body_hash(body) != leaf.body_hash:
            raise ChainError(seq, "body does not hash to the leaf's body_hash")
        if seq == 0:
            self._check_genesis(leaf, body)
        elif leaf.ledger != self.ledger:
            raise ChainError(seq, f"leaf names ledger {leaf.ledger!r}, not {self.ledger!r}")
        elif leaf.type == GENESIS_TYPE:
            raise ChainError(seq, "a second genesis leaf")
        last = self.last_version(leaf.stream)
        if leaf.version != last + 1:
            raise ChainError(seq, stream_version_rule(leaf.stream, last, leaf.version))
        if last:
            self.versions[leaf.stream] = leaf.version
        else:
            self.streams.add(leaf.stream)
        self.head = digest.hex()
        self._last_ts = leaf.ts
        self.size += 1
        return leaf

    def _check_genesis(self, leaf: Leaf, body: Optional[bytes]) -> None:
        if leaf.type != GENESIS_TYPE:
            raise ChainError(0, f"the first leaf must be {GENESIS_TYPE}, not {leaf.type}")
        if body is None:
            raise GenesisBodyError("the genesis body may never be withheld")
        try:
            content = parse_canonical(body)
        except CanonicalFormError as exc:
            raise ChainError(0, f"genesis body is not canonical JSON ({exc})") from None
        if not isinstance(content, dict):
            raise GenesisBodyError("the genesis body is not a JSON object")
        if content.get("ledger_id") != leaf.ledger:  # the leaf or the body: the leaf is what the chain checks
            raise ChainError(0, "genesis body does not name the leaf's ledger id")
        key = content.get("public_key")
        if not isinstance(key, str):
            raise GenesisBodyError("genesis body does not carry the ledger's public key")
        self.ledger = leaf.ledger
        self.public_key = key


def stream_version_rule(stream: str, last: int, version: int) -> str:
    """Why ``version`` cannot follow ``last`` (0: none yet) in ``stream``: the rule of §2, in words."""
    if last == 0:
        return f"stream {stream} starts at version {version}; a stream's first leaf has version 1"
    return f"stream {stream} is at version {last}; its next leaf must have version {last + 1}, not {version}"


def verify_chain(records: Iterable[tuple[bytes, Optional[bytes], Optional[bytes]]]) -> ChainVerifier:
    """Verify ``(leaf_bytes, body_or_None, stored_hash_or_None)`` records from genesis on.

    Returns the verifier (``size``, ``head``, ``ledger``, ``public_key``) or raises
    :class:`ChainError` naming the first bad sequence number.
    """
    verifier = ChainVerifier()
    for leaf_bytes, body, stored in records:
        verifier.feed(leaf_bytes, body, stored)
    return verifier
