"""The block checks that stand in for the full checks accept nothing the full checks refuse.

``ledger_audit.shapes.LeafBlock`` checks a block of leaves with one regex call that leaves
each leaf's head (body hash, ledger id, prev, seq) unchecked, then one comparison
of all heads with the text the walk expects; it finds types by substring search.
``BodyShapes`` tries an exact form of each learned shape (scalars of the same JSON type)
before the general one. These tests hold each against the full check, and the whole walk
against the one-event walk on exports whose bodies share a few shapes, as real ones do.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import ledger_audit.export as export
import ledger_audit.export_files as export_files
import pytest
from canonical_values import body_near, full_check_accepts, json_values, leaf_fields, mutate, stamps, types
from exportkit import ExportKit, stream_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_audit import ExportError, canonical_bytes, make_leaf, parse_canonical, verify_export
from ledger_audit.chain import _STREAM, _TYPE, GENESIS_TYPE, _parse_leaf_fully, real_time
from ledger_audit.errors import ChainError
from ledger_audit.rotation import ROTATION_TYPE
from ledger_audit.shapes import (
    ASCII,
    EXACT,
    GENERAL,
    BodyShapes,
    LeafBlock,
    _shape,
    streams_are_uuids,
    types_are_topics,
)

TS = "2026-11-23T10:00:00.000000Z"
T = "ledger.test.v1"
S = "0b4a3a2c-5f4e-5c1e-9d7b-1a2b3c4d5e6f"


def _accepts(ledger: str, line: bytes, body_hash: str, prev: str, seq: int) -> tuple[str, str, str, str] | None:
    """``(stream, ts, type, version)`` if the walk's block checks accept one line at position ``seq``:
    the pattern, the head, and the per-block checks of streams, types and dates; else None.
    (The walk also checks the stream's version in order, with the chain's state.)"""
    block = LeafBlock(ledger)
    rows = block.pattern.findall(line.decode("utf-8", "surrogateescape"))
    if len(rows) != 1 or b"\n" in line:
        return None
    head, stream, ts, kind, version = rows[0]
    if not block.heads_are([head], [body_hash], prev, ["unused"], seq):
        return None
    if not (streams_are_uuids([stream]) and block.types_are_topics([kind]) and real_time(ts)):
        return None
    return stream, ts, kind, version


@settings(max_examples=300)
@given(
    **leaf_fields, ts=stamps, etype=st.one_of(types, st.sampled_from([GENESIS_TYPE, ROTATION_TYPE])), data=st.data()
)
def test_leaf_block_accepts_exactly_what_the_full_check_accepts(
    ledger, stream, ts, etype, seq, version, prev, body_hash, data
):
    leaf = make_leaf(
        ledger=ledger, seq=seq, prev=prev, ts=ts, type=etype, stream=stream, version=version, body_hash=body_hash
    )
    line = mutate(leaf, data.draw)
    accepted = _accepts(ledger, line, body_hash, prev, seq)
    if accepted is None:
        # The block falls back to the full checks; refusing more would only be slower, but the
        # block refuses no leaf the full check accepts as leaf ``seq`` of this ledger with these
        # hashes, except a version of 16 digits.
        try:
            parsed = _parse_leaf_fully(line, seq)
        except ChainError:
            return
        wanted = (parsed.ledger, parsed.seq, parsed.prev, parsed.body_hash) == (ledger, seq, prev, body_hash)
        assert not wanted or parsed.version >= 10**15 or b"\\" in line, line
        return
    parsed = _parse_leaf_fully(line, seq)  # must not raise
    assert (parsed.ledger, parsed.seq, parsed.prev, parsed.body_hash) == (ledger, seq, prev, body_hash)
    assert (parsed.stream, parsed.ts, parsed.type, str(parsed.version)) == accepted
    text = line.decode("utf-8", "surrogateescape")
    block = LeafBlock(ledger)
    for kind in {parsed.type, GENESIS_TYPE, ROTATION_TYPE, etype, stream}:
        assert block.has_type(text, kind) == (kind == parsed.type), kind
    assert block.lines_of_type([line], (GENESIS_TYPE, ROTATION_TYPE)) == (
        [0] if parsed.type in (GENESIS_TYPE, ROTATION_TYPE) else []
    )


@given(st.lists(st.one_of(st.uuids().map(str), st.text("0123456789abcdef-", min_size=36, max_size=36)), max_size=8))
def test_the_per_block_stream_check_is_the_grammar(streams):
    assert streams_are_uuids(streams) == all(_STREAM.match(stream) for stream in streams)


@given(st.lists(st.one_of(types, st.text("abcv0123_.", min_size=1, max_size=12)), max_size=8))
def test_the_per_block_type_check_is_the_grammar(kinds):
    known: set[str] = set()
    assert types_are_topics(kinds, known) == all(_TYPE.match(kind) for kind in kinds)
    assert types_are_topics(kinds, known) == all(_TYPE.match(kind) for kind in kinds)  # and with what it learned
    assert all(_TYPE.match(kind) for kind in known)


def _full_accepts(line: bytes, seq: int) -> bool:
    try:
        _parse_leaf_fully(line, seq)
    except ChainError:
        return False
    return True


def test_leaf_block_refuses_a_head_that_differs_anywhere():
    ledger = "l"
    leaves, hashes, prev = [], [], "0" * 64
    for seq in range(8, 12):  # 9 -> 10 changes the width of seq inside the block
        leaf = make_leaf(
            ledger=ledger, seq=seq, prev=prev, ts=TS, type=T, stream=S, version=1, body_hash=f"{seq:064x}"
        )
        leaves.append(leaf.decode())
        prev = f"{seq + 100:064x}"  # stands for the leaf hash; the block compares text only
        hashes.append(prev)
    block = LeafBlock(ledger)
    body_hashes = [f"{seq:064x}" for seq in range(8, 12)]
    rows = block.pattern.findall("\n".join(leaves))
    heads = [row[0] for row in rows]
    assert len(rows) == 4 and block.heads_are(heads, body_hashes, "0" * 64, hashes, 8)
    assert not block.heads_are(heads, body_hashes, "0" * 64, hashes, 9)  # seq off by one
    assert not block.heads_are(heads, body_hashes, "1" * 64, hashes, 8)  # another prev
    assert not block.heads_are(heads[::-1], body_hashes, "0" * 64, hashes, 8)  # reordered
    for j in range(4):
        for i in range(len(heads[j])):
            changed = [*heads[:j], heads[j][:i] + chr(ord(heads[j][i]) ^ 1) + heads[j][i + 1 :], *heads[j + 1 :]]
            assert not block.heads_are(changed, body_hashes, "0" * 64, hashes, 8), (j, i)
    # A head may not borrow characters from its neighbour across the line break.
    assert not block.heads_are([heads[0] + heads[1][:1], heads[1][1:], *heads[2:]], body_hashes, "0" * 64, hashes, 8)



def _vouches(shape: str, body: bytes) -> bool:
    text = body.decode("utf-8", "surrogateescape") + "\n"
    return re.compile(rf"(?:{shape}\n)*+").match(text).end() == len(text)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5), json_values, st.data())
def test_exact_and_ascii_shapes_vouch_for_a_subset_of_the_general_ones(learned, other, data):
    value = parse_canonical(canonical_bytes(learned))  # what the walk learns from: members in canonical order
    general, exact, ascii = (_shape(value, form) for form in (GENERAL, EXACT, ASCII))
    body = body_near(learned, other, data.draw)
    if b"\n" in body:
        return
    # The exact form covers the body it was learned from whenever the general one does.
    assert _vouches(exact, canonical_bytes(value)) == _vouches(general, canonical_bytes(value))
    if _vouches(exact, body):
        assert _vouches(general, body)
        assert full_check_accepts(body), body
    # The ASCII form is a subset of the exact one, and on ASCII text (all it is used for) the same.
    if _vouches(ascii, body):
        assert _vouches(exact, body)
    if body.isascii():
        assert _vouches(ascii, body) == _vouches(exact, body)


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
    for form in (EXACT, ASCII):
        exact = _shape({"a": True, "b": 1, "c": None, "d": "x"}, form)
        assert _vouches(exact, b'{"a":false,"b":-12,"c":null,"d":"x \x7f"}')
        assert _vouches(exact, b'{"a":false,"b":-12,"c":null,"d":"\xc3\xa9 \x7f"}') == (form == EXACT)
        assert not _vouches(exact, body)


def test_the_fast_forms_are_tried_first_and_the_general_one_still_vouches():
    shapes = BodyShapes()
    shapes.learn({"a": 1, "b": None, "c": "x", "d": True})
    assert list(shapes.unsure('{"a":2,"b":null,"c":"y","d":false}\n')) == []
    assert shapes._waiting[EXACT] and shapes._waiting[GENERAL]  # not compiled: every line had an ASCII match
    assert list(shapes.unsure('{"a":"2","b":7,"c":null,"d":"no"}\n{"a":1,"b":null,"c":"\\u0078","d":true}\n')) == [1]
    assert shapes._waiting[EXACT] and not shapes._waiting[GENERAL]
    assert list(shapes.unsure('{"a":2,"b":null,"c":"é","d":false}\n{"a":"é","b":null,"c":"x","d":false}\n')) == []
    assert not shapes._waiting[EXACT]
    shapes.learn({"e": "é"})  # exact forms are now compiled as they are learned
    assert not shapes._waiting[EXACT] and shapes._waiting[GENERAL]
    assert list(shapes.unsure('{"e":"ü"}\n{"e":"u"}\n{"e":1}\n')) == []


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


def test_leaves_the_leaf_block_refuses():
    leaf = make_leaf(ledger="l", seq=1, prev="b" * 64, ts=TS, type=T, stream=S, version=1, body_hash="a" * 64)
    assert _accepts("l", leaf, "a" * 64, "b" * 64, 1) == (S, TS, T, "1")
    for bad in (
        leaf.replace(b'"seq":1', b'"seq":01'),
        leaf.replace(T.encode(), b"\\u006cedger.test.v1"),
        leaf.replace(T.encode(), b""),
        leaf.replace(T.encode(), b"ledger.test"),  # no version
        leaf.replace(T.encode(), b"ledger.v1"),  # one name only
        leaf.replace(T.encode(), b"Ledger.test.v1"),
        leaf.replace(T.encode(), b"ledger.test.v01"),
        leaf.replace(S.encode(), b"\xed\xa0\x80"),
        leaf.replace(S.encode(), S.upper().encode()),
        leaf.replace(S.encode(), S.replace("-", "").encode()),
        leaf.replace(S.encode(), S[:-1].encode()),
        leaf.replace(b'"version":1', b'"version":9007199254740992'),
        leaf.replace(b"00.000000Z", "00.00000\u0661Z".encode()),
        leaf.replace(b"2026-11-23T10", b"2026-13-23T10"),
        leaf.replace(b"2026-11-23T10", b"2026-11-23T24"),
        leaf.replace(b"10:00:00.", b"10:00:60."),
        leaf + b" ",
    ):
        assert _accepts("l", bad, "a" * 64, "b" * 64, 1) is None, bad
        with pytest.raises(ChainError):
            _parse_leaf_fully(bad, 1)
    # The grammar has the day of the month up to 31 for every month: the walk checks the calendar.
    short_month = leaf.replace(b"2026-11-23", b"2026-11-31")
    assert _accepts("l", short_month, "a" * 64, "b" * 64, 1) is None
    assert LeafBlock("l").pattern.findall(short_month.decode())  # the pattern matches; the date check refuses
    assert not real_time("2026-11-31T10:00:00.000000Z")
    with pytest.raises(ChainError, match="not a time of the calendar"):
        _parse_leaf_fully(short_month, 1)
    # A type that only starts like another is not that type.
    longer = leaf.replace(T.encode(), b"ledger.test.v11")
    assert _accepts("l", longer, "a" * 64, "b" * 64, 1) == (S, TS, "ledger.test.v11", "1")
    block = LeafBlock("l")
    assert not block.has_type(longer.decode(), T) and block.has_type(longer.decode(), "ledger.test.v11")
    assert block.lines_of_type([leaf, longer], (T,)) == [0]
    assert block.lines_of_type([leaf, longer], ("ledger.test.v11", GENESIS_TYPE)) == [1]
    # Valid leaves, but not leaf 1 of ledger "l" with these hashes: the walk's other checks refuse them.
    assert _accepts("l", leaf.replace(b'"ledger":"l"', b'"ledger":"m"'), "a" * 64, "b" * 64, 1) is None
    assert _accepts("l", leaf, "a" * 64, "b" * 64, 2) is None
    assert _accepts("l", leaf, "c" * 64, "b" * 64, 1) is None


def test_a_legacy_export_without_a_manifest_verifies_without_hashing_the_files(tmp_path, monkeypatch):
    directory = SHAPED.write(tmp_path / "export", manifest=False)
    made = []
    monkeypatch.setattr(export_files.LineReader, "__init__", _recording(export_files.LineReader.__init__, made))
    report = verify_export(directory, SHAPED.genesis_key, legacy=True)
    assert report.size == SHAPED.size and not report.manifest
    assert made == [None, None]
    SHAPED.write(directory)  # with a manifest, both files are hashed for it
    made.clear()
    assert verify_export(directory, SHAPED.genesis_key).manifest
    assert [type(digest).__name__ for digest in made] == ["HASH", "HASH"]


def _recording(init, made: list):
    def recorded(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self.digest)

    return recorded


def _readline_loop(data: bytes, limit: int) -> tuple[list[bytes], bool]:
    """What LineReader promises to return: the lines of a ``readline(limit + 2)`` loop."""
    stream, lines = io.BytesIO(data), []
    while line := stream.readline(limit + 2):
        if line.endswith(b"\n"):
            lines.append(line[:-1])
        elif len(line) < limit + 2:
            lines.append(line)
            return lines, True
        else:  # too long: keep its head, skip to the next line
            lines.append(line)
            while (rest := stream.readline(limit + 2)) and not rest.endswith(b"\n"):
                pass
    return lines, False


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.lists(st.sampled_from([b"a", b"bc", b"\n", b"defghij"]), max_size=40).map(b"".join),
    limit=st.integers(1, 12),
    chunk=st.integers(1, 20),
    digest=st.booleans(),
)
def test_line_reader_returns_what_a_readline_loop_returns(tmp_path, monkeypatch, data, limit, chunk, digest):
    path = tmp_path / "lines"
    path.write_bytes(data)
    monkeypatch.setattr(export_files, "CHUNK", chunk)
    reader = export_files.LineReader(path, limit, digest)
    try:
        lines = list(reader.rest())
        reader.drain()
        assert (lines, reader.unterminated) == _readline_loop(data, limit)
        assert (reader.digest.hexdigest() if digest else reader.digest) == (
            hashlib.sha256(data).hexdigest() if digest else None
        )
    finally:
        reader.close()
