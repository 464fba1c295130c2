"""verify_export on export directories written by the spec's kit: the accepted, and the tamper matrix.

The standard ledger (``exportkit.community``) has 21 events: body 4 is withheld and seq
16 rotates the checkpoint key. Every alteration must be reported with the kind of
docs/chain-spec.md §10 and the first bad sequence number.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import pytest
from exportkit import ExportKit, community, stream_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_audit import (
    ExportError,
    KeyFormatError,
    body_hash,
    canonical_bytes,
    leaf_hash,
    make_leaf,
    verify_export,
)

from ledger.signing import generate_signer

N = 21  # events in the standard ledger
WITHHELD = 4
ROTATION = 16


def lines(directory: Path, name: str) -> list[bytes]:
    data = (directory / name).read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def put(directory: Path, name: str, items: list[bytes]) -> None:
    (directory / name).write_bytes(b"".join(item + b"\n" for item in items))


def flip(data: bytes, index: int, bit: int = 0) -> bytes:
    return data[:index] + bytes([data[index] ^ (1 << bit)]) + data[index + 1 :]


def value_at(leaf: bytes, member: str) -> int:
    """Index of the first byte of ``member``'s value (inside the quotes for a string)."""
    start = leaf.index(f'"{member}":'.encode()) + len(member) + 3
    return start + 1 if leaf[start : start + 1] == b'"' else start


def failure(directory: Path, key: str, **kwargs) -> ExportError:
    with pytest.raises(ExportError) as info:
        verify_export(directory, key, **kwargs)
    return info.value


# --- what must verify ----------------------------------------------------------------


def test_untouched_export_verifies_and_reports_what_it_proves(kit, export_dir):
    report = verify_export(export_dir, kit.genesis_key)
    assert (report.ledger, report.size, report.root, report.head) == (
        kit.ledger_id,
        N,
        kit.root(),
        kit.hashes[-1].hex(),
    )
    assert report.withheld == 1
    assert [(k.key, k.from_size, k.rotation_seq) for k in report.keys] == [
        (kit.genesis_key, 0, None),
        (kit.signers[1][1] and report.keys[1].key, ROTATION + 1, ROTATION),
    ]
    assert report.checkpoint_key == report.keys[1].key != kit.genesis_key
    assert report.trusted_key == kit.genesis_key
    assert report.manifest is True and report.previous_size is None and report.conservation is None
    assert report.to_dict()["ok"] is True and report.to_dict()["root"] == kit.root().hex()


def test_export_without_manifest_is_unsigned_unless_verified_as_legacy(kit, tmp_path):
    directory = kit.write(tmp_path / "e", manifest=False)
    error = failure(directory, kit.genesis_key)
    assert (error.kind, error.seq) == ("unsigned", None)
    report = verify_export(directory, kit.genesis_key, legacy=True)
    assert report.manifest is False and report.manifest_signed is False and report.size == N


def test_key_rotated_to_may_be_the_trusted_key(kit, export_dir):
    rotated = verify_export(export_dir, kit.genesis_key).keys[1].key
    assert verify_export(export_dir, rotated).trusted_key == rotated


def test_export_before_the_rotation_takes_effect_is_signed_by_the_genesis_key(kit, tmp_path):
    for size in (1, ROTATION, ROTATION + 1):
        report = verify_export(kit.write(tmp_path / str(size), size=size), kit.genesis_key)
        assert report.size == size
        assert report.checkpoint_key == (kit.genesis_key if size <= ROTATION else report.keys[-1].key)


def test_trusted_key_may_be_given_with_surrounding_whitespace(kit, export_dir):
    assert verify_export(export_dir, f"  {kit.genesis_key}\n").size == N


def test_a_malformed_trusted_key_is_the_callers_error(export_dir):
    with pytest.raises(KeyFormatError):
        verify_export(export_dir, "not-a-key")


def test_progress_is_reported(kit, export_dir, monkeypatch):
    import ledger_audit.export as export

    monkeypatch.setattr(export, "PROGRESS_EVERY", 5)
    calls = []
    verify_export(export_dir, kit.genesis_key, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(5, N), (10, N), (15, N), (20, N), (N, N)]


# --- the tamper matrix -------------------------------------------------------------------

Lines = list[bytes]


def _flip_leaf(seq: int, member: str) -> Callable[[Lines, Lines], None]:
    def mutate(leaves: Lines, bodies: Lines) -> None:
        leaves[seq] = flip(leaves[seq], value_at(leaves[seq], member))

    return mutate


