"""Fast canonical-form checks over whole blocks of export lines (docs/chain-spec.md §1, §5).

The export walk checks thousands of leaves and bodies per block. Parsing each one with
:mod:`json` and re-encoding it cost ~20 µs per event, ten times the rest of the walk, so
these checks use one regular expression call per block instead, over text the checks
below make *sufficient* for canonical form. Whatever they do not vouch for takes the
full check (:func:`~ledger_audit.canonical.parse_canonical`, :func:`~ledger_audit.chain.parse_leaf`),
so they can only make the verifier faster, never more lenient.

Both work on text decoded with ``surrogateescape``: valid UTF-8 never decodes to a
surrogate code point, so a string class that excludes U+D800..U+DFFF accepts only valid
UTF-8 without encoded surrogates (the lone surrogates §1 forbids).

Why a match is canonical:

- a JSON string matching :data:`STRING` holds no ``"``, no ``\\``, no control character
  and no surrogate, so RFC 8785 writes each of its characters literally: it is the one
  encoding of its value;
- an integer matching :data:`INTEGER` has no sign but ``-`` before a non-zero digit, no
  leading zero and at most 15 digits, so it is in +/-(2**53 - 1) and is its own
  canonical form (16-digit integers take the full check);
- a :class:`BodyShapes` shape is the canonical encoding of a value that passed the full
  check, with every scalar replaced by "any canonical scalar" (or, in its exact form,
  "any canonical scalar of the same JSON type", a subset). Member names stay literal, in
  the order the full check accepted, so a body matching a shape is the canonical
  encoding of an object with the same members and other scalars;
- a leaf matching :class:`LeafBlock`'s pattern has the grammar of
  :func:`leaf_block_pattern` from ``,"stream"`` on, and its head (body hash, ledger
  id, prev, seq) is compared with the exact canonical text the walk expects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from typing import Any, Callable, Optional

from .canonical import canonical_bytes
from .chain import _TYPE
from .errors import CanonicalFormError

STRING = r'"[^"\\\x00-\x1f\ud800-\udfff]*+"'
INTEGER = r"(?:0|-?[1-9][0-9]{0,14})"
SCALAR = rf"(?:{STRING}|{INTEGER}|null|true|false)"
# A leaf's stream, ts and type, as the block pattern matches them: each the alphabet of its
# grammar (§2, chain.py), which needs no escapes, so a matching line has them in their one
# canonical spelling. The rest of each grammar is checked per block, where it is cheapest
# (regex groups of counted repeats and alternatives cost ~0.3 µs a leaf more): the dashes of
# all streams with five string operations (streams_are_uuids), each distinct type once
# (LeafBlock.types_are_topics), each distinct date once (chain.real_date, which also
# refuses month 13 and day 00). The time of day keeps its ranges here: it varies per leaf.
_STREAM_CHARS = r"[0-9a-f-]{36}"
_TS_CHARS = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
_TYPE_CHARS = r"[a-z0-9_.]++"
MAX_TYPES = 1024  # distinct types a LeafBlock remembers as checked
MAX_SHAPES = 64  # per form: bodies of shapes beyond these bounds take the full check
MAX_SHAPE_CHARS = 8192
MAX_TOTAL_CHARS = 65536  # per form: bounds compile time (~1 s) for an export of many hostile shapes


def _leaf_tail() -> str:
    """The leaf from ``,"stream"`` to the end of the line; ``stream``, ``ts``, ``type`` and ``version`` are groups."""
    return (
        rf',"stream":"({_STREAM_CHARS})","ts":"({_TS_CHARS})","type":"({_TYPE_CHARS})"'
        r',"v":1,"version":([1-9][0-9]{0,14})\}$'
    )


def streams_are_uuids(streams: list[str]) -> bool:
    """Whether streams of 36 characters from ``[0-9a-f-]`` are all of the 8-4-4-4-12 form (§2)."""
    count, joined = len(streams), "".join(streams)
    dashes = "-" * count
    return joined.count("-") == 4 * count and all(joined[i::36] == dashes for i in (8, 13, 18, 23))


def types_are_topics(types: Iterable[str], known: Optional[set[str]] = None) -> bool:
    """Whether every type follows the grammar of §2; ``known`` holds types already seen to, and learns more."""
    new = set(types) if known is None else set(types) - known
    if not all(map(_TYPE.match, new)):
        return False
    if known is not None and len(known) + len(new) <= MAX_TYPES:
        known |= new
    return True


def leaf_block_pattern(ledger: str) -> re.Pattern[str]:
    """A pattern whose ``findall`` over ``"\\n"``-joined leaf lines yields one row per canonical leaf.

    Rows are ``(body_hash, prev, seq, stream, ts, type, version)``. Every group and class excludes
    ``\\n`` and the pattern is anchored at both ends of a line, so each match is one
    whole line: as many rows as lines means every line matched. ``body_hash`` and
    ``prev`` are any 64 characters here: the caller compares them with hashes it
    computed (or checks them as hex); ``seq`` is compared with the position as text,
    which also refuses leading zeros. The ledger id is the literal canonical encoding of
    the genesis leaf's (so a leaf naming another ledger does not match), ``v`` is the
    literal 1, and ``version`` has at most 15 digits (so it is at most 2**53 - 1).
    ``stream``, ``ts`` and ``type`` are in the alphabets of their grammars (§2), the time of
    day in range; the caller checks the rest of each grammar (:func:`streams_are_uuids`,
    :func:`types_are_topics`, :func:`~ledger_audit.chain.real_date` on the date) as it
    checks each stream's versions in order.

    :class:`LeafBlock` checks the same grammar with fewer groups; this form names each
    field, for tests and for readers.
    """
    literal = re.escape(canonical_bytes(ledger).decode("utf-8")[1:-1])
    return re.compile(
        r'^\{"body_hash":"(.{64})","ledger":"' + literal + r'","prev":"(.{64})","seq":([0-9]+)' + _leaf_tail(),
        re.MULTILINE,
    )


class LeafBlock:
    """The leaf checks of a block of one ledger: one regex call, then comparisons of whole columns.

    ``pattern.findall`` over the ``"\\n"``-joined lines yields ``(head, stream, ts, type, version)`` for each
    line of :func:`leaf_block_pattern`'s grammar, except that ``head`` (the text from
    the body hash through the digits of ``seq``) is only "the right length, then
    digits". :meth:`heads_are` then compares the heads with the exact text the walk
    expects (body hash, ledger id, prev, seq) in one list comparison: the regex engine
    spends ~2 ns on each character it checks, the comparison a fraction of that, and
    the per-field groups it replaces cost an object per field per line.

    In a line of this grammar whose head is as expected, ``","type":"X","v":1,"version":``
    can occur only where the type member is, and only if the type is ``X`` (stream and type
    hold no ``"``; the ledger id's quotes are escaped), so :meth:`has_type` and
    :meth:`lines_of_type` search the text.
    """

    def __init__(self, ledger: str) -> None:
        literal = canonical_bytes(ledger).decode("utf-8")[1:-1]
        self._middle = '","ledger":"' + literal + '","prev":"'
        self._seq_key = '","seq":'
        length = 64 + len(self._middle) + 64 + len(self._seq_key)
        self.pattern = re.compile(rf'^\{{"body_hash":"(.{{{length}}}[0-9]++)' + _leaf_tail(), re.MULTILINE)
        self.types: set[str] = set()  # types seen to follow the grammar

    def types_are_topics(self, types: Iterable[str]) -> bool:
        """:func:`types_are_topics`, remembering the types it checked."""
        return types_are_topics(types, self.types)

    def heads_are(self, heads: list[str], body_hashes: list[str], prev: str, hashes: list[str], first: int) -> bool:
        """Whether line ``j``'s head is that of leaf ``first + j`` with ``body_hashes[j]``.

        ``prev`` is the hex leaf hash before ``first``, ``hashes`` those from ``first`` on
        (the last is not needed).
        """
        seqs = map(str, range(first, first + len(heads)))
        parts = zip(body_hashes, repeat(self._middle), chain((prev,), hashes), repeat(self._seq_key), seqs)
        return heads == list(map("".join, parts))

    @staticmethod
    def _needle(kind: str) -> str:
        return f'","type":"{kind}","v":1,"version":'

    def has_type(self, text: str, kind: str) -> bool:
        """Whether a line of ``text`` (lines :meth:`heads_are` accepted) has type ``kind``."""
        return self._needle(kind) in text

    def lines_of_type(self, lines: list[bytes], kinds: tuple[str, ...]) -> list[int]:
        """The indices of the lines (accepted as for :meth:`has_type`) whose type is one of ``kinds``."""
        needles = [self._needle(kind).encode("utf-8") for kind in kinds]
        return [j for j, line in enumerate(lines) if any(needle in line for needle in needles)]


# The forms of a shape. GENERAL: every scalar is "any canonical scalar" (SCALAR). EXACT: each
# scalar keeps its JSON type, a subset the engine matches without trying alternatives in
# turn. ASCII: EXACT for text without non-ASCII characters, where a string's characters
# are one bitmap lookup each (and the pattern compiles five times faster).
GENERAL, EXACT, ASCII = "general", "exact", "ascii"
_ASCII_STRING = r'"[ !#-\[\]-\x7f]*+"'  # the characters of STRING below U+0080


def _shape(value: Any, form: str, depth: int = 0) -> Optional[str]:
    """The pattern of canonical encodings of objects shaped like ``value`` in ``form``, or None if too deep."""
    if depth > 32:
        return None
    if isinstance(value, dict):
        members = []
        for key, item in value.items():
            inner = _shape(item, form, depth + 1)
            if inner is None:
                return None
            members.append(re.escape(canonical_bytes(key).decode("utf-8")) + ":" + inner)
        return r"\{" + ",".join(members) + r"\}"
    if isinstance(value, list):
        items = [_shape(item, form, depth + 1) for item in value]
        if None in items:
            return None
        return r"\[" + ",".join(items) + r"\]"  # type: ignore[arg-type]
    if form == GENERAL:
        return SCALAR
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "(?:true|false)"
    if isinstance(value, str):
        return _ASCII_STRING if form == ASCII else STRING
    return INTEGER


def _run_matcher(shape: str) -> Callable[[str, int], Any]:
    return re.compile(rf"(?:{shape}\n)*+").match


class BodyShapes:
    """The shapes of bodies the full check accepted, matched a run of lines at a time.

    :meth:`learn` adds the shape of a body the full check accepted; :meth:`unsure`
    yields the lines of a block no learned shape vouches for. ``null`` (a withheld
    body) always matches: the walk treats those lines itself.

    Each shape is compiled once, on its own, as a possessive repeat of ``shape\\n``: one
    call matches a whole run of bodies of that shape, and the engine never backtracks
    into earlier lines. (One alternation of every shape would match mixed runs in one
    call, but recompiling it per new shape costs time quadratic in the shapes.) The
    shape that matched last is tried first.

    Each shape is kept in three forms (:data:`GENERAL`, :data:`EXACT`, :data:`ASCII`),
    within the bounds above for each. Text that is all ASCII is matched with the ASCII
    forms, other text with the exact ones; either falls back to the general forms, which
    vouch for a body whose scalars changed type (a ``null`` that is a string elsewhere).
    Compiling a form costs about as much as matching thousands of bodies, so the exact
    forms wait for the first text that is not ASCII, and the general ones for the first
    line no other form matches.
    """

    def __init__(self) -> None:
        self._shapes: dict[str, set[str]] = {GENERAL: set(), EXACT: set(), ASCII: set()}
        self._chars = dict.fromkeys(self._shapes, 0)
        null = re.compile(r"(?:null\n)*+").match
        self._orders: dict[bool, list[Callable[[str, int], Any]]] = {True: [null], False: [null]}  # by isascii()
        self._waiting: dict[str, list[str]] = {GENERAL: [], EXACT: []}  # learned, not compiled yet
        self._eager = {ASCII}  # forms compiled when learned; EXACT from the first text that is not ASCII

    def learn(self, value: Any) -> None:
        """Remember the shape of ``value``, a body the full check accepted."""
        if not isinstance(value, dict):
            return
        for form, shapes in self._shapes.items():
            if len(shapes) >= MAX_SHAPES:
                continue
            try:
                shape = _shape(value, form)
            except (CanonicalFormError, RecursionError):
                return
            if shape is None or len(shape) > MAX_SHAPE_CHARS or shape in shapes:
                continue
            if self._chars[form] + len(shape) > MAX_TOTAL_CHARS:
                continue
            shapes.add(shape)
            self._chars[form] += len(shape)
            if form in self._eager:
                self._orders[form == ASCII].insert(0, _run_matcher(shape))
            else:
                self._waiting[form].append(shape)

    def unsure(self, text: str) -> Iterator[int]:
        """Indices of the lines of ``text`` (each ending in ``"\\n"``) that match no shape, in order.

        Lazy, and each step matches with the shapes known *then*: a shape learned from
        one unsure line already vouches for the lines after it.
        """
        ascii = text.isascii()  # a flag str keeps: no scan
        if not ascii and EXACT not in self._eager:
            self._eager.add(EXACT)
            self._orders[False][:0] = map(_run_matcher, self._waiting[EXACT])
            self._waiting[EXACT].clear()
        # Lines are counted only up to an unsure one: most blocks have none.
        end, pos, order = len(text), 0, self._orders[ascii]
        counted, index = 0, 0
        while pos < end:
            for rank, match in enumerate(order):
                stop = match(text, pos).end()
                if stop > pos:
                    if rank:
                        order.insert(0, order.pop(rank))
                    pos = stop
                    break
            else:
                if self._waiting[GENERAL]:
                    general = list(map(_run_matcher, self._waiting[GENERAL]))
                    self._waiting[GENERAL].clear()
                    self._orders[True].extend(general)
                    self._orders[False].extend(general)
                    continue
                index += text.count("\n", counted, pos)
                yield index
                pos = counted = text.find("\n", pos) + 1
                index += 1
