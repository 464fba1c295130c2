"""The block checks that stand in for the full checks accept nothing the full checks refuse.

``BodyShapes`` tries an exact form of each learned shape (scalars of the same JSON type)
before the general one. These tests hold it against the full check, and the whole walk
against the one-event walk on exports whose bodies share a few shapes, as real ones do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import ledger_audit.export as export
import pytest
from exportkit import ExportKit, stream_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_audit import CanonicalFormError, ExportError, canonical_bytes, parse_canonical, verify_export
from ledger_audit.shapes import BodyShapes, _shape


def _mutate(data: bytes, draw) -> bytes:
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


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10,
)


def _full(data: bytes) -> bool:
    try:
        parse_canonical(data)
    except CanonicalFormError:
        return False
    return True


def _vouches(shape: str, body: bytes) -> bool:
    text = body.decode("utf-8", "surrogateescape") + "\n"
    return re.compile(rf"(?:{shape}\n)*+").match(text).end() == len(text)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5), json_values, st.data())
def test_exact_shapes_vouch_for_a_subset_of_the_general_ones(learned, other, data):
    value = parse_canonical(canonical_bytes(learned))  # what the walk learns from: members in canonical order
    exact, general = _shape(value, True), _shape(value, False)
    candidates = [canonical_bytes(learned), json.dumps(learned).encode(), json.dumps(other).encode()]
    try:
        candidates.append(canonical_bytes(other))
    except CanonicalFormError:
        pass
    body = _mutate(data.draw(st.sampled_from(candidates)), data.draw)
    if b"\n" in body:
        return
    # The exact form covers the body it was learned from whenever the general one does.
    assert _vouches(exact, canonical_bytes(value)) == _vouches(general, canonical_bytes(value))
    if _vouches(exact, body):
        assert _vouches(general, body)
        assert _full(body), body


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":tru,"b":1,"c":null,"d":"x"}',
        b'{"a":trve,"b":1,"c":null,"d":"x"}',
        b'{"a":true,"b":01,"c":null,"d":"x"}',
        b'{"a":true,"b":1.0,"c":null,"d":"x"}',
        b'{"a":true,"b":-0,"c":null,"d":"x"}',
        b'{"a":true,"b":1e2,"c":null,"d":"x"}',
        b'{"a":true,"b":9007199254740992,"c":null,"d":"x"}',
        b'{"a":true,"b":1,"c":nul,"d":"x"}',
        b'{"a":true,"b":1,"c":null,"d":"\\u0078"}',
        b'{"a":true,"b":1,"c":null,"d":"\x7f\x1f"}',
        b'{"a":true,"b":1,"c":null,"d":"\xed\xa0\x80"}',
        b'{"a":true, "b":1,"c":null,"d":"x"}',
        b'{"b":1,"a":true,"c":null,"d":"x"}',
        # Canonical, but a scalar of another type: the general form decides.
        b'{"a":1,"b":1,"c":null,"d":"x"}',
        b'{"a":true,"b":"1","c":null,"d":"x"}',
        b'{"a":true,"b":1,"c":false,"d":"x"}',
        b'{"a":true,"b":1,"c":null,"d":1}',
    ],
)
def test_an_exact_shape_refuses_near_misses(body):
    exact = _shape({"a": True, "b": 1, "c": None, "d": "x"}, True)
    assert _vouches(exact, b'{"a":false,"b":-12,"c":null,"d":"\xc3\xa9 \x7f"}')
    assert not _vouches(exact, body)


def test_an_exact_shape_is_tried_first_and_the_general_one_still_vouches():
    shapes = BodyShapes()
    shapes.learn({"a": 1, "b": None, "c": "x", "d": True})
    assert list(shapes.unsure('{"a":2,"b":null,"c":"y","d":false}\n')) == []
    assert shapes._general  # not compiled while every line had an exact match
    assert list(shapes.unsure('{"a":"2","b":7,"c":null,"d":"no"}\n{"a":1,"b":null,"c":"\\u0078","d":true}\n')) == [1]
    assert not shapes._general


# --- the whole walk ------------------------------------------------------------------------


def _shaped_kit() -> ExportKit:
    """Transfers of one shape with scalars that change type, withheld bodies, across blocks."""
    kit = ExportKit()
    kit.scheme("time", "minutes")
    for i in range(40):
        if i % 13 == 5:  # the same members, a string where the others have null: only the general shape vouches
            content = {"amount": i, "credit": "bob", "debit": "alice", "request_id": f"r{i}", "reverses": None}
            content.update(code="", details={}, memo="", transfer_id=f"t{i}", unit="minutes")
            kit.append("ledger.transfer.recorded.v1", stream_id("transfer", f"t{i}"), content)
        else:
            kit.transfer(f"t{i}", "alice", "bob", 1 + i, "minutes", memo=f"memo {i}", withheld=i % 11 == 3)
    return kit


SHAPED = _shaped_kit()


def _outcome(directory: Path, block: int) -> object:
    saved = export.BLOCK
    export.BLOCK = block
    try:
        return verify_export(directory, SHAPED.genesis_key).to_dict()
    except ExportError as exc:
        return (exc.kind, exc.seq, exc.reason)
    finally:
        export.BLOCK = saved


@pytest.mark.parametrize("block", [3, 8, 2048])
def test_shaped_export_verifies_the_same_with_blocks(tmp_path, block):
    directory = SHAPED.write(tmp_path / "export")
    slow = _outcome(directory, 1)
    assert isinstance(slow, dict) and slow["size"] == SHAPED.size
    assert _outcome(directory, block) == slow


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["leaves.jsonl", "bodies.jsonl"]),
    action=st.sampled_from(["flip", "set", "swap", "move"]),
    index=st.integers(0, 10**6),
    other=st.integers(0, 10**6),
    byte=st.integers(0, 255),
    block=st.sampled_from([3, 8, 2048]),
)
def test_any_changed_byte_or_moved_line_is_detected_as_by_the_one_event_walk(
    tmp_path_factory, name, action, index, other, byte, block
):
    directory = SHAPED.write(tmp_path_factory.mktemp("export") / "export")
    path = directory / name
    data = path.read_bytes()
    if action in ("flip", "set"):
        changed = bytearray(data)
        position = index % len(data)
        changed[position] = changed[position] ^ (1 << byte % 8) if action == "flip" else byte
        changed = bytes(changed)
    else:
        lines = data.split(b"\n")[:-1]
        i, j = index % len(lines), other % len(lines)
        if action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(j, lines.pop(i))
        changed = b"".join(line + b"\n" for line in lines)
    if changed == data:
        return
    path.write_bytes(changed)
    fast = _outcome(directory, block)
    assert not isinstance(fast, dict), "a changed export verified"
    assert fast == _outcome(directory, 1)