def _flip_body(seq: int, index: int = 5) -> Callable[[Lines, Lines], None]:
    def mutate(leaves: Lines, bodies: Lines) -> None:
        bodies[seq] = flip(bodies[seq], index)

    return mutate


def _delete(seq: int, leaves_too: bool = True, bodies_too: bool = True) -> Callable[[Lines, Lines], None]:
    def mutate(leaves: Lines, bodies: Lines) -> None:
        if leaves_too:
            del leaves[seq]
        if bodies_too:
            del bodies[seq]

    return mutate


def _insert(position: int, copy_of: int | None, leaves_too: bool = True, bodies_too: bool = True):
    def mutate(leaves: Lines, bodies: Lines) -> None:
        if leaves_too:
            leaves.insert(position, b'{"not":"a leaf"}' if copy_of is None else leaves[copy_of])
        if bodies_too:
            bodies.insert(position, b'{"not":"a body"}' if copy_of is None else bodies[copy_of])

    return mutate


def _swap(a: int, b: int, leaves_too: bool = True, bodies_too: bool = True):
    def mutate(leaves: Lines, bodies: Lines) -> None:
        for items, on in ((leaves, leaves_too), (bodies, bodies_too)):
            if on:
                items[a], items[b] = items[b], items[a]

    return mutate


def _move(source: int, target: int):
    def mutate(leaves: Lines, bodies: Lines) -> None:
        for items in (leaves, bodies):
            items.insert(target, items.pop(source))

    return mutate


def _merge_lines(seq: int):
    def mutate(leaves: Lines, bodies: Lines) -> None:  # a bit flip in the newline after leaf seq
        leaves[seq : seq + 2] = [leaves[seq] + b"\x0b" + leaves[seq + 1]]

    return mutate


def _forged_leaf(position: int):
    """A leaf that fits exactly at ``position`` (right seq, right prev) with its own body."""

    def mutate(leaves: Lines, bodies: Lines) -> None:
        body = canonical_bytes({"amount": 1000, "credit": "mallory", "debit": "alice", "unit": "minutes"})
        leaf = make_leaf(
            ledger=json.loads(leaves[0])["ledger"],
            seq=position,
            prev=leaf_hash(leaves[position - 1]).hex(),
            ts=json.loads(leaves[position - 1])["ts"],
            type="ledger.transfer.recorded.v1",
            stream=stream_id("transfer", "forged"),
            version=1,
            body_hash=body_hash(body),
        )
        leaves.insert(position, leaf)
        bodies.insert(position, body)

    return mutate


def _truncate(count: int):
    def mutate(leaves: Lines, bodies: Lines) -> None:
        del leaves[-count:]
        del bodies[-count:]

    return mutate


def _withhold_afterwards(seq: int):
    def mutate(leaves: Lines, bodies: Lines) -> None:
        bodies[seq] = b"null"

    return mutate


