"""Name the first failure of an export: which kind of change, at which sequence number.

:class:`~ledger_audit.chain.ChainVerifier` says *where* the chain first stops verifying;
this module says *what* most plausibly happened there (docs/chain-spec.md §10), reading
ahead in the same files. It runs only once, after a failure, so it may scan the rest
of the export (in O(1) memory); the happy path never pays for it.

Notation: position ``p`` is the 0-based line number; the line there parses as a leaf
claiming ``seq = s`` and ``prev = r``; ``head = LH(p-1)`` (zeros at ``p = 0``) and
``head2 = LH(p-2)`` are the hashes of the lines actually before it. A leaf *fits* at
``p`` when ``s == p`` and ``r == head``. The rules, first match wins:

1. The line is not a leaf (not canonical, wrong shape, too long): ``inserted`` at ``p``
   if the next line fits at ``p`` (a foreign line was slipped in), else ``edited`` at ``p``.
2. ``s == p`` and ``r == head``: the link is right, so the leaf's content or its body is
   wrong. For a body that does not hash to ``body_hash`` see :func:`classify_body`; a
   genesis body that is withheld, not an object or without a key string
   (:class:`~ledger_audit.errors.GenesisBodyError`) is ``malformed`` at 0; anything else
   (timestamp, ledger id, type, a stream's version) is ``edited`` at ``p``.
3. ``r == head`` but ``s != p``: the leaf sits where its link says but names another
   seq: its ``seq`` was ``edited`` (at ``p``).
4. ``s == p``, ``r != head``: either leaf ``p-1`` changed (its hash is no longer what
   ``p`` links to: the usual result of editing a leaf whose body is withheld, or a
   field the body hash does not cover) or leaf ``p``'s own ``prev`` changed. If the
   next line links to this leaf's hash, this leaf is intact, so ``edited`` at ``p-1``;
   if this is the last line, ``edited`` at ``p-1`` when putting ``r`` in place of
   ``LH(p-1)`` reproduces the signed root, else ``edited`` at ``p``.
5. ``s < p`` (an earlier seq again): ``inserted``. At ``p`` itself, unless ``s == p-1``
   and ``r == head2`` (this is the real leaf ``p-1``, and the line before it, which
   also claimed ``p-1``, is the impostor: ``inserted`` at ``p-1``, confirmed by the next
   line linking to this one).
6. ``s > p`` (a later seq early): if the next line fits at ``p``, this line is extra in
   front of the right one: ``inserted`` at ``p`` if seq ``s`` also occurs further on (a
   copy), ``reordered`` at ``p`` if not (leaf ``s`` was moved up). Otherwise, if any
   later line claims seq ``p``, leaf ``p`` was moved down: ``reordered`` at ``p`` (two
   swapped lines report the earlier one). Otherwise leaves ``p .. s-1`` are gone:
   ``deleted`` at ``p``.

Bodies are checked only where the leaf fits (rule 2), so a line missing from or added
to both files is classified by the leaves. When only ``bodies.jsonl`` is off,
:func:`classify_body` scans the rest of both files for where the body on line ``p``
belongs (the leaf whose ``body_hash`` it has: ``moved``) and where body ``p`` really
is (``original``): both found is ``reordered`` at ``p`` (or ``inserted`` if body ``p``
is on the very next line and the body on line ``p`` is a copy of one still further
down); only ``moved == p+1`` is ``deleted`` at ``p`` (every body after is one line
early); only ``original`` is ``inserted`` at ``p``; neither is ``edited`` at ``p``. A
withheld body (``null``) fits any leaf, so a shift across withheld bodies is reported
at the first present body it reaches.

The heuristics assume one alteration. Several at once are still always a failure,
named after the first one the chain notices (the kind may then be a guess).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from typing import Optional, Protocol

from .chain import _CANONICAL_LEAF, Leaf, leaf_hash, parse_leaf
from .checkpoint import Checkpoint
from .errors import ChainError, ExportError, GenesisBodyError
from .events import WITHHELD
from .rfc6962 import CompactRange

NULL_BODY = WITHHELD  # how a withheld body is written (§3)
MAX_BODY_BYTES = 16 * 1024 * 1024  # a body is at most 16 MiB (chain-spec §3)



class Lookahead(Protocol):
    def peek(self, count: int) -> list[bytes]: ...

    def rest(self) -> Iterator[bytes]: ...


@dataclass
class Failure:
    """Where :meth:`ChainVerifier.feed` raised, and what the walk knew at that point."""

    position: int
    line: bytes
    body: Optional[bytes]  # None when withheld
    error: ChainError
    head: str  # hex LH(position - 1), zeros at position 0
    head2: Optional[str]  # hex LH(position - 2), None below position 2
    frontier: CompactRange  # the tree of leaves 0 .. position - 2
    pending: Optional[bytes]  # LH(position - 1), not yet in ``frontier``
    checkpoint: Checkpoint
    leaves: Lookahead
    bodies: Lookahead
    #: How a line is read as a leaf: the verifier's parser, or the reference kernel's (the same leaves).
    parse: Callable[[bytes, int], Leaf] = parse_leaf


def _leaf(line: Optional[bytes], position: int, parse: Callable[[bytes, int], Leaf] = parse_leaf) -> Optional[Leaf]:
    if line is None:
        return None
    try:
        return parse(line, position)
    except ChainError:
        return None


def _json_member(line: bytes, name: str) -> object:
    """Member ``name`` of the line read as UTF-8 JSON whose top level is an object (the last one if repeated)."""
    try:
        value = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return value.get(name) if isinstance(value, dict) else None


def claimed_seq(line: bytes) -> Optional[int]:
    """The ``seq`` a line claims (§10.2): a canonical leaf's quickly, else any JSON object's integer ``seq``."""
    match = _CANONICAL_LEAF.match(line)  # the whole line is then a JSON object with this seq
    if match:
        return int(match.group(4))
    seq = _json_member(line, "seq")
    return seq if type(seq) is int else None


def claimed_body_hash(line: Optional[bytes]) -> Optional[str]:
    """The ``body_hash`` a line claims (§10.2): a canonical leaf's quickly, else any JSON object's string one."""
    if line is None:
        return None
    match = _CANONICAL_LEAF.match(line)
    if match:
        return match.group(1).decode("ascii")
    digest = _json_member(line, "body_hash")
    return digest if isinstance(digest, str) else None


def _hashes_to(body: Optional[bytes], digest: Optional[str]) -> bool:
    return body is not None and body != NULL_BODY and digest is not None and hashlib.sha256(body).hexdigest() == digest


def _seq_occurs(lines: Iterable[bytes], seq: int) -> bool:
    return any(claimed_seq(line) == seq for line in lines)


def classify(f: Failure) -> ExportError:
    """The :class:`ExportError` for the chain failure ``f`` (rules in the module docstring)."""
    p = f.position
    leaf = _leaf(f.line, p, f.parse)
    if leaf is None:  # rule 1
        nxt = _leaf(next(iter(f.leaves.peek(1)), None), p, f.parse)
        if nxt is not None and nxt.seq == p and nxt.prev == f.head:
            return ExportError("inserted", p, f"line {p} is not a leaf ({f.error.reason}); the next line is leaf {p}")
        return ExportError("edited", p, f.error.reason)
    s, r = leaf.seq, leaf.prev
    if s == p and r == f.head:  # rule 2
        if f.body is not None and hashlib.sha256(f.body).hexdigest() != leaf.body_hash:
            return classify_body(f, leaf)
        if isinstance(f.error, GenesisBodyError):  # the body is what leaf 0 commits to, and breaks §4
            return ExportError("malformed", 0, f.error.reason)
        return ExportError("edited", p, f.error.reason)
    if r == f.head:  # rule 3
        return ExportError("edited", p, f"leaf links to LH({p - 1}) but says seq {s}: its seq was changed")
    if s == p:  # rule 4
        return _broken_link(f, leaf)
    if s < p:  # rule 5
        return _earlier_seq(f, leaf)
    return _later_seq(f, leaf)  # rule 6


def _broken_link(f: Failure, leaf: Leaf) -> ExportError:
    p = f.position
    if p == 0:
        return ExportError("edited", 0, "the genesis leaf's prev is not 64 zeros")
    own = leaf_hash(f.line)
    nxt = _leaf(next(iter(f.leaves.peek(1)), None), p + 1, f.parse)
    earlier = ExportError(
        "edited",
        p - 1,
        f"leaf {p - 1} is not the leaf that leaf {p} links to (leaf {p} is intact: leaf {p + 1} links to it)",
    )
    if nxt is not None and nxt.prev == own.hex():
        return earlier
    if nxt is None and not f.leaves.peek(1) and f.checkpoint.size == p + 1:
        frontier = f.frontier.copy()
        frontier.append(bytes.fromhex(leaf.prev))
        frontier.append(own)
        if frontier.root() == f.checkpoint.root:
            return ExportError(
                "edited",
                p - 1,
                f"leaf {p - 1} is not the leaf that leaf {p} links to (with that link the root is the signed one)",
            )
    return ExportError("edited", p, f"leaf {p}'s prev is not LH({p - 1}): its prev (or the leaf before it) was changed")


def _earlier_seq(f: Failure, leaf: Leaf) -> ExportError:
    p, s = f.position, leaf.seq
    if s == p - 1 and leaf.prev == f.head2:
        own = leaf_hash(f.line)
        if own.hex() == f.head:
            return ExportError("inserted", p, f"line {p} repeats leaf {p - 1}")
        nxt = _leaf(next(iter(f.leaves.peek(1)), None), p + 1, f.parse)
        if nxt is not None and nxt.prev == own.hex():
            return ExportError(
                "inserted",
                p - 1,
                f"line {p - 1} is an extra leaf: line {p} is the real leaf {p - 1} and leaf {p + 1} links to it",
            )
    return ExportError("inserted", p, f"line {p} says seq {s}, an earlier one, and is not a move of a later leaf")


def _later_seq(f: Failure, leaf: Leaf) -> ExportError:
    p, s = f.position, leaf.seq
    nxt = _leaf(next(iter(f.leaves.peek(1)), None), p, f.parse)
    rest = f.leaves.rest()
    if nxt is not None and nxt.seq == p and nxt.prev == f.head:
        next(rest)  # the fitting leaf p itself
        if _seq_occurs(rest, s):
            return ExportError("inserted", p, f"line {p} is a copy of leaf {s}; leaf {p} follows it")
        return ExportError("reordered", p, f"leaf {s} was moved up to position {p}; leaf {p} follows it")
    if _seq_occurs(rest, p):
        return ExportError("reordered", p, f"line {p} holds leaf {s}; leaf {p} comes later")
    missing = f"leaf {p} is" if s == p + 1 else f"leaves {p}..{s - 1} are"
    return ExportError("deleted", p, f"line {p} holds leaf {s}: {missing} missing")


def classify_body(f: Failure, leaf: Leaf) -> ExportError:
    """The failure for a fitting leaf ``p`` whose body does not hash to its ``body_hash``."""
    p, wanted, body = f.position, leaf.body_hash, f.body
    if body is not None and len(body) > MAX_BODY_BYTES:
        return ExportError("malformed", p, f"body line {p} is longer than {MAX_BODY_BYTES} bytes")
    digest = hashlib.sha256(body or b"").hexdigest()
    moved = original = None  # the leaf body p's content belongs to; the line body p really is on
    copied = False  # body p's content occurs again further down
    for q, (line, other) in enumerate(zip_longest(f.leaves.rest(), f.bodies.rest()), p + 1):
        if moved is None and claimed_body_hash(line) == digest:
            moved = q
        if other is not None and other != NULL_BODY:
            other_digest = hashlib.sha256(other).hexdigest()
            if original is None and other_digest == wanted:
                original = q
            copied = copied or other_digest == digest
    if moved is not None and original is not None:
        if original == p + 1 and moved != p + 1 and copied:
            return ExportError("inserted", p, f"body line {p} is a copy of body {moved}; body {p} follows it")
        return ExportError("reordered", p, f"body line {p} holds body {moved} and body {p} is on line {original}")
    if moved == p + 1:
        return ExportError("deleted", p, f"body line {p} holds body {p + 1}: body {p} is missing from bodies.jsonl")
    if original is not None:
        return ExportError("inserted", p, f"body {p} is on line {original} of bodies.jsonl: lines were added before it")
    return ExportError("edited", p, "body does not hash to the leaf's body_hash")
