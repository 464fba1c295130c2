"""The order of the checks, as docs/chain-spec.md writes it (§9 tables, §10.1), decides the failure.

Each test takes one alteration per step of a table and applies every pair that touches
different parts: the earlier step's kind and sequence number must be what is reported,
whichever alteration the file also has. A verifier that checks in another order reports
another failure for some pair, which is the disagreement this pins down.
"""

from __future__ import annotations

import json
import shutil
from itertools import combinations
from pathlib import Path
from typing import Callable

import pytest
from exportkit import ExportKit, community, stream_id
from ledger_audit import (
    Checkpoint,
    ConsistencyFileError,
    ExportError,
    ReceiptError,
    canonical_bytes,
    verify_consistency_file,
    verify_export,
    verify_receipt,
)

from ledger.signing import generate_signer, sign_checkpoint, sign_note, verifier_key

KIT = community()  # 21 events; the rotation at seq 16 hands signing to the new key from size 17
N = KIT.size
NEW_KEY = verifier_key(KIT.signers[1][1])
STRANGER = generate_signer(KIT.ledger_id)[0]
M = 1  # the receipt's event: a scheme registration, whose body may never be withheld
SEQ = "m"  # an expected seq that is the receipt's own ``seq`` member, whatever it is then


def _with_extension(checkpoint: Checkpoint, signer: str) -> str:
    return sign_note(checkpoint.to_text() + "extension\n", signer)


# --- receipts (§9, first table) ------------------------------------------------------------

OTHER = community(ExportKit(ledger_id="other.example/ledger"))

RECEIPT_STEPS: list[tuple[str, set[str], Callable[[dict], None], tuple[str, int | None]]] = [
    ("2 format", {"format"}, lambda d: d.update(format="x"), ("malformed", None)),
    ("3 size type", {"size"}, lambda d: d.update(size="21"), ("malformed", None)),
    ("4 body type", {"body"}, lambda d: d.update(body=5), ("malformed", SEQ)),
    ("5 leaf unicode", {"leaf"}, lambda d: d.update(leaf=d["leaf"][:-1] + "\ud800"), ("edited", SEQ)),
    ("6 proof form", {"inclusion"}, lambda d: d.update(inclusion=["AAAA"]), ("malformed", SEQ)),
    (
        "7 signature",
        {"checkpoint"},
        lambda d: d.update(checkpoint=sign_checkpoint(Checkpoint(KIT.ledger_id, N, KIT.root()), STRANGER)),
        ("bad-signature", None),
    ),
    (
        "8 checkpoint text",
        {"checkpoint"},
        lambda d: d.update(checkpoint=_with_extension(Checkpoint(KIT.ledger_id, N, KIT.root()), KIT.current_signer)),
        ("malformed", None),
    ),
    ("9 size", {"size"}, lambda d: d.update(size=N - 1), ("malformed", SEQ)),
    ("10 seq below size", {"seq"}, lambda d: d.update(seq=N + 5), ("malformed", SEQ)),
    (
        "11 leaf form",
        {"leaf"},
        lambda d: d.update(leaf=d["leaf"].replace('"type":"ledger.', '"type":"Ledger.')),
        ("edited", SEQ),
    ),
    ("12 leaf seq", {"leaf"}, lambda d: d.update(leaf=KIT.leaves[M + 1].decode()), ("edited", SEQ)),
    ("13 leaf ledger", {"leaf"}, lambda d: d.update(leaf=OTHER.leaves[M].decode()), ("edited", SEQ)),
    ("14 body hash", {"body"}, lambda d: d.update(body='{"unit":"hours"}'), ("edited", SEQ)),
    ("15 proof length", {"inclusion"}, lambda d: d.update(inclusion=d["inclusion"][:-1]), ("malformed", SEQ)),
    ("16 proof root", {"inclusion"}, lambda d: d.update(inclusion=list(reversed(d["inclusion"]))), ("edited", SEQ)),
    ("17 never withheld", {"body"}, lambda d: d.update(body=None), ("malformed", SEQ)),
]


def _receipt_outcome(document: dict) -> tuple[str, int | None]:
    with pytest.raises(ReceiptError) as info:
        verify_receipt(json.dumps(document), NEW_KEY)
    return info.value.kind, (SEQ if info.value.seq is not None and info.value.seq == document["seq"] else info.value.seq)


