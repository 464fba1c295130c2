"""The export walk's block fast path accepts exactly what the one-event walk accepts.

``verify_export`` checks events a block at a time (``ledger_audit.export.BLOCK``) with
one regex per block for leaves (:func:`ledger_audit.shapes.leaf_block_pattern`) and for
bodies (:class:`ledger_audit.shapes.BodyShapes`), falling back to the one-event walk for
any block where a check fails. These tests compare both walks on altered exports, and
each block check with the full check it stands in for: whatever a fast check accepts,
the full check must accept too.
"""

from __future__ import annotations

import re
from pathlib import Path

import ledger_audit.export as export
import pytest
from alterations import ACTIONS, alter, bigger
from canonical_values import body_near, full_check_accepts, json_values, leaf_fields, mutate, stamps, types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_audit import ExportError, canonical_bytes, make_leaf, parse_canonical, verify_export
from ledger_audit.chain import _parse_leaf_fully, real_time
from ledger_audit.errors import ChainError
from ledger_audit.shapes import BodyShapes, leaf_block_pattern, streams_are_uuids, types_are_topics

KIT = bigger()


def _outcome(directory: Path, key: str, block: int, **kwargs) -> object:
    saved = export.BLOCK
    export.BLOCK = block
    try:
        return verify_export(directory, key, **kwargs).to_dict()
    except ExportError as exc:
        return (exc.kind, exc.seq, exc.reason)
    finally:
        export.BLOCK = saved


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["leaves.jsonl", "bodies.jsonl"]),
    action=st.sampled_from(ACTIONS),
    index=st.integers(0, 10_000),
    other=st.integers(0, 10_000),
    byte=st.integers(0, 255),
    block=st.sampled_from([2, 3, 7, 2048]),
)
def test_block_and_one_event_walks_agree_on_altered_exports(tmp_path_factory, name, action, index, other, byte, block):
    directory = KIT.write(tmp_path_factory.mktemp("export") / "export")
    path = directory / name
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(b"".join(line + b"\n" for line in alter(lines, action, index, other, byte)))
    for kwargs in ({}, {"conservation": True}):
        fast = _outcome(directory, KIT.genesis_key, block, **kwargs)
        assert fast == _outcome(directory, KIT.genesis_key, 1, **kwargs)


@pytest.mark.parametrize("block", [2, 5, 2048])
def test_block_walk_reports_the_same_on_an_intact_export(tmp_path, block):
    directory = KIT.write(tmp_path / "export")
    slow = _outcome(directory, KIT.genesis_key, 1, conservation=True)
    assert isinstance(slow, dict)
    assert _outcome(directory, KIT.genesis_key, block, conservation=True) == slow
    old = KIT.checkpoint(KIT.size - 5)
    assert _outcome(directory, KIT.genesis_key, block, previous_checkpoint=old) == _outcome(
        directory, KIT.genesis_key, 1, previous_checkpoint=old
    )


def test_progress_is_the_same_with_blocks(tmp_path, monkeypatch):
    directory = KIT.write(tmp_path / "export")
    monkeypatch.setattr(export, "PROGRESS_EVERY", 4)
    runs = []
    for block in (1, 3):
        monkeypatch.setattr(export, "BLOCK", block)
        calls: list[tuple[int, int]] = []
        verify_export(directory, KIT.genesis_key, progress=lambda done, total, calls=calls: calls.append((done, total)))
        runs.append(calls)
    assert runs[0] == runs[1]


# --- the block checks against the full checks ---------------------------------------------



@given(**leaf_fields, etype=types, ts=stamps, data=st.data())
def test_leaf_block_pattern_accepts_only_leaves_the_full_check_accepts(
    ledger, stream, etype, ts, seq, version, prev, body_hash, data
):
    leaf = make_leaf(
        ledger=ledger,
        seq=seq,
        prev=prev,
        ts=ts,
        type=etype,
        stream=stream,
        version=version,
        body_hash=body_hash,
    )
    line = mutate(leaf, data.draw)
    rows = leaf_block_pattern(ledger).findall(line.decode("utf-8", "surrogateescape"))
    if not rows or b"\n" in line:
        return
    (found_hash, found_prev, found_seq, found_stream, found_ts, found_type, found_version) = rows[0]
    # The walk accepts a row only with these equal to what it computed or expects, on a real day:
    if found_hash != body_hash or found_prev != prev or found_seq != str(seq):
        return
    if not (real_time(found_ts) and streams_are_uuids([found_stream]) and types_are_topics([found_type])):
        with pytest.raises(ChainError):  # the per-block checks refuse what the full check refuses
            _parse_leaf_fully(line, seq)
        return
    parsed = _parse_leaf_fully(line, seq)  # must not raise
    assert (parsed.ledger, parsed.seq, parsed.prev, parsed.body_hash, parsed.ts, parsed.type) == (
        ledger,
        seq,
        prev,
        body_hash,
        found_ts,
        found_type,
    )
    assert (parsed.stream, str(parsed.version)) == (found_stream, found_version)