MATRIX = [
    # a byte flip in a leaf: edited at that leaf, however late the chain notices
    ("flip leaf ts", _flip_leaf(7, "ts"), "edited", 7),
    ("flip leaf stream (caught by the next leaf's prev)", _flip_leaf(7, "stream"), "edited", 7),
    ("flip leaf type", _flip_leaf(13, "type"), "edited", 13),
    ("flip leaf version", _flip_leaf(9, "version"), "edited", 9),
    ("flip leaf prev", _flip_leaf(9, "prev"), "edited", 9),
    ("flip leaf seq", _flip_leaf(12, "seq"), "edited", 12),
    ("flip body_hash of a withheld body", _flip_leaf(WITHHELD, "body_hash"), "edited", WITHHELD),
    ("flip genesis leaf", _flip_leaf(0, "stream"), "edited", 0),
    ("flip last leaf prev", _flip_leaf(N - 1, "prev"), "edited", N - 1),
    ("flip leaf before last (caught by the root)", _flip_leaf(N - 2, "stream"), "edited", N - 2),
    ("flip the newline after a leaf", _merge_lines(7), "edited", 7),
    # a byte flip in a body
    ("flip body", _flip_body(7), "edited", 7),
    ("flip genesis body", _flip_body(0), "edited", 0),
    ("flip rotation body", _flip_body(ROTATION, 30), "edited", ROTATION),
    ("flip a withheld body's null", _flip_body(WITHHELD, 3), "edited", WITHHELD),
    # deleted lines
    ("delete line in both files", _delete(7), "deleted", 7),
    ("delete genesis in both files", _delete(0), "deleted", 0),
    ("delete line 1 in both files", _delete(1), "deleted", 1),
    ("delete leaf line only", _delete(10, bodies_too=False), "deleted", 10),
    ("delete body line only", _delete(10, leaves_too=False), "deleted", 10),
    ("delete last line in both files", _delete(N - 1), "truncated", N - 1),
    # inserted lines
    ("insert copy of an earlier line", _insert(8, 3), "inserted", 8),
    ("insert duplicate of the line before", _insert(8, 7), "inserted", 8),
    ("insert copy of a later line", _insert(8, 15), "inserted", 8),
    ("insert garbage line", _insert(8, None), "inserted", 8),
    ("insert leaf line only", _insert(8, 3, bodies_too=False), "inserted", 8),
    ("insert body line only", _insert(8, 2, leaves_too=False), "inserted", 8),
    ("insert a forged leaf that fits its position", _forged_leaf(8), "inserted", 8),
    # reordered lines
    ("swap adjacent lines", _swap(7, 8), "reordered", 7),
    ("swap distant lines", _swap(5, 13), "reordered", 5),
    ("swap adjacent leaf lines only", _swap(7, 8, bodies_too=False), "reordered", 7),
    ("swap adjacent body lines only", _swap(7, 8, leaves_too=False), "reordered", 7),
    ("swap distant body lines only", _swap(5, 13, leaves_too=False), "reordered", 5),
    ("move a later line up", _move(13, 5), "reordered", 5),
    ("move a line down", _move(5, 13), "reordered", 5),
    # the tail, and the files as such
    ("truncate the tail", _truncate(3), "truncated", N - 3),
    ("truncate everything", _truncate(N), "truncated", 0),
    ("withhold a body the manifest says is public", _withhold_afterwards(7), "malformed", 7),
]


@pytest.mark.parametrize(("mutate", "kind", "seq"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX])
def test_tamper_matrix(kit, export_dir, mutate, kind, seq):
    leaves, bodies = lines(export_dir, "leaves.jsonl"), lines(export_dir, "bodies.jsonl")
    mutate(leaves, bodies)
    put(export_dir, "leaves.jsonl", leaves)
    put(export_dir, "bodies.jsonl", bodies)
    error = failure(export_dir, kit.genesis_key)
    assert (error.kind, error.seq) == (kind, seq), error


def test_a_body_line_deleted_next_to_a_withheld_body_is_reported_where_the_shift_shows(kit, export_dir):
    """A documented limit: ``null`` fits every leaf, so deleting body 3 (before withheld
    body 4) shows first at 4. The manifest's withheld list disagrees at 3, but the files
    outrank the manifest."""
    bodies = lines(export_dir, "bodies.jsonl")
    del bodies[3]
    put(export_dir, "bodies.jsonl", bodies)
    error = failure(export_dir, kit.genesis_key)
    assert (error.kind, error.seq) == ("deleted", 4)


