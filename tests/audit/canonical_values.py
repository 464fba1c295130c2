"""What the audit tests share about canonical JSON: values to generate, and the full check as a predicate."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import strategies as st
from ledger_audit import CanonicalFormError, canonical_bytes, parse_canonical
from ledger_audit.chain import TS_FORMAT, TYPE_PATTERN
from ledger_audit.events import CORE_TYPES

#: Any JSON value the canonical form can hold: integers within +/-(2**53 - 1), no floats, no lone surrogates.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10,
)


def full_check_accepts(data: bytes) -> bool:
    """Whether the full canonical-form check (``parse_canonical``) accepts ``data``."""
    try:
        parse_canonical(data)
    except CanonicalFormError:
        return False
    return True


#: Names as a leaf may carry them (ledger id, stream, type): any text without lone surrogates.
names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
hexes = st.text("0123456789abcdef", min_size=64, max_size=64)
#: Streams as §2 has them (a lowercase 8-4-4-4-12 UUID), near misses, and any name (which §2 refuses).
streams = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: u.hex),
    names,
)
#: Types as §2 has them (the project's, and any of the grammar), and any name (which §2 mostly refuses).
types = st.one_of(st.sampled_from(sorted(CORE_TYPES)), st.from_regex(TYPE_PATTERN, fullmatch=True), names)
#: Leaf times: real ones, and ones of the right form on days or at hours the calendar does not have.
stamps = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)).map(
        lambda t: t.replace(tzinfo=UTC).strftime(TS_FORMAT).rjust(27, "0")
    ),
    st.sampled_from(
        [
            "2026-02-29T00:00:00.000000Z",
            "2024-02-30T00:00:00.000000Z",
            "2026-04-31T12:00:00.000000Z",
            "2026-13-01T00:00:00.000000Z",
            "2026-00-10T00:00:00.000000Z",
            "2026-01-00T00:00:00.000000Z",
            "0000-01-01T00:00:00.000000Z",
            "2026-01-01T24:00:00.000000Z",
            "2026-01-01T23:60:00.000000Z",
            "2026-01-01T23:59:60.000000Z",
        ]
    ),
)


def mutate(data: bytes, draw) -> bytes:
    """``data`` with one byte flipped, set, deleted or inserted (or unchanged), as ``draw`` picks."""
    mutated = bytearray(data)
    index = draw(st.integers(0, max(0, len(data) - 1)))
    action = draw(st.sampled_from(["flip", "set", "delete", "insert", "keep"]))
    byte = draw(st.integers(0, 255))
    if action == "flip" and mutated:
        mutated[index] ^= 1 << (byte % 8)
    elif action == "set" and mutated:
        mutated[index] = byte
    elif action == "delete" and mutated:
        del mutated[index]
    elif action == "insert":
        mutated.insert(index, byte)
    return bytes(mutated)


#: ``@given(**leaf_fields, ...)``: every field of a leaf but its type and time (``types``, ``stamps``).
leaf_fields = dict(
    ledger=st.one_of(st.just("riverside.example/credits"), names),
    stream=streams,
    seq=st.one_of(st.integers(0, 20), st.integers(0, 2**53 - 1)),
    version=st.one_of(st.integers(1, 20), st.integers(1, 2**53 - 1)),
    prev=hexes,
    body_hash=hexes,
)


def body_near(learned: dict, other: object, draw) -> bytes:
    """A body to test a shape learned from ``learned`` with: its canonical bytes, a non-canonical
    ``json.dumps`` of it or of ``other``, or ``other``'s canonical bytes, then mutated once."""
    candidates = [canonical_bytes(learned), json.dumps(learned).encode(), json.dumps(other).encode()]
    try:
        candidates.append(canonical_bytes(other))
    except CanonicalFormError:
        pass
    return mutate(draw(st.sampled_from(candidates)), draw)
