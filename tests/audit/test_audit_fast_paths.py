"""The verifier's fast paths accept exactly what the full checks accept.

``parse_leaf`` first tries a compiled regex over the canonical leaf grammar, and the
export walk first checks a body by a C-json round trip; both fall back to the full
RFC 8785 check. Whatever either fast path accepts, the full check must accept with the
same value; whatever the full check refuses, the fast path must not accept.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_audit import CanonicalFormError, ChainError, canonical_bytes, make_leaf, parse_canonical, parse_leaf
from ledger_audit.chain import _parse_leaf_fully
from ledger_audit.export_files import UNSURE as _UNSURE
from ledger_audit.export_files import plainly_canonical as _plainly_canonical

ascii_names = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30)
any_names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
hexes = st.text("0123456789abcdef", min_size=64, max_size=64)
leaves = st.builds(
    make_leaf,
    ledger=st.one_of(ascii_names, any_names),
    seq=st.one_of(st.integers(0, 1000), st.integers(0, 2**53 - 1)),
    prev=hexes,
    ts=st.sampled_from(["2026-11-23T10:00:00.000000Z", "1999-01-01T23:59:59.999999Z"]),
    type=st.one_of(ascii_names, any_names),
    stream=st.one_of(ascii_names, any_names),
    version=st.integers(1, 2**53 - 1),
    body_hash=hexes,
)


def _outcome(fn, data: bytes):
    try:
        return fn(data, 0)
    except ChainError as exc:
        return exc.reason


@given(leaves, st.data())
def test_leaf_fast_path_agrees_with_the_full_check(leaf, data):
    assert parse_leaf(leaf, 0) == _parse_leaf_fully(leaf, 0)
    index = data.draw(st.integers(0, len(leaf) - 1))
    action = data.draw(st.sampled_from(["flip", "set", "delete", "insert"]))
    byte = data.draw(st.integers(0, 255))
    mutated = bytearray(leaf)
    if action == "flip":
        mutated[index] ^= 1 << (byte % 8)
    elif action == "set":
        mutated[index] = byte
    elif action == "delete":
        del mutated[index]
    else:
        mutated.insert(index, byte)
    assert _outcome(parse_leaf, bytes(mutated)) == _outcome(_parse_leaf_fully, bytes(mutated))


@pytest.mark.parametrize(
    "leaf",
    [
        b'{"body_hash":"' + b"a" * 64 + b'","ledger":"l","prev":"' + b"b" * 64 + b'","seq":9007199254740992,'
        b'"stream":"s","ts":"2026-11-23T10:00:00.000000Z","type":"t","v":1,"version":1}',
        b'{"body_hash":"' + b"a" * 64 + b'","ledger":"l","prev":"' + b"b" * 64 + b'","seq":01,'
        b'"stream":"s","ts":"2026-11-23T10:00:00.000000Z","type":"t","v":1,"version":1}',
        '{"body_hash":"' + "a" * 64 + '","ledger":"l","prev":"' + "b" * 64 + '","seq":1,'
        '"stream":"s","ts":"2026-11-23T10:00:00.00000\u0661Z","type":"t","v":1,"version":1}',
    ],
    ids=["seq beyond 2**53-1", "leading zero", "non-ASCII digit in ts"],
)
def test_leaves_the_fast_path_must_not_take(leaf):
    data = leaf if isinstance(leaf, bytes) else leaf.encode()
    with pytest.raises(ChainError):
        parse_leaf(data, 1)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.integers(2**53, 2**60)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _full(data: bytes):
    try:
        return parse_canonical(data)
    except CanonicalFormError:
        return _UNSURE


@given(json_values, st.data())
def test_body_fast_check_never_accepts_what_the_full_check_refuses(value, data):
    import json

    encodings = [json.dumps(value, ensure_ascii=False).encode(), json.dumps(value, sort_keys=True).encode()]
    try:
        encodings.append(canonical_bytes(value))
    except CanonicalFormError:
        pass
    body = data.draw(st.sampled_from(encodings))
    if data.draw(st.booleans()) and body:
        index = data.draw(st.integers(0, len(body) - 1))
        body = body[:index] + bytes([body[index] ^ (1 << data.draw(st.integers(0, 7)))]) + body[index + 1 :]
    fast = _plainly_canonical(body)
    if fast is not _UNSURE:
        assert _full(body) == fast
    if _full(body) is _UNSURE:
        assert fast is _UNSURE


@pytest.mark.parametrize("data", [b'{"\\ud800":1}', b'{"a":{"\\udfff":null}}'])
def test_a_lone_surrogate_in_a_member_name_is_a_canonical_form_error(data):
    with pytest.raises(CanonicalFormError) as info:
        parse_canonical(data)
    assert info.value.rule == "member names must be valid Unicode (no lone surrogates)"
    assert _plainly_canonical(data) is _UNSURE