def test_a_valid_leaf_beyond_the_checkpoint_is_an_insertion(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    kit.transfer("t7", "alice", "bob", 1, "minutes")
    put(directory, "leaves.jsonl", [*lines(directory, "leaves.jsonl"), kit.leaves[-1]])
    put(directory, "bodies.jsonl", [*lines(directory, "bodies.jsonl"), kit.bodies[-1]])
    error = failure(directory, kit.genesis_key)
    assert (error.kind, error.seq) == ("inserted", N)
    assert error.reason == f"leaves.jsonl goes on after the {N} leaves the checkpoint signs"


def test_a_missing_final_newline_is_malformed(kit, export_dir):
    path = export_dir / "bodies.jsonl"
    path.write_bytes(path.read_bytes()[:-1])
    error = failure(export_dir, kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", N - 1)


def test_a_manifest_that_disagrees_with_the_files_is_malformed(kit, export_dir):
    manifest = json.loads((export_dir / "manifest.json").read_text())
    manifest["files"]["leaves.jsonl"] = "0" * 64
    raw = canonical_bytes(manifest) + b"\n"
    (export_dir / "manifest.json").write_bytes(raw)  # and signed: the signer itself got it wrong
    (export_dir / "manifest.sig").write_text(kit.manifest_note(raw))
    error = failure(export_dir, kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", None)
    assert error.reason.startswith("manifest.json's sha256 of leaves.jsonl is 0000")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("checkpoint.txt", b"garbage"),
        ("checkpoint.txt", b"\xff\n\n"),
        ("manifest.json", b"{"),
        ("manifest.json", b"[]"),
    ],
)
def test_unreadable_files_are_malformed(kit, export_dir, name, content):
    (export_dir / name).write_bytes(content)
    error = failure(export_dir, kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", None)


def test_a_missing_file_is_malformed(kit, export_dir):
    (export_dir / "bodies.jsonl").unlink()
    error = failure(export_dir, kit.genesis_key)
    assert (error.kind, error.seq, error.reason) == (
        "malformed",
        None,
        "cannot read bodies.jsonl: No such file or directory",
    )


def test_a_non_canonical_body_is_edited_even_if_it_hashes_right(tmp_path):
    kit = ExportKit()
    kit.append("ledger.fact.recorded.v1", stream_id("fact", "f"), b'{"b":1, "a":2}')
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("edited", 1)
    assert "not canonical" in error.reason


def test_timestamps_going_backwards_are_edited(tmp_path):
    kit = ExportKit()
    kit.append("ledger.fact.recorded.v1", stream_id("fact", "f"), {"x": 1}, ts="2020-01-01T00:00:00.000000Z")
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("edited", 1)
    assert error.reason.startswith("timestamp 2020-01-01T00:00:00.000000Z is earlier than")


def test_a_second_genesis_is_edited(tmp_path):
    kit = ExportKit()
    kit.append("ledger.genesis.v1", stream_id("genesis", "again"), {"format": 1})
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq, error.reason) == ("edited", 1, "a second genesis leaf")


def test_a_withheld_genesis_body_is_malformed(kit, tmp_path):
    kit.withheld.add(0)
    error = failure(kit.write(tmp_path / "e", manifest=False), kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", 0)


@pytest.mark.parametrize(
    ("genesis", "reason"),
    [
        ({"format": 2}, "the genesis body's format must be 1"),
        ({"public_key": "kit+00000000+AQ=="}, "the genesis public_key is not a verifier key"),
        ({"public_key": generate_signer("other.example/x")[1]}, "the genesis key is named 'other.example/x'"),
    ],
)
def test_a_bad_genesis_body_is_malformed(tmp_path, genesis, reason):
    kit = ExportKit()
    content = {"format": 1, "ledger_id": kit.ledger_id, "public_key": kit.genesis_key, **genesis}
    kit.leaves, kit.bodies, kit.hashes, kit._versions = [], [], [], {}
    kit.append("ledger.genesis.v1", stream_id("genesis", kit.ledger_id), content)
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", 0)
    assert error.reason.startswith(reason)


# --- keys and signatures ---------------------------------------------------------------


def test_checkpoint_signed_by_another_key_is_a_bad_signature(kit, tmp_path):
    forged = kit.checkpoint(signer=generate_signer(kit.ledger_id)[0])
    error = failure(kit.write(tmp_path / "e", checkpoint=forged), kit.genesis_key)
    assert (error.kind, error.seq) == ("bad-signature", None)
    assert error.reason.startswith("checkpoint.txt: no signature by")


def test_checkpoint_signed_by_the_old_key_after_a_rotation_is_a_bad_signature(kit, tmp_path):
    stale = kit.checkpoint(signer=kit.signer)
    error = failure(kit.write(tmp_path / "e", checkpoint=stale), kit.genesis_key)
    assert (error.kind, error.seq) == ("bad-signature", None)


def test_chain_rebuilt_and_signed_under_another_key_is_a_bad_signature(kit, tmp_path):
    forged = community()  # the same events, a different genesis key and signer
    error = failure(forged.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("bad-signature", None)
    assert error.reason.startswith(f"the key you trust, {kit.genesis_key}, is not this ledger's: its genesis names")


def test_rotation_signed_by_the_wrong_key_is_a_bad_signature(tmp_path):
    kit = ExportKit()
    kit.transfer("t1", "a", "b", 5, "minutes")
    kit.rotate_key(sign_with=generate_signer(kit.ledger_id)[0])
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("bad-signature", 2)
    assert error.reason.startswith("the rotation to ")


def test_a_second_rotation_must_be_signed_by_the_first_rotations_key(tmp_path):
    kit = ExportKit()
    kit.rotate_key()
    kit.rotate_key(sign_with=kit.signer)  # the genesis key is retired by now
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("bad-signature", 2)


def test_two_valid_rotations_are_followed(tmp_path):
    kit = ExportKit()
    kit.rotate_key()
    kit.transfer("t1", "a", "b", 5, "minutes")
    kit.rotate_key()
    report = verify_export(kit.write(tmp_path / "e"), kit.genesis_key)
    assert [(k.from_size, k.rotation_seq) for k in report.keys] == [(0, None), (2, 1), (4, 3)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"effective_size": 5}, "effective_size must be the rotation's seq plus one (3), not 5"),
        ({"new_public_key": "nope"}, "verifier key must be name+keyid+base64"),
        ({"signature": "AAAA"}, "signature is not canonical base64 of 64 bytes"),
        ({"new_public_key": None}, "new_public_key must be a verifier key string"),
    ],
)
def test_a_malformed_rotation_is_malformed(tmp_path, change, reason):
    kit = ExportKit()
    kit.transfer("t1", "a", "b", 5, "minutes")
    new_signer = kit.rotate_key()
    content = json.loads(kit.bodies[-1]) | change
    del kit.leaves[-1], kit.bodies[-1], kit.hashes[-1], kit.signers[-1]
    kit._versions[stream_id("genesis", kit.ledger_id)] -= 1
    kit.append("ledger.key.rotated.v1", stream_id("genesis", kit.ledger_id), content)
    kit.signers.append((3, new_signer))
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq, error.reason) == ("malformed", 2, reason)


