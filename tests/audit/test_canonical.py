"""RFC 8785 canonical JSON: differential against the ``rfc8785`` package, and strict parsing."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_audit import MAX_SAFE_INTEGER, CanonicalFormError, canonical_bytes, parse_canonical

# Characters JCS must get right: controls (short and \u00XX escapes), quote, backslash,
# slash (not escaped), DEL, line/paragraph separators, BMP edges, astral (surrogate pairs
# in UTF-16, which is what key order compares).
SPECIAL = st.sampled_from(
    [
        "\x00",
        "\x08",
        "\t",
        "\n",
        "\x0b",
        "\x0c",
        "\r",
        "\x1f",
        '"',
        "\\",
        "/",
        "\x7f",
        "\x80",
        "\u2028",
        "\u2029",
        "\ud7ff",
        "\ue000",
        "\ufb33",
        "\ufeff",
        "\uffff",
        "\U00010000",
        "\U0001f600",
        "\U0010ffff",
    ]
)
CHARS = st.one_of(st.characters(exclude_categories=("Cs",)), SPECIAL)
STRINGS = st.text(CHARS, max_size=12)
SAFE_INTS = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
SCALARS = st.one_of(st.none(), st.booleans(), SAFE_INTS, STRINGS)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(STRINGS, inner, max_size=6)),
    max_leaves=25,
)


@settings(deadline=None, max_examples=300)
@given(VALUES)
def test_matches_rfc8785_package(value):
    encoded = canonical_bytes(value)
    assert encoded == rfc8785.dumps(value)
    assert parse_canonical(encoded) == value


@settings(deadline=None)
@given(st.dictionaries(STRINGS, SAFE_INTS, min_size=2, max_size=8))
def test_key_order_matches_rfc8785_package(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_rfc8785_key_order_example():
    # RFC 8785 §3.2.3: members sort by UTF-16 code units, so U+1F600 (D83D DE00) precedes U+FB33.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = [k for k in parse_canonical(canonical_bytes(value))]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_known_encodings():
    assert canonical_bytes({"b": [1, None, True], "a": "\u00e9\n\x1f/"}) == (
        b'{"a":"\xc3\xa9\\n\\u001f/","b":[1,null,true]}'
    )
    assert canonical_bytes(MAX_SAFE_INTEGER) == b"9007199254740991"
    assert canonical_bytes(-MAX_SAFE_INTEGER) == b"-9007199254740991"


# --- the refused domain -------------------------------------------------------------


@settings(deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.lists(SCALARS, max_size=3))
def test_floats_refused_with_path(number, before):
    with pytest.raises(CanonicalFormError) as info:
        canonical_bytes({"outer": {"list": [*before, number]}})
    assert info.value.path == f"$.outer.list[{len(before)}]"


@settings(deadline=None)
@given(st.one_of(st.integers(min_value=MAX_SAFE_INTEGER + 1), st.integers(max_value=-MAX_SAFE_INTEGER - 1)))
def test_big_integers_refused_with_path(number):
    with pytest.raises(CanonicalFormError) as info:
        canonical_bytes([{"amount": number}])
    assert info.value.path == "$[0].amount"
    assert str(number) in str(info.value)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (2**53, "$"),
        (1.0, "$"),
        ({"a": {"b": [0, 0, -(2**53)]}}, "$.a.b[2]"),
        ({"\U0001f600": 0.5}, "$.\U0001f600"),
        ({1: "x"}, "$"),
        ({"s": "\ud800"}, "$.s"),
        ({"b": b"bytes"}, "$.b"),
    ],
)
def test_refused_values(value, path):
    with pytest.raises(CanonicalFormError) as info:
        canonical_bytes(value)
    assert info.value.path == path


# --- strict parsing -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1}',  # whitespace
        b'{"a":1} ',
        b' {"a":1}',
        b'{"a":1}\n',
        b"[1, 2]",
        b'{\n"a":1}',
        b'{"b":1,"a":2}',  # unsorted
        b'{"\xef\xac\xb3":1,"\xf0\x9f\x98\x80":2}',  # code-point order, not UTF-16 order
        b'{"a":1,"a":1}',  # duplicate
        b'{"a":{"x":1,"x":2}}',
        b"1.0",  # floats
        b"1e3",
        b"-0.0",
        b"[0.5]",
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"9007199254740992",  # beyond 2**53 - 1
        b"-0",  # not canonical for 0
        b"01",
        b"\xff",  # invalid UTF-8
        b'"\xc3"',
        b'"\xed\xa0\x80"',  # an encoded surrogate
        b'"\xc0\xaf"',  # overlong
        b"\xef\xbb\xbf1",  # BOM
        b'"\\u0041"',  # needless escape
        b'"\\/"',
        b'"\\u00e9"',
        b'"\\ud800"',  # lone surrogate
        b'"\x01"',  # raw control character
        b"",
        b"[",
        b"tru",
        b"True",
        b"'a'",
    ],
)
def test_parse_rejects(data):
    with pytest.raises(CanonicalFormError):
        parse_canonical(data)


def test_parse_accepts_canonical_astral_order():
    data = b'{"\xf0\x9f\x98\x80":2,"\xef\xac\xb3":1}'
    assert parse_canonical(data) == {"\U0001f600": 2, "\ufb33": 1}


@settings(deadline=None)
@given(st.one_of(st.binary(max_size=40), VALUES.map(canonical_bytes)), st.data())
def test_parse_raises_only_canonical_form_errors(data, draw):
    if data:
        at = draw.draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw.draw(st.integers(0, 255))]) + data[at + 1 :]
    try:
        value = parse_canonical(data)
    except CanonicalFormError:
        return
    assert canonical_bytes(value) == data


def test_parse_deep_nesting_is_a_typed_error():
    with pytest.raises(CanonicalFormError, match="nested too deeply"):
        parse_canonical(b"[" * 100_000 + b"]" * 100_000)
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(CanonicalFormError, match="nested too deeply"):
        canonical_bytes(nested)