@pytest.mark.parametrize("step", RECEIPT_STEPS, ids=[s[0] for s in RECEIPT_STEPS])
def test_each_receipt_step_alone(step):
    _, _, change, expected = step
    document = KIT.receipt(M)
    change(document)
    assert _receipt_outcome(document) == expected


@pytest.mark.parametrize(
    ("first", "later"),
    [(a, b) for a, b in combinations(RECEIPT_STEPS, 2) if not a[1] & b[1]],
    ids=lambda step: step[0],
)
def test_an_earlier_receipt_step_wins(first, later):
    document = KIT.receipt(M)
    later[2](document)
    first[2](document)
    assert _receipt_outcome(document) == first[3]


# --- consistency files (§9, second table) ---------------------------------------------------

OLD_SIZE = 12  # before the rotation: signed by the genesis key


def _consistency_case() -> dict:
    return {
        "old": KIT.checkpoint(OLD_SIZE),
        "new": KIT.checkpoint(N),
        "file": KIT.consistency(OLD_SIZE, N),
        "keys": (KIT.genesis_key, NEW_KEY),  # valid at the old and the new size
    }


def _file(change: Callable[[dict], None]) -> Callable[[dict], None]:
    return lambda case: change(case["file"])


CONSISTENCY_STEPS: list[tuple[str, set[str], Callable[[dict], None], tuple[str, int | None]]] = [
    ("2 format", {"format"}, _file(lambda f: f.update(format="x")), ("malformed", None)),
    ("3 sizes", {"size1"}, _file(lambda f: f.update(size1=-1)), ("malformed", None)),
    ("4 proof form", {"proof"}, _file(lambda f: f.update(proof=["AAAA"])), ("malformed", None)),
    (
        "5 new signature",
        {"new"},
        lambda c: c.update(new=sign_checkpoint(Checkpoint(KIT.ledger_id, N, KIT.root()), STRANGER)),
        ("bad-signature", None),
    ),
    (
        "5 new text",
        {"new"},
        lambda c: c.update(new=_with_extension(Checkpoint(KIT.ledger_id, N, KIT.root()), KIT.current_signer)),
        ("malformed", None),
    ),
    (
        "6 old signature",
        {"old"},
        lambda c: c.update(old=sign_checkpoint(Checkpoint(KIT.ledger_id, OLD_SIZE, KIT.root(OLD_SIZE)), STRANGER)),
        ("bad-signature", None),
    ),
    (
        "6 old origin",
        {"old"},
        lambda c: c.update(old=sign_checkpoint(Checkpoint("other.example/x", OLD_SIZE, KIT.root(OLD_SIZE)), KIT.signer)),
        ("malformed", None),
    ),
    (
        "7 older is larger",
        {"old", "new"},
        lambda c: c.update(
            old=KIT.checkpoint(OLD_SIZE + 1), new=KIT.checkpoint(OLD_SIZE), keys=(KIT.genesis_key, KIT.genesis_key)
        ),
        ("truncated", OLD_SIZE),
    ),
    ("8 sizes match", {"size1"}, _file(lambda f: f.update(size1=OLD_SIZE - 1)), ("malformed", None)),
    ("11 proof length", {"proof"}, _file(lambda f: f.update(proof=f["proof"][:-1])), ("malformed", None)),
    ("12 proof joins", {"proof"}, _file(lambda f: f.update(proof=list(reversed(f["proof"])))), ("fork", None)),
]


def _consistency_outcome(case: dict) -> tuple[str, int | None]:
    old_key, new_key = case["keys"]
    with pytest.raises(ConsistencyFileError) as info:
        verify_consistency_file(case["old"], case["new"], json.dumps(case["file"]), new_key, old_key=old_key)
    return info.value.kind, info.value.seq


@pytest.mark.parametrize("step", CONSISTENCY_STEPS, ids=[s[0] for s in CONSISTENCY_STEPS])
def test_each_consistency_step_alone(step):
    case = _consistency_case()
    step[2](case)
    assert _consistency_outcome(case) == step[3]


@pytest.mark.parametrize(
    ("first", "later"),
    [(a, b) for a, b in combinations(CONSISTENCY_STEPS, 2) if not a[1] & b[1]],
    ids=lambda step: step[0],
)
def test_an_earlier_consistency_step_wins(first, later):
    case = _consistency_case()
    later[2](case)
    first[2](case)
    assert _consistency_outcome(case) == first[3]