def test_a_withheld_rotation_body_is_malformed(tmp_path):
    kit = ExportKit()
    kit.rotate_key()
    kit.withheld.add(1)
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", 1)


# --- rewrites, forks and the auditor's previous checkpoint ---------------------------------


def _rewritten(kit: ExportKit) -> ExportKit:
    """The same ledger with transfer t1 (seq 7) changed and every hash after it recomputed,
    signed by the real keys: what an operator with the keys can make."""
    return community(ExportKit(signer=kit.signer), rotation_signer=kit.signers[1][1], t1=9999)


def test_recomputed_chain_under_an_old_checkpoint_is_rewritten(kit, tmp_path):
    directory = _rewritten(kit).write(tmp_path / "e", checkpoint=kit.checkpoint())
    error = failure(directory, kit.genesis_key)
    assert (error.kind, error.seq) == ("rewritten", None)


def test_resigned_rewrite_is_a_fork_of_an_older_checkpoint_the_auditor_holds(kit, tmp_path):
    directory = _rewritten(kit).write(tmp_path / "e")
    assert verify_export(directory, kit.genesis_key).size == N  # alone, it is a valid ledger
    error = failure(directory, kit.genesis_key, previous_checkpoint=kit.checkpoint(12))
    assert (error.kind, error.seq) == ("fork", None)
    assert error.reason.endswith("the log forked or was rewritten")


def test_resigned_rewrite_of_the_same_size_is_a_fork(kit, tmp_path):
    directory = _rewritten(kit).write(tmp_path / "e")
    error = failure(directory, kit.genesis_key, previous_checkpoint=kit.checkpoint())
    assert (error.kind, error.seq) == ("fork", None)
    assert error.reason.startswith(f"two signed checkpoints of size {N} with different roots")


def test_a_consistent_previous_checkpoint_is_accepted(kit, export_dir):
    for size in (1, 12, ROTATION, ROTATION + 1, N):
        report = verify_export(export_dir, kit.genesis_key, previous_checkpoint=kit.checkpoint(size))
        assert report.previous_size == size
    assert verify_export(export_dir, kit.genesis_key, previous_checkpoint=kit.checkpoint(12).encode()).size == N


def test_a_previous_checkpoint_larger_than_the_export_is_truncation(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    kit.transfer("t7", "alice", "bob", 1, "minutes")
    error = failure(directory, kit.genesis_key, previous_checkpoint=kit.checkpoint())
    assert (error.kind, error.seq) == ("truncated", N)


def test_a_previous_checkpoint_must_be_signed_by_the_key_valid_at_its_size(kit, export_dir):
    error = failure(export_dir, kit.genesis_key, previous_checkpoint=kit.checkpoint(18, signer=kit.signer))
    assert (error.kind, error.seq) == ("bad-signature", None)
    assert error.reason.startswith("the previous checkpoint: no signature by")


def test_a_previous_checkpoint_of_another_ledger_is_malformed(kit, export_dir):
    other = ExportKit(ledger_id=kit.ledger_id.replace("audit", "other"), signer=kit.signer)
    error = failure(export_dir, kit.genesis_key, previous_checkpoint=b"\xff")
    assert (error.kind, error.seq) == ("malformed", None)
    with pytest.raises(ExportError):
        verify_export(export_dir, kit.genesis_key, previous_checkpoint=other.checkpoint())


# --- properties ------------------------------------------------------------------------

BASE = community()
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)