def test_leaf_block_pattern_refuses_what_the_full_check_refuses():
    leaf = make_leaf(
        ledger="l", seq=1, prev="b" * 64, ts="2026-11-23T10:00:00.000000Z", type="x.t.v1",
        stream="0b4a3a2c-5f4e-5c1e-9d7b-1a2b3c4d5e6f", version=1, body_hash="a" * 64,
    )
    pattern = leaf_block_pattern("l")
    assert len(pattern.findall(leaf.decode())) == 1
    # A leading zero matches the pattern; the walk compares seq with its position as text.
    assert pattern.findall(leaf.replace(b'"seq":1', b'"seq":01').decode())[0][2] != "1"
    for bad in (
        leaf.replace(b'"version":1', b'"version":9007199254740992'),
        leaf.replace(b'"type":"x.t.v1"', b'"type":"\\u0078.t.v1"'),
        leaf.replace(b'"type":"x.t.v1"', b'"type":""'),
        leaf.replace(b"00.000000Z", "00.00000\u0661Z".encode()),
        leaf.replace(b'"stream":"0b4a3a2c', b'"stream":"\xed\xa0\x80'),
        leaf.replace(b'"stream":"0b4a3a2c', b'"stream":"0B4A3A2C'),
        leaf.replace(b',"v":1', b',"v":2'),
        leaf + b" ",
    ):
        assert pattern.findall(bad.decode("utf-8", "surrogateescape")) == []
        with pytest.raises(ChainError):
            _parse_leaf_fully(bad, 1)
    # Only the alphabets of stream and type and the ranges of the time of day are the pattern's;
    # the rest of their grammars is checked per block.
    for bad, check in (
        (leaf.replace(b'"type":"x.t.v1"', b'"type":"x.t"'), lambda row: types_are_topics([row[5]])),
        (leaf.replace(b"0b4a3a2c-5f4e", b"0b4a3a2c5-f4e"), lambda row: streams_are_uuids([row[3]])),
        (leaf.replace(b"2026-11-23", b"2026-13-23"), lambda row: real_time(row[4])),
    ):
        (row,) = pattern.findall(bad.decode())
        assert not check(row)
        with pytest.raises(ChainError):
            _parse_leaf_fully(bad, 1)
    # Another ledger id is a valid leaf, but not of this ledger: the pattern names the genesis one.
    assert pattern.findall(leaf.replace(b'"ledger":"l"', b'"ledger":"m"').decode()) == []



@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5), json_values, st.data())
def test_body_shapes_vouch_only_for_bodies_the_full_check_accepts(learned, other, data):
    shapes = BodyShapes()
    shapes.learn(parse_canonical(canonical_bytes(learned)))
    body = body_near(learned, other, data.draw)
    if b"\n" in body:
        return
    if not list(shapes.unsure(body.decode("utf-8", "surrogateescape") + "\n")):
        assert full_check_accepts(body), body


def test_a_learned_shape_vouches_for_other_scalars_but_not_other_members():
    shapes = BodyShapes()
    shapes.learn({"a": 1, "b": {"c": "x"}})
    text = "\n".join(
        [
            '{"a":"text","b":{"c":null}}',  # other scalars: canonical, vouched for
            '{"a":1,"b":{"c":-12}}',
            '{"b":{"c":1},"a":1}',  # unsorted
            '{"a":01,"b":{"c":1}}',  # leading zero
            '{"a":1.5,"b":{"c":1}}',  # a float
            '{"a":1,"b":{"c":"\\u0078"}}',  # an escape JCS does not write
            '{"a":1,"b":{"c":1,"d":2}}',  # another member
            '{"a":1234567890123456,"b":{"c":1}}',  # 16 digits: the full check decides
            '{"a":1, "b":{"c":1}}',  # whitespace
            "null",
        ]
    )
    assert list(shapes.unsure(text + "\n")) == [2, 3, 4, 5, 6, 7, 8]
    assert re.fullmatch(r"[^\n]*", text.split("\n")[0])
