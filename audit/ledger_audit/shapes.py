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
  encoding of an object with the same members and other scalars.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Callable, Optional

from .canonical import canonical_bytes
from .errors import CanonicalFormError

STRING = r'"[^"\\\x00-\x1f\ud800-\udfff]*+"'
INTEGER = r"(?:0|-?[1-9][0-9]{0,14})"
SCALAR = rf"(?:{STRING}|{INTEGER}|null|true|false)"
_STRING_CONTENT = r'[^"\\\x00-\x1f\ud800-\udfff]++'
_TS = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
MAX_SHAPES = 64  # per form: bodies of shapes beyond these bounds take the full check
MAX_SHAPE_CHARS = 8192
MAX_TOTAL_CHARS = 65536  # per form: bounds compile time (~1 s) for an export of many hostile shapes


def leaf_block_pattern(ledger: str) -> re.Pattern[str]:
    """A pattern whose ``findall`` over ``"\\n"``-joined leaf lines yields one row per canonical leaf.

    Rows are ``(body_hash, prev, seq, ts, type)``. Every group and class excludes
    ``\\n`` and the pattern is anchored at both ends of a line, so each match is one
    whole line: as many rows as lines means every line matched. ``body_hash`` and
    ``prev`` are any 64 characters here: the caller compares them with hashes it
    computed (or checks them as hex); ``seq`` is compared with the position as text,
    which also refuses leading zeros. The ledger id is the literal canonical encoding of
    the genesis leaf's (so a leaf naming another ledger does not match), ``v`` is the
    literal 1, and ``version`` has at most 15 digits (so it is at most 2**53 - 1).
    """
    literal = re.escape(canonical_bytes(ledger).decode("utf-8")[1:-1])
    return re.compile(
        r'^\{"body_hash":"(.{64})","ledger":"' + literal + r'","prev":"(.{64})","seq":([0-9]+)'
        r',"stream":"' + _STRING_CONTENT + r'","ts":"(' + _TS + r')","type":"(' + _STRING_CONTENT + r')"'
        r',"v":1,"version":[1-9][0-9]{0,14}\}$',
        re.MULTILINE,
    )


def _shape(value: Any, exact: bool, depth: int = 0) -> Optional[str]:
    """The pattern of canonical encodings of objects shaped like ``value``, or None if too deep.

    Every scalar becomes "any canonical scalar" (:data:`SCALAR`), or with ``exact`` "any
    canonical scalar of the same JSON type", a subset that the engine matches without
    trying the alternatives in turn.
    """
    if depth > 32:
        return None
    if isinstance(value, dict):
        members = []
        for key, item in value.items():
            inner = _shape(item, exact, depth + 1)
            if inner is None:
                return None
            members.append(re.escape(canonical_bytes(key).decode("utf-8")) + ":" + inner)
        return r"\{" + ",".join(members) + r"\}"
    if isinstance(value, list):
        items = [_shape(item, exact, depth + 1) for item in value]
        if None in items:
            return None
        return r"\[" + ",".join(items) + r"\]"  # type: ignore[arg-type]
    if not exact:
        return SCALAR
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "(?:true|false)"
    return STRING if isinstance(value, str) else INTEGER


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
    """

    def __init__(self) -> None:
        self._shapes: dict[bool, set[str]] = {False: set(), True: set()}
        self._chars = {False: 0, True: 0}
        self._order: list[Callable[[str, int], Any]] = [re.compile(r"(?:null\n)*+").match]
        self._general: list[str] = []  # general forms not compiled yet

    def learn(self, value: Any) -> None:
        """Remember the shape of ``value``, a body the full check accepted.

        Both forms are kept, within the same bounds each. The exact one (scalars of the
        same JSON type) is compiled now: it is the common case and the faster match. The
        general one vouches for a body whose scalars changed type (a ``null`` that is a
        string elsewhere); it is compiled only when a line matches no exact form, since
        compiling costs about as much as matching thousands of bodies.
        """
        if not isinstance(value, dict):
            return
        for exact in (True, False):
            shapes = self._shapes[exact]
            if len(shapes) >= MAX_SHAPES:
                continue
            try:
                shape = _shape(value, exact)
            except (CanonicalFormError, RecursionError):
                return
            if shape is None or len(shape) > MAX_SHAPE_CHARS or shape in shapes:
                continue
            if self._chars[exact] + len(shape) > MAX_TOTAL_CHARS:
                continue
            shapes.add(shape)
            self._chars[exact] += len(shape)
            if exact:
                self._order.insert(0, _run_matcher(shape))
            else:
                self._general.append(shape)

    def unsure(self, text: str) -> Iterator[int]:
        """Indices of the lines of ``text`` (each ending in ``"\\n"``) that match no shape, in order.

        Lazy, and each step matches with the shapes known *then*: a shape learned from
        one unsure line already vouches for the lines after it.
        """
        # Lines are counted only up to an unsure one: most blocks have none.
        end, pos, order = len(text), 0, self._order
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
                if self._general:
                    order.extend(map(_run_matcher, self._general))
                    self._general.clear()
                    continue
                index += text.count("\n", counted, pos)
                yield index
                pos = counted = text.find("\n", pos) + 1
                index += 1