def _fresh(tmp_path: Path) -> Path:
    directory = tmp_path / "fuzz"
    shutil.rmtree(directory, ignore_errors=True)
    return BASE.write(directory)


@FUZZ
@given(seq=st.integers(0, N - 2), data=st.data())
def test_any_bit_flip_in_a_leaf_is_edited_at_that_seq(tmp_path, seq, data):
    directory = _fresh(tmp_path)
    leaves = lines(directory, "leaves.jsonl")
    index = data.draw(st.integers(0, len(leaves[seq])), label="index")  # len(...) is the newline
    bit = data.draw(st.integers(0, 7), label="bit")
    raw = b"".join(leaf + b"\n" for leaf in leaves)
    offset = sum(len(leaf) + 1 for leaf in leaves[:seq]) + index
    (directory / "leaves.jsonl").write_bytes(flip(raw, offset, bit))
    error = failure(directory, BASE.genesis_key)
    assert (error.kind, error.seq) == ("edited", seq), error


@FUZZ
@given(data=st.data())
def test_any_bit_flip_in_the_last_leaf_is_edited_there_or_a_rewrite(tmp_path, data):
    """The last leaf has no successor to vouch for it: an edit the leaf's own checks
    cannot see (its stream, say) shows only as a root that is not the signed one."""
    directory = _fresh(tmp_path)
    leaves = lines(directory, "leaves.jsonl")
    index = data.draw(st.integers(0, len(leaves[-1]) - 1), label="index")
    leaves[-1] = flip(leaves[-1], index, data.draw(st.integers(0, 7), label="bit"))
    put(directory, "leaves.jsonl", leaves)
    error = failure(directory, BASE.genesis_key)
    assert (error.kind, error.seq) in {("edited", N - 1), ("rewritten", None)}, error


@FUZZ
@given(seq=st.integers(0, N - 1).filter(lambda s: s != WITHHELD), data=st.data())
def test_any_bit_flip_in_a_body_is_edited_at_that_seq(tmp_path, seq, data):
    directory = _fresh(tmp_path)
    bodies = lines(directory, "bodies.jsonl")
    raw = b"".join(body + b"\n" for body in bodies)
    index = data.draw(st.integers(0, len(bodies[seq])), label="index")
    offset = sum(len(body) + 1 for body in bodies[:seq]) + index
    (directory / "bodies.jsonl").write_bytes(flip(raw, offset, data.draw(st.integers(0, 7), label="bit")))
    error = failure(directory, BASE.genesis_key)
    assert (error.kind, error.seq) == ("edited", seq), error


@FUZZ
@given(
    name=st.sampled_from(["leaves.jsonl", "bodies.jsonl", "checkpoint.txt", "manifest.json"]),
    data=st.data(),
)
def test_any_damage_to_any_file_raises_a_typed_error(tmp_path, name, data):
    directory = _fresh(tmp_path)
    raw = bytearray((directory / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        index = data.draw(st.integers(0, len(raw) - 1), label="index")
        action = data.draw(st.sampled_from(["set", "delete", "insert"]), label="action")
        byte = data.draw(st.integers(0, 255), label="byte")
        if action == "set":
            raw[index] = byte
        elif action == "delete":
            del raw[index]
        else:
            raw.insert(index, byte)
    (directory / name).write_bytes(bytes(raw))
    try:
        verify_export(directory, BASE.genesis_key)
    except ExportError as exc:
        assert exc.kind in {
            "edited",
            "deleted",
            "inserted",
            "reordered",
            "truncated",
            "bad-signature",
            "rewritten",
            "malformed",
        }
    else:  # only a change that leaves the bytes (the manifest: its JSON value) as they were may pass
        original = (_fresh(tmp_path / "again") / name).read_bytes()
        if name == "manifest.json":
            assert json.loads(raw) == json.loads(original)
        else:
            assert bytes(raw) == original


def test_a_body_with_a_lone_surrogate_member_name_is_edited_not_a_crash(tmp_path):
    kit = ExportKit()
    kit.append("ledger.fact.recorded.v1", stream_id("fact", "f"), b'{"\\ud800":1}')
    error = failure(kit.write(tmp_path / "e"), kit.genesis_key)
    assert (error.kind, error.seq) == ("edited", 1)
    assert error.reason.endswith("(member names must be valid Unicode (no lone surrogates))")
