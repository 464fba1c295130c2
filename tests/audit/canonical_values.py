"""What the audit tests share about canonical JSON: values to generate, and the full check as a predicate."""

from __future__ import annotations

import json

from hypothesis import strategies as st
from ledger_audit import CanonicalFormError, canonical_bytes, parse_canonical

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


#: ``@given(**leaf_fields, ...)``: every field of a leaf but its type and time.
leaf_fields = dict(
    ledger=st.one_of(st.just("riverside.example/credits"), names),
    stream=names,
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
