"""The verifier's fast paths accept exactly what the full checks accept.

``parse_leaf`` first tries a compiled regex over the canonical leaf grammar, and the
export walk first checks a body by a C-json round trip; both fall back to the full
RFC 8785 check. Whatever either fast path accepts, the full check must accept with the
same value; whatever the full check refuses, the fast path must not accept.
"""

from __future__ import annotations

import pytest
from canonical_values import stamps, streams, types
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
    ts=st.one_of(st.sampled_from(["2026-11-23T10:00:00.000000Z", "1999-01-01T23:59:59.999999Z"]), stamps),
    type=st.one_of(types, ascii_names, any_names),
    stream=st.one_of(streams, ascii_names, any_names),
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
    assert _outcome(parse_leaf, leaf) == _outcome(_parse_leaf_fully, leaf)
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


def _leaf_text(seq: str = "1", ts: str = "2026-11-23T10:00:00.000000Z", stream: str = "", kind: str = "") -> bytes:
    stream = stream or "0b4a3a2c-5f4e-5c1e-9d7b-1a2b3c4d5e6f"
    return (
        '{"body_hash":"' + "a" * 64 + '","ledger":"l","prev":"' + "b" * 64 + f'","seq":{seq},'
        f'"stream":"{stream}","ts":"{ts}","type":"{kind or "ledger.x.v1"}","v":1,"version":1}}'
    ).encode()


@pytest.mark.parametrize(
    ("leaf", "reason"),
    [
        (_leaf_text(seq="9007199254740992"), "seq must be an integer >= 0"),
        (_leaf_text(seq="01"), "leaf is not UTF-8 JSON"),
        (_leaf_text(ts="2026-11-23T10:00:00.00000\u0661Z"), "ts must be YYYY-MM-DDTHH:MM:SS.ffffffZ"),
        (_leaf_text(ts="2026-04-31T10:00:00.000000Z"), "is not a time of the calendar"),
        (_leaf_text(ts="2025-02-29T10:00:00.000000Z"), "is not a time of the calendar"),
        (_leaf_text(ts="0000-01-01T10:00:00.000000Z"), "is not a time of the calendar"),
        (_leaf_text(ts="2026-12-01T24:00:00.000000Z"), "ts must be YYYY-MM-DDTHH:MM:SS.ffffffZ"),
        (_leaf_text(stream="0B4A3A2C-5F4E-5C1E-9D7B-1A2B3C4D5E6F"), "stream must be a UUID"),
        (_leaf_text(kind="ledger.transfer.recorded"), "type must be a versioned topic"),
    ],
    ids=[
        "seq beyond 2**53-1",
        "leading zero",
        "non-ASCII digit in ts",
        "31 April",
        "29 February 2025",
        "year 0",
        "hour 24",
        "uppercase stream",
        "type without version",
    ],
)
def test_leaves_the_fast_path_must_not_take(leaf, reason):
    with pytest.raises(ChainError) as info:
        parse_leaf(leaf, 1)
    assert reason in info.value.reason


def test_a_leap_day_is_a_day():
    assert parse_leaf(_leaf_text(ts="2024-02-29T23:59:59.999999Z"), 1).ts == "2024-02-29T23:59:59.999999Z"
    assert parse_leaf(_leaf_text(ts="2000-02-29T00:00:00.000000Z"), 1).seq == 1
    with pytest.raises(ChainError):
        parse_leaf(_leaf_text(ts="1900-02-29T00:00:00.000000Z"), 1)


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
