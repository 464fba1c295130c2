"""Receipts and consistency files (docs/chain-spec.md §9) built by the spec's kit."""

from __future__ import annotations

import base64
import json

import pytest
from exportkit import community
from hypothesis import given
from hypothesis import strategies as st
from ledger_audit import (
    Checkpoint,
    ConsistencyFileError,
    KeyFormatError,
    ReceiptError,
    verify_consistency_file,
    verify_receipt,
)

from ledger.signing import generate_signer, sign_checkpoint, verifier_key

KIT = community()  # 21 events; seq 16 rotates the key (effective from size 17); body 4 withheld
N, ROTATION = 21, 16
GENESIS_KEY = KIT.genesis_key
NEW_KEY = verifier_key(KIT.signers[1][1])


def key_at(size: int) -> str:
    return GENESIS_KEY if size <= ROTATION else NEW_KEY


def flip_b64(text: str, bit: int) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[bit // 8] ^= 1 << (bit % 8)
    return base64.b64encode(bytes(raw)).decode()


def rejects(receipt: dict, key: str = NEW_KEY) -> ReceiptError:
    with pytest.raises(ReceiptError) as info:
        verify_receipt(json.dumps(receipt), key)
    return info.value


# --- receipts --------------------------------------------------------------------------


@pytest.mark.parametrize("seq", range(N))
def test_every_event_has_a_valid_receipt(seq):
    receipt = verify_receipt(json.dumps(KIT.receipt(seq)), NEW_KEY)
    assert (receipt.seq, receipt.checkpoint.size, receipt.checkpoint.root) == (seq, N, KIT.root())
    assert receipt.leaf_bytes == KIT.leaves[seq] and receipt.leaf.seq == seq
    assert receipt.body == (None if seq == 4 else KIT.bodies[seq])


@pytest.mark.parametrize(("seq", "size"), [(0, 1), (3, 7), (15, 16), (16, 17), (20, 21)])
def test_receipts_against_older_checkpoints_use_the_key_valid_at_their_size(seq, size):
    document = KIT.receipt(seq, size)
    assert verify_receipt(document, key_at(size)).checkpoint.size == size
    assert verify_receipt(json.dumps(document).encode(), key_at(size)).seq == seq
    other = NEW_KEY if key_at(size) == GENESIS_KEY else GENESIS_KEY
    assert rejects(document, other).kind == "bad-signature"


def test_receipt_with_a_malformed_key_raises_key_format_error():
    with pytest.raises(KeyFormatError):
        verify_receipt(KIT.receipt(3), "nope")


@given(index=st.integers(0, 4), bit=st.integers(0, 255), seq=st.integers(0, N - 1))
def test_any_bit_flip_in_the_inclusion_proof_is_rejected(index, bit, seq):
    receipt = KIT.receipt(seq)
    index %= len(receipt["inclusion"])
    receipt["inclusion"][index] = flip_b64(receipt["inclusion"][index], bit)
    error = rejects(receipt)
    assert (error.kind, error.seq) == ("edited", seq)


@given(bit=st.integers(0, 255), seq=st.integers(0, N - 1), resign=st.booleans())
def test_any_bit_flip_in_the_root_is_rejected(bit, seq, resign):
    receipt = KIT.receipt(seq)
    root = bytearray(KIT.root())
    root[bit // 8] ^= 1 << (bit % 8)
    checkpoint = Checkpoint(KIT.ledger_id, N, bytes(root))
    if resign:  # the operator signs a wrong root: the proof no longer leads there
        receipt["checkpoint"] = sign_checkpoint(checkpoint, KIT.current_signer)
    else:  # someone edits the signed note: the signature no longer verifies
        note = receipt["checkpoint"]
        receipt["checkpoint"] = checkpoint.to_text() + note[note.index("\n\n") + 1 :]
    assert rejects(receipt).kind == ("edited" if resign else "bad-signature")


@given(bit=st.integers(0, 62), seq=st.integers(0, N - 1))
def test_any_bit_flip_in_the_size_is_rejected(bit, seq):
    receipt = KIT.receipt(seq)
    receipt["size"] ^= 1 << bit
    assert rejects(receipt).kind == "malformed"


@given(seq=st.integers(0, N - 1), data=st.data())
def test_any_bit_flip_in_the_leaf_is_rejected(seq, data):
    receipt = KIT.receipt(seq)
    raw = bytearray(receipt["leaf"].encode())
    index = data.draw(st.integers(0, len(raw) - 1), label="index")
    raw[index] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    try:
        receipt["leaf"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        receipt["leaf"] = raw.decode("latin-1")  # still a different string: must still fail
    assert rejects(receipt).kind == "edited"


@given(seq=st.integers(0, N - 1), shift=st.integers(1, N - 1))
def test_a_receipt_for_another_seq_is_rejected(seq, shift):
    receipt = KIT.receipt(seq)
    receipt["seq"] = (seq + shift) % N
    assert rejects(receipt).kind in {"edited", "malformed"}


@pytest.mark.parametrize(
    ("change", "kind", "reason"),
    [
        ({"body": '{"amount":1}'}, "edited", "the body does not hash to the leaf's body_hash"),
        ({"format": "x"}, "malformed", "the receipt's format is not 'commons-ledger-receipt/1'"),
        ({"extra": 1}, "malformed", "the receipt must have exactly the members"),
        ({"seq": 99}, "malformed", "seq 99 is not below the checkpoint's size 21"),
        ({"seq": -1}, "malformed", "seq must be an integer from 0 to 2**64 - 1"),
        ({"seq": True}, "malformed", "seq must be an integer from 0 to 2**64 - 1"),
        ({"inclusion": "AAAA"}, "malformed", "the proof must be a list of at most 64 base64 hashes"),
        ({"inclusion": ["AAAA"]}, "malformed", "proof hash 0 is not canonical base64 of 32 bytes"),
        ({"leaf": "\ud800"}, "edited", "the leaf or body is not valid Unicode"),
        ({"checkpoint": 5}, "malformed", "the receipt's checkpoint must be a signed note"),
        ({"checkpoint": "x\n"}, "malformed", "the receipt's checkpoint: malformed note"),
    ],
)
def test_malformed_receipts_are_rejected(change, kind, reason):
    receipt = KIT.receipt(7) | change
    error = rejects(receipt)
    assert error.kind == kind and error.reason.startswith(reason), error


@pytest.mark.parametrize("proof", ["drop", "extra"])
def test_a_proof_of_the_wrong_length_is_malformed(proof):
    receipt = KIT.receipt(7)
    receipt["inclusion"] = receipt["inclusion"][:-1] if proof == "drop" else [*receipt["inclusion"], "A" * 43 + "="]
    error = rejects(receipt)
    assert (error.kind, error.seq) == ("malformed", 7)


@pytest.mark.parametrize("text", ["", "[]", "{", '{"a":1.5}', '{"seq":1,"seq":2}', "\xff"])
def test_receipt_that_is_not_json_is_malformed(text):
    with pytest.raises(ReceiptError) as info:
        verify_receipt(text.encode("latin-1"), NEW_KEY)
    assert info.value.kind == "malformed"


# --- consistency files -----------------------------------------------------------------


def consistent(size1: int, size2: int):
    return verify_consistency_file(
        KIT.checkpoint(size1),
        KIT.checkpoint(size2),
        json.dumps(KIT.consistency(size1, size2)),
        key_at(size2),
        old_key=key_at(size1),
    )


@pytest.mark.parametrize("size2", range(1, N + 1))
def test_every_pair_of_sizes_is_consistent(size2):
    for size1 in range(1, size2 + 1):
        result = consistent(size1, size2)
        assert (result.old.size, result.new.size, result.new.root) == (size1, size2, KIT.root(size2))


def rejects_consistency(old: str, new: str, proof: dict, key: str = NEW_KEY, **kw) -> ConsistencyFileError:
    with pytest.raises(ConsistencyFileError) as info:
        verify_consistency_file(old, new, proof, key, **kw)
    return info.value


@given(size1=st.integers(1, N - 1), data=st.data())
def test_any_bit_flip_in_a_consistency_proof_is_rejected(size1, data):
    proof = KIT.consistency(size1, N)
    index = data.draw(st.integers(0, len(proof["proof"]) - 1), label="index")
    proof["proof"][index] = flip_b64(proof["proof"][index], data.draw(st.integers(0, 255), label="bit"))
    error = rejects_consistency(KIT.checkpoint(size1), KIT.checkpoint(N), proof, old_key=key_at(size1))
    assert error.kind == "fork"


def test_a_newer_checkpoint_that_does_not_extend_the_older_is_a_fork():
    other = community()  # the same kinds of events under another genesis key: every root differs
    forged_new = sign_checkpoint(Checkpoint(KIT.ledger_id, N, other.root()), KIT.current_signer)
    error = rejects_consistency(KIT.checkpoint(10), forged_new, KIT.consistency(10, N), old_key=GENESIS_KEY)
    assert (error.kind, error.seq) == ("fork", None)


def test_two_checkpoints_of_one_size_with_different_roots_are_a_fork():
    forged = sign_checkpoint(Checkpoint(KIT.ledger_id, N, bytes(32)), KIT.current_signer)
    error = rejects_consistency(KIT.checkpoint(), forged, KIT.consistency(N, N))
    assert (error.kind, error.reason) == ("fork", f"two signed checkpoints of size {N} with different roots")


def test_swapped_checkpoints_are_truncation():
    error = rejects_consistency(
        KIT.checkpoint(N), KIT.checkpoint(12), KIT.consistency(12, N), key=GENESIS_KEY, old_key=NEW_KEY
    )
    assert (error.kind, error.seq) == ("truncated", 12)


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        ({"format": "commons-ledger-consistency/1", "size1": 11, "size2": N}, "the file proves 11 -> 21"),
        ({"format": "nope"}, "the consistency file's format is not"),
        ({"extra": True}, "the consistency file must have exactly the members"),
        ({"proof": []}, "consistency proof: empty consistency proof for different sizes"),
        ({"size1": 2**64}, "size1 must be an integer from 0 to 2**64 - 1"),
    ],
)
def test_malformed_consistency_files_are_rejected(proof, reason):
    document = KIT.consistency(12, N) | proof
    error = rejects_consistency(KIT.checkpoint(12), KIT.checkpoint(N), document, old_key=GENESIS_KEY)
    assert error.kind == "malformed" and error.reason.startswith(reason), error


def test_a_consistency_proof_from_size_zero_is_refused():
    empty = sign_checkpoint(Checkpoint(KIT.ledger_id, 0, KIT.root(0)), KIT.signer)
    document = {"format": "commons-ledger-consistency/1", "size1": 0, "size2": 5, "proof": []}
    error = rejects_consistency(empty, KIT.checkpoint(5), document, key=GENESIS_KEY)
    assert error.reason == "a consistency proof from the empty tree proves nothing (§6)"


def test_checkpoints_not_signed_by_the_given_keys_are_rejected():
    stranger = generate_signer(KIT.ledger_id)[0]
    forged = sign_checkpoint(Checkpoint(KIT.ledger_id, N, KIT.root()), stranger)
    assert rejects_consistency(KIT.checkpoint(12), forged, KIT.consistency(12, N), old_key=GENESIS_KEY).kind == (
        "bad-signature"
    )
    # the old checkpoint predates the rotation: without old_key it is checked with the new key
    assert rejects_consistency(KIT.checkpoint(12), KIT.checkpoint(), KIT.consistency(12, N)).kind == "bad-signature"


def test_checkpoints_of_different_ledgers_are_malformed():
    other = sign_checkpoint(Checkpoint("other.example/x", 12, KIT.root(12)), KIT.signer)
    error = rejects_consistency(other, KIT.checkpoint(), KIT.consistency(12, N), old_key=GENESIS_KEY)
    assert error.kind == "malformed" and "origin is 'other.example/x'" in error.reason
