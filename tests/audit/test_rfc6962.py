"""RFC 6962/9162 Merkle hashing, proofs and verification against transparency-dev/merkle's vectors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_audit import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    RootMismatch,
    VerificationError,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "rfc6962"
INCLUSION = sorted((VECTORS / "testdata" / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "testdata" / "consistency").rglob("*.json"))
ROOTS = json.loads((VECTORS / "roots.json").read_text())
REF_LEAF_HASHES = [hash_leaf(bytes.fromhex(h)) for h in ROOTS["leaves_hex"]]
REF_ROOTS = [bytes.fromhex(h) for h in ROOTS["roots_hex_by_size"]]

# Upstream accepts this case because, for size1 == size2, it compares the two roots
# without checking their length ("don't care 2", 12 bytes). We require 32-byte roots.
STRICTER_THAN_UPSTREAM = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _case_id(path: Path) -> str:
    return path.relative_to(VECTORS / "testdata").as_posix()


def _load(path: Path) -> dict:
    case = json.loads(path.read_text())
    decoded = {k: base64.b64decode(case[k]) for k in ("root", "leafHash", "root1", "root2") if k in case}
    decoded["proof"] = [base64.b64decode(p) for p in case["proof"] or []]
    return {**case, **decoded}


def test_every_vector_file_is_loaded():
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert len(REF_ROOTS) == 9


# --- known answers ------------------------------------------------------------------


def test_known_hashes():
    empty_root = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    empty_leaf = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert EMPTY_ROOT.hex() == empty_root
    assert root_from_leaf_hashes([]).hex() == empty_root
    assert CompactRange().root().hex() == empty_root
    assert hash_leaf(b"").hex() == empty_leaf
    assert hash_leaf(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert (
        hash_children(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    assert REF_ROOTS[0].hex() == empty_root
    assert REF_ROOTS[1].hex() == empty_leaf
    assert REF_ROOTS[8].hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("size", range(9))
def test_reference_roots(size):
    assert root_from_leaf_hashes(REF_LEAF_HASHES[:size]) == REF_ROOTS[size]
    assert CompactRange.root_at(REF_LEAF_HASHES, size) == REF_ROOTS[size]
    frontier = CompactRange()
    frontier.extend(REF_LEAF_HASHES[:size])
    assert frontier.size == size
    assert frontier.root() == REF_ROOTS[size]


def test_compact_range_roots_while_appending():
    frontier = CompactRange()
    for size, leaf in enumerate(REF_LEAF_HASHES, 1):
        frontier.append(leaf)
        assert frontier.root() == REF_ROOTS[size]


# --- transparency-dev/merkle vectors ------------------------------------------------


@pytest.mark.parametrize("path", INCLUSION, ids=_case_id)
def test_inclusion_vector(path):
    case = _load(path)
    args = (case["leafHash"], case["leafIdx"], case["treeSize"], case["proof"])
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, case["root"])
        return
    verify_inclusion(*args, case["root"])
    assert root_from_inclusion_proof(*args) == case["root"]
    size = case["treeSize"]
    if size < len(REF_ROOTS) and case["root"] == REF_ROOTS[size]:  # a tree of the reference leaves
        assert inclusion_proof(REF_LEAF_HASHES, case["leafIdx"], size) == case["proof"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=_case_id)
def test_consistency_vector(path):
    case = _load(path)
    args = (case["size1"], case["size2"], case["proof"], case["root1"], case["root2"])
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
        return
    if _case_id(path) in STRICTER_THAN_UPSTREAM:
        assert len(case["root1"]) != 32
        with pytest.raises(ProofError, match="32"):
            verify_consistency(*args)
        return
    verify_consistency(*args)
    assert root_from_consistency_proof(*args[:4]) == case["root2"]
    size1, size2 = case["size1"], case["size2"]
    if size2 < len(REF_ROOTS) and (case["root1"], case["root2"]) == (REF_ROOTS[size1], REF_ROOTS[size2]):
        assert consistency_proof(REF_LEAF_HASHES, size1, size2) == case["proof"]


def test_stricter_case_is_still_accepted_upstream():
    # If upstream ever flips this case to wantErr, drop it from STRICTER_THAN_UPSTREAM.
    for name in STRICTER_THAN_UPSTREAM:
        assert json.loads((VECTORS / "testdata" / name).read_text())["wantErr"] is False


def test_consistency_checks_root1():
    # Upstream's wrong-root1 vectors use a 9-byte root, which the length check catches first.
    for size2 in range(2, 9):
        for size1 in range(1, size2):
            proof = consistency_proof(REF_LEAF_HASHES, size1, size2)
            wrong = hash_leaf(b"wrong root")
            if size1 & (size1 - 1):  # root1 is checked against the proof's own reconstruction
                with pytest.raises(RootMismatch) as info:
                    root_from_consistency_proof(size1, size2, proof, wrong)
                assert info.value.expected == wrong
                assert info.value.calculated == REF_ROOTS[size1]
            else:  # a power of two: root1 is the proof's first node, so root2 comes out wrong
                assert root_from_consistency_proof(size1, size2, proof, wrong) != REF_ROOTS[size2]
            with pytest.raises(RootMismatch):
                verify_consistency(size1, size2, proof, wrong, REF_ROOTS[size2])


def test_all_reference_proofs_verify():
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(REF_LEAF_HASHES, index, size)
            verify_inclusion(REF_LEAF_HASHES[index], index, size, proof, REF_ROOTS[size])
        for size1 in range(1, size + 1):
            proof = consistency_proof(REF_LEAF_HASHES, size1, size)
            verify_consistency(size1, size, proof, REF_ROOTS[size1], REF_ROOTS[size])


# --- edge cases and hostile arguments -----------------------------------------------

H = hash_leaf(b"x")


@pytest.mark.parametrize(
    "args",
    [
        (H, 0, 0, [], EMPTY_ROOT),  # no leaf in the empty tree
        (H, 1, 1, [], H),  # index == size
        (H, -1, 1, [], H),
        (H, 0, 2**64, [], H),
        (H, True, 2, [H], H),  # bool is not an index
        (H, 0, 1.0, [], H),
        (H[:31], 0, 1, [], H[:31]),
        (H + b"\x00", 0, 1, [], H + b"\x00"),
        ("00" * 32, 0, 1, [], H),
        (H, 0, 1, None, H),
        (H, 0, 1, [None], H),
        (H, 0, 2, [H[:31]], H),
        (H, 0, 2, [H + b"\x00"], H),
        (H, 0, 1, [], H[:31]),
        (H, 0, 2, [H, H], hash_children(H, H)),  # one hash too many
        (H, 0, 3, [H], hash_children(H, H)),  # one hash too few
    ],
)
def test_inclusion_rejects(args):
    with pytest.raises(ProofError):
        verify_inclusion(*args)


def test_inclusion_single_leaf():
    verify_inclusion(H, 0, 1, [], H)
    with pytest.raises(RootMismatch) as info:
        verify_inclusion(H, 0, 1, [], EMPTY_ROOT)
    assert info.value.expected == EMPTY_ROOT
    assert info.value.calculated == H


@pytest.mark.parametrize(
    "args",
    [
        (0, 0, [], EMPTY_ROOT, EMPTY_ROOT),  # from the empty tree: meaningless, as upstream
        (0, 1, [], EMPTY_ROOT, H),
        (0, 1, [H], EMPTY_ROOT, H),
        (2, 1, [], H, H),
        (1, 1, [H], H, H),  # equal sizes need an empty proof
        (1, 2, [], H, H),  # different sizes need a non-empty one
        (1, 1, [], H[:31], H[:31]),
        (1, 1, [], H, H + b"\x00"),
        (1, 2**64, [H], H, H),
        (1, 2, None, H, H),
        (1, 2, [b"short"], H, H),
    ],
)
def test_consistency_rejects(args):
    with pytest.raises(ProofError):
        verify_consistency(*args)


def test_consistency_equal_sizes():
    verify_consistency(3, 3, [], REF_ROOTS[3], REF_ROOTS[3])
    with pytest.raises(RootMismatch):
        verify_consistency(3, 3, [], REF_ROOTS[3], REF_ROOTS[4])


def test_producers_reject_bad_arguments():
    for index, size in [(0, 0), (3, 3), (0, 9), (-1, 2)]:
        with pytest.raises(ProofError):
            inclusion_proof(REF_LEAF_HASHES, index, size)
    for size1, size2 in [(0, 0), (0, 3), (4, 3), (1, 9)]:
        with pytest.raises(ProofError):
            consistency_proof(REF_LEAF_HASHES, size1, size2)
    assert consistency_proof(REF_LEAF_HASHES, 5, 5) == []
    with pytest.raises(ProofError):
        CompactRange.root_at(REF_LEAF_HASHES, 9)
    with pytest.raises(ProofError):
        root_from_leaf_hashes([H, H[:31]])
    with pytest.raises(ProofError):
        CompactRange().append("00" * 32)


def test_compact_range_restore_checks_shape():
    frontier = CompactRange()
    frontier.extend(REF_LEAF_HASHES[:5])
    assert [level for level, _ in frontier.frontier()] == [2, 0]
    assert CompactRange(5, frontier.hashes).root() == REF_ROOTS[5]
    for size, hashes in [(5, frontier.hashes[:1]), (4, frontier.hashes), (5, [H, H[:31]]), (-1, [])]:
        with pytest.raises(ProofError):
            CompactRange(size, hashes)


# --- properties ---------------------------------------------------------------------


def reference_mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, recursively, straight from the definition."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hash_children(reference_mth(hashes[:k]), reference_mth(hashes[k:]))


def leaf_lists(max_size: int = 40):
    # Position-prefixed data keeps leaves distinct, so a proof can only fit one position.
    return st.lists(st.binary(max_size=6), min_size=1, max_size=max_size).map(
        lambda data: [hash_leaf(i.to_bytes(4, "big") + d) for i, d in enumerate(data)]
    )


def flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@settings(deadline=None)
@given(leaf_lists(70))
def test_roots_agree_with_reference(hashes):
    frontier = CompactRange()
    for size, leaf in enumerate(hashes, 1):
        frontier.append(leaf)
        assert sum(1 << level for level, _ in frontier.frontier()) == size
    assert frontier.root() == root_from_leaf_hashes(hashes) == reference_mth(hashes)
    restored = CompactRange(frontier.size, frontier.hashes)
    restored.append(H)
    assert restored.root() == reference_mth([*hashes, H])


@settings(deadline=None)
@given(leaf_lists(), st.data())
def test_inclusion_proofs_verify_and_resist_tampering(hashes, data):
    size = data.draw(st.integers(1, len(hashes)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root = reference_mth(hashes[:size])
    proof = inclusion_proof(hashes, index, size)
    verify_inclusion(hashes[index], index, size, proof, root)
    assert root_from_inclusion_proof(hashes[index], index, size, proof) == root

    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], other, size, proof, root)
    # A proof of the wrong length is refused as such, not merely because it leads elsewhere.
    for wrong_length in ([*proof, root], [root, *proof], proof[:-1] if proof else [root]):
        with pytest.raises(ProofError) as info:
            root_from_inclusion_proof(hashes[index], index, size, wrong_length)
        assert not isinstance(info.value, RootMismatch)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = [*proof]
        bad[at] = flip_bit(bad[at], bit)
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], index, size, bad, root)
    bit = data.draw(st.integers(0, 255), label="root bit")
    with pytest.raises(RootMismatch):
        verify_inclusion(hashes[index], index, size, proof, flip_bit(root, bit))
    with pytest.raises(RootMismatch):
        verify_inclusion(flip_bit(hashes[index], bit), index, size, proof, root)


@settings(deadline=None)
@given(leaf_lists(), st.data())
def test_consistency_proofs_verify_and_resist_tampering(hashes, data):
    size2 = data.draw(st.integers(1, len(hashes)), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    root1, root2 = reference_mth(hashes[:size1]), reference_mth(hashes[:size2])
    proof = consistency_proof(hashes, size1, size2)
    verify_consistency(size1, size2, proof, root1, root2)
    assert root_from_consistency_proof(size1, size2, proof, root1) == root2

    bit = data.draw(st.integers(0, 255), label="root bit")
    with pytest.raises(RootMismatch):
        verify_consistency(size1, size2, proof, flip_bit(root1, bit), root2)
    with pytest.raises(RootMismatch):
        verify_consistency(size1, size2, proof, root1, flip_bit(root2, bit))
    wrong_lengths = [[*proof, root2], [root2, *proof]]
    if size1 != size2:
        wrong_lengths.append(proof[:-1])
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root2, root1)  # swapped roots
    for wrong_length in wrong_lengths:
        with pytest.raises(ProofError) as info:
            root_from_consistency_proof(size1, size2, wrong_length, root1)
        assert not isinstance(info.value, RootMismatch)
    if size1 != size2:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = [*proof]
        bad[at] = flip_bit(bad[at], data.draw(st.integers(0, 255), label="bit"))
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, bad, root1, root2)


@settings(deadline=None)
@given(
    st.binary(max_size=40),
    st.integers(-2, 2**65),
    st.integers(-2, 2**65),
    st.lists(st.binary(max_size=40), max_size=70),
    st.binary(max_size=40),
)
def test_verifiers_raise_only_typed_errors(leaf, a, b, proof, root):
    for call in (
        lambda: verify_inclusion(leaf, a, b, proof, root),
        lambda: verify_consistency(a, b, proof, leaf, root),
    ):
        try:
            call()
        except VerificationError:
            pass