def test_equal_sizes_need_equal_roots_before_an_empty_proof():
    forged = sign_checkpoint(Checkpoint(KIT.ledger_id, N, bytes(32)), KIT.current_signer)
    document = KIT.consistency(N, N) | {"proof": ["A" * 43 + "="]}
    with pytest.raises(ConsistencyFileError) as info:
        verify_consistency_file(KIT.checkpoint(), forged, document, NEW_KEY)
    assert (info.value.kind, info.value.seq) == ("fork", None)


# --- exports after the walk (§10.1, steps 9-16) -----------------------------------------------


def _lines(directory: Path, name: str) -> list[bytes]:
    return (directory / name).read_bytes().split(b"\n")[:-1]


def _put(directory: Path, name: str, rows: list[bytes], newline: bool = True) -> None:
    data = b"".join(row + b"\n" for row in rows)
    (directory / name).write_bytes(data if newline else data[:-1])


def _truncate_leaves(d: Path, kw: dict) -> None:
    _put(d, "leaves.jsonl", _lines(d, "leaves.jsonl")[:-1])


def _stranger_key(d: Path, kw: dict) -> None:
    kw["key"] = verifier_key(STRANGER)


def _stranger_checkpoint(d: Path, kw: dict) -> None:
    (d / "checkpoint.txt").write_text(sign_checkpoint(Checkpoint(KIT.ledger_id, N, KIT.root()), STRANGER))


def _rewritten(d: Path, kw: dict) -> None:
    (d / "checkpoint.txt").write_text(sign_checkpoint(Checkpoint(KIT.ledger_id, N, bytes(32)), KIT.current_signer))


def _forked_previous(d: Path, kw: dict) -> None:
    kw["previous_checkpoint"] = sign_checkpoint(Checkpoint(KIT.ledger_id, 12, bytes(32)), KIT.signer)


def _extra_body(d: Path, kw: dict) -> None:
    _put(d, "bodies.jsonl", [*_lines(d, "bodies.jsonl"), b"{}"])


def _unterminated_leaves(d: Path, kw: dict) -> None:
    _put(d, "leaves.jsonl", _lines(d, "leaves.jsonl"), newline=False)


def _manifest_digest(d: Path, kw: dict) -> None:
    # A well-formed, signed manifest that lists a wrong digest for a chain file: step 16 (§8.5, 4).
    manifest = json.loads((d / "manifest.json").read_text())
    manifest["files"]["checkpoint.txt"] = "0" * 64
    raw = canonical_bytes(manifest) + b"\n"
    (d / "manifest.json").write_bytes(raw)
    (d / "manifest.sig").write_text(KIT.manifest_note(raw), encoding="utf-8")


EXPORT_STEPS = [
    ("9 truncated", {"leaves"}, _truncate_leaves, ("truncated", N - 1)),
    ("10 trusted key", {"key"}, _stranger_key, ("bad-signature", None)),
    ("11 checkpoint signature", {"checkpoint"}, _stranger_checkpoint, ("bad-signature", None)),
    ("12 rewritten", {"checkpoint"}, _rewritten, ("rewritten", None)),
    ("13 previous", {"previous"}, _forked_previous, ("fork", None)),
    ("14 extra line", {"bodies"}, _extra_body, ("inserted", N)),
    ("15 newline", {"leaves"}, _unterminated_leaves, ("malformed", N - 1)),
    ("16 manifest", {"manifest"}, _manifest_digest, ("malformed", None)),
]


def _export_outcome(directory: Path, kw: dict) -> tuple[str, int | None]:
    key = kw.pop("key", KIT.genesis_key)
    with pytest.raises(ExportError) as info:
        verify_export(directory, key, **kw)
    return info.value.kind, info.value.seq


@pytest.mark.parametrize("step", EXPORT_STEPS, ids=[s[0] for s in EXPORT_STEPS])
def test_each_step_after_the_walk_alone(tmp_path, step):
    directory = KIT.write(tmp_path / "e")
    kw: dict = {}
    step[2](directory, kw)
    assert _export_outcome(directory, kw) == step[3]


