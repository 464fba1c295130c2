"""The fast paths taken for speed give exactly what the general code gives, or step aside."""

from __future__ import annotations

import datetime
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_audit import CanonicalFormError, canonical_bytes
from ledger_audit.canonical import _dumps, _normalise
from marshmallow import ValidationError as MarshmallowError

from ledger import schemas

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from(["", "alice", "bob", "hold:x", "x:reversal", "a b", "é", "x" * 65, "y" * 1001, "0", "7"]),
    st.text(max_size=8),
    st.floats(allow_nan=False),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
keys = st.sampled_from(
    ["debit", "credit", "amount", "code", "memo", "personal", "request_id", "transfer_id", "details", "extra"]
)


@settings(max_examples=400, deadline=None)
@given(data=st.dictionaries(keys, values, max_size=9), base=st.booleans())
def test_quick_transfer_is_marshmallow_or_steps_aside(data, base):
    if base:
        data = {"debit": "alice", "credit": "bob", "amount": 5, **data}
    quick = schemas._quick_transfer(data)
    if quick is None:
        return
    expected = schemas.TransferSchema().load(data)
    assert quick == expected
    assert list(quick) == list(expected)


def test_quick_transfer_covers_the_plain_case():
    data = {"debit": "alice", "credit": "bob", "amount": 3, "memo": "m", "request_id": "r1"}
    assert schemas._quick_transfer(data) == schemas.TransferSchema().load(data)
    for bad in ({**data, "amount": True}, {**data, "amount": "3"}, {**data, "credit": "alice"}, {**data, "x": 1}):
        assert schemas._quick_transfer(bad) is None
    with pytest.raises(MarshmallowError):
        schemas.TransferSchema().load({**data, "credit": "alice"})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**54), max_value=2**54)
    | st.text()
    | st.floats(allow_nan=False)
    | st.sampled_from([uuid.UUID(int=7), datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(value=json_values)
def test_canonical_fast_path_gives_the_full_walks_bytes_or_error(value):
    def slow():
        return _dumps(_normalise(value, "$", str)).encode("utf-8")

    try:
        expected = slow()
    except CanonicalFormError as exc:
        try:
            canonical_bytes(value, default=str)
        except CanonicalFormError as got:
            assert (got.path, got.rule) == (exc.path, exc.rule)
        else:
            raise AssertionError("the fast path accepted what the full walk refuses")
        return
    assert canonical_bytes(value, default=str) == expected


leaf_strings = st.one_of(
    st.sampled_from(["", "commons.example/ledger", "ledger.transfer.recorded.v1", "2026-11-23T12:00:00.000001Z"]),
    st.just("ab" * 32),
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from('a"\\\x00\x1f\x7f\u2028é\ud800'), max_size=4),
)
leaf_ints = st.one_of(st.integers(min_value=-2, max_value=2**53 + 2), st.booleans(), st.sampled_from([2**53 - 1, 2**53]))


@settings(max_examples=400, deadline=None)
@given(
    strings=st.lists(leaf_strings, min_size=6, max_size=6),
    seq=leaf_ints,
    version=leaf_ints,
)
def test_the_writers_leaf_template_gives_make_leafs_bytes_or_error(strings, seq, version):
    from ledger_audit import make_leaf

    from ledger.store.chain import leaf_bytes

    ledger, prev, ts, etype, stream, body = strings
    args = dict(ledger=ledger, seq=seq, prev=prev, ts=ts, type=etype, stream=stream, version=version, body_hash=body)
    try:
        expected = make_leaf(**args)
    except CanonicalFormError as exc:
        with pytest.raises(CanonicalFormError) as got:
            leaf_bytes(ledger, seq, prev, ts, etype, stream, version, body)
        assert (got.value.path, got.value.rule) == (exc.path, exc.rule)
        return
    assert leaf_bytes(ledger, seq, prev, ts, etype, stream, version, body) == expected


def test_the_writers_leaf_template_is_taken_for_a_plain_leaf(monkeypatch):
    from ledger.store import chain

    monkeypatch.setattr(chain, "make_leaf", None)  # the template alone must produce it
    leaf = chain.leaf_bytes("a.example/l", 3, "ab" * 32, "2026-11-23T12:00:00.000001Z", "t.v1", "s", 1, "cd" * 32)
    assert leaf == canonical_bytes(
        {"v": 1, "ledger": "a.example/l", "seq": 3, "prev": "ab" * 32, "ts": "2026-11-23T12:00:00.000001Z",
         "type": "t.v1", "stream": "s", "version": 1, "body_hash": "cd" * 32}
    )


def test_new_ids_are_uuid4_hex_like_uuid4_hex():
    from ledger.plan import new_id

    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.hex, parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)
