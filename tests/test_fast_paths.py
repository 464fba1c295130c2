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