@pytest.mark.parametrize(
    ("first", "later"),
    [(a, b) for a, b in combinations(EXPORT_STEPS, 2) if not a[1] & b[1]],
    ids=lambda step: step[0],
)
def test_an_earlier_step_after_the_walk_wins(tmp_path, first, later):
    directory = KIT.write(tmp_path / "e")
    kw: dict = {}
    later[2](directory, kw)
    first[2](directory, kw)
    assert _export_outcome(directory, kw) == first[3]


def test_a_checkpoint_of_size_zero_is_malformed(tmp_path):
    directory = KIT.write(tmp_path / "e", checkpoint=sign_checkpoint(Checkpoint(KIT.ledger_id, 0, KIT.root(0)), KIT.signer))
    assert _export_outcome(directory, {}) == ("malformed", None)


def test_a_checkpoint_of_another_ledger_is_malformed_after_its_signature(tmp_path):
    other = sign_checkpoint(Checkpoint("other.example/x", N, KIT.root()), KIT.current_signer)
    assert _export_outcome(KIT.write(tmp_path / "e", checkpoint=other), {}) == ("malformed", None)


def test_a_short_bodies_file_is_a_deletion_where_it_ends(tmp_path):
    directory = KIT.write(tmp_path / "e")
    _put(directory, "bodies.jsonl", _lines(directory, "bodies.jsonl")[:-2])
    assert _export_outcome(directory, {}) == ("deleted", N - 2)


# --- one event: the leaf, then its body, then its content (§10.1, steps 6-8) -------------------


def _fact_kit(*bodies: bytes) -> ExportKit:
    kit = ExportKit()
    for i, body in enumerate(bodies):
        kit.append("ledger.fact.recorded.v1", stream_id("fact", f"f{i}"), body)
    return kit


def test_within_an_event_the_leaf_comes_before_the_body(tmp_path):
    kit = _fact_kit(b'{"a":1}', b"[1]", b'{"a":2}')
    directory = kit.write(tmp_path / "e")
    leaves = _lines(directory, "leaves.jsonl")
    leaves[2] = leaves[2].replace(b'"version":1', b'"version":2')  # leaf 2 out of turn; its body is no object
    _put(directory, "leaves.jsonl", leaves)
    assert _export_outcome(directory, {"key": kit.genesis_key}) == ("edited", 2)


def test_a_body_failure_comes_before_a_later_leaf_failure(tmp_path):
    kit = _fact_kit(b'{"a":1}', b"[1]", b'{"a":2}')
    kit.append("ledger.fact.recorded.v1", stream_id("fact", "f0"), {"a": 3}, version=5)
    assert _export_outcome(kit.write(tmp_path / "e"), {"key": kit.genesis_key}) == ("malformed", 2)


@pytest.mark.parametrize(
    ("genesis", "kind"),
    [
        ({"public_key": None}, "malformed"),  # §5 check 7: no string key
        ({"public_key": 7}, "malformed"),
        ({"ledger_id": "another"}, "edited"),  # the leaf or the body: the leaf is what §5 checks
        ({"format": "1"}, "malformed"),  # step 8
    ],
)
def test_genesis_body_failures_have_the_kinds_of_section_10_2(tmp_path, genesis, kind):
    kit = ExportKit()
    content = {"format": 1, "ledger_id": kit.ledger_id, "public_key": kit.genesis_key, **genesis}
    kit.leaves, kit.bodies, kit.hashes, kit._versions = [], [], [], {}
    kit.append("ledger.genesis.v1", stream_id("genesis", kit.ledger_id), content)
    assert _export_outcome(kit.write(tmp_path / "e"), {"key": kit.genesis_key}) == (kind, 0)


def test_a_genesis_body_that_is_not_an_object_is_malformed(tmp_path):
    kit = ExportKit()
    kit.leaves, kit.bodies, kit.hashes, kit._versions = [], [], [], {}
    kit.append("ledger.genesis.v1", stream_id("genesis", kit.ledger_id), b'["genesis"]')
    assert _export_outcome(kit.write(tmp_path / "e"), {"key": kit.genesis_key}) == ("malformed", 0)


def test_copies_of_the_kit_do_not_leak_between_tests(tmp_path):
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert KIT.size == N and verify_export(KIT.write(tmp_path / "e"), KIT.genesis_key).size == N
