"""Leaf bytes: the fast encoder is RFC 8785, and every other encoding of a leaf is refused."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st
from ledger_audit import ChainError, make_leaf, parse_leaf
from ledger_audit.chain import TYPE_PATTERN

hexes = st.text("0123456789abcdef", min_size=64, max_size=64)
names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
leaves = st.fixed_dictionaries(
    {
        "ledger": names,
        "seq": st.integers(0, 2**53 - 1),
        "prev": hexes,
        "ts": st.just("2026-11-23T10:00:00.000000Z"),
        "type": st.from_regex(TYPE_PATTERN, fullmatch=True),  # the grammars of chain-spec §2
        "stream": st.uuids().map(str),
        "version": st.integers(1, 2**53 - 1),
        "body_hash": hexes,
    }
)


@given(leaves)
def test_leaf_bytes_are_rfc8785_and_round_trip(members):
    data = make_leaf(**members)
    assert data == rfc8785.dumps({"v": 1, **members})
    assert parse_leaf(data, members["seq"]).__dict__ == {"v": 1, **members}


GOOD = make_leaf(ledger="x.example/l-é", seq=3, prev="a" * 64, ts="2026-11-23T10:00:00.000000Z",
                 type="ledger.transfer.recorded.v1", stream="0b4a3a2c-5f4e-5c1e-9d7b-1a2b3c4d5e6f", version=1,
                 body_hash="b" * 64)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.replace(b'","', b'", "', 1), "not in RFC 8785 canonical form"),
        (lambda d: json.dumps(json.loads(d), ensure_ascii=True, separators=(",", ":"), sort_keys=True).encode(),
         "not in RFC 8785 canonical form"),
        (lambda d: json.dumps(dict(reversed(list(json.loads(d).items()))), separators=(",", ":"),
                              ensure_ascii=False).encode(), "not in RFC 8785 canonical form"),
        (lambda d: d[:-1] + b',"v":1}', "not in RFC 8785 canonical form"),
        (lambda d: d.replace(b'"seq":3', b'"seq":3.0'), "seq must be an integer >= 0"),
        (lambda d: d.replace(b'"seq":3', b'"seq":NaN'), "seq must be an integer >= 0"),
        (lambda d: d.replace(b',"version":1', b''), "leaf must have exactly the members"),
        (lambda d: d.decode().encode("utf-16"), "not in RFC 8785 canonical form"),
        (lambda d: d.replace("é".encode(), b"\xff"), "leaf is not UTF-8 JSON"),
        (lambda d: d.replace(b'"prev":"aaaa', b'"prev":"AAAA'), "prev must be 64 hex"),
        (lambda d: d.replace(b"10:00:00.000000Z", b"10:00:00Z"), "ts must be YYYY-MM-DDTHH:MM:SS.ffffffZ"),
        (lambda d: b"[" * 30_000 + b"]" * 30_000, "leaf is not UTF-8 JSON"),
    ],
)
def test_every_other_encoding_of_a_leaf_is_refused(mutate, reason):
    with pytest.raises(ChainError) as err:
        parse_leaf(mutate(GOOD), 3)
    assert err.value.seq == 3
    assert reason in err.value.reason
