"""Merkle roots and proofs from the stored tree, checkpoints, the signer's memory, key rotation."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_audit import leaf_hash, rfc6962
from ledger_audit.checkpoint import verify_checkpoint
from ledger_audit.errors import VerificationError
from ledger_audit.rotation import rotation_message

from ledger import CheckpointRefused, Ledger

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")


def grow(led: Ledger, sizes: list[int]) -> None:
    for n in sizes:
        led.batch([{"type": "transfer", "debit": "t:issuer", "credit": "a", "amount": 1}] * n)


@pytest.fixture
def small(db_path):
    with Ledger(db_path, create=True, ledger_id="proofs.example/l") as led:
        led.register_scheme("t", "m", floor=None)
        led.open_account("a", "t")
        yield led


def backup(source: str, target) -> None:
    """A real SQLite backup (the WAL's content included), as an operator would take one."""
    src, dst = sqlite3.connect(source), sqlite3.connect(str(target))
    src.backup(dst)
    src.close()
    dst.close()


def leaf_hashes(led: Ledger) -> list[bytes]:
    return [bytes(r[0]) for r in led._rows("SELECT hash FROM ledger_chain ORDER BY seq")]


@settings(max_examples=10)
@given(batches=st.lists(st.integers(1, 40), min_size=1, max_size=6), data=st.data())
def test_every_proof_the_ledger_produces_verifies_and_any_bit_flip_is_rejected(tmp_path_factory, batches, data):
    path = str(tmp_path_factory.mktemp("p") / "l.db")
    with Ledger(path, create=True) as led:
        led.register_scheme("t", "m", floor=None)
        led.open_account("a", "t")
        grow(led, batches)
        hashes = leaf_hashes(led)
        size = data.draw(st.integers(1, len(hashes)))
        seq = data.draw(st.integers(0, size - 1))
        old = data.draw(st.integers(1, size))
        root, old_root = led.root(size), led.root(old)
        assert root == rfc6962.root_from_leaf_hashes(hashes[:size])
        proof = led.inclusion_proof(seq, size)
        rfc6962.verify_inclusion(hashes[seq], seq, size, proof, root)
        consistency = led.consistency_proof(old, size)
        rfc6962.verify_consistency(old, size, consistency, old_root, root)
        if proof:
            i, bit = data.draw(st.integers(0, len(proof) - 1)), data.draw(st.integers(0, 255))
            bad = list(proof)
            bad[i] = bytes(b ^ (1 << (bit % 8)) if j == bit // 8 else b for j, b in enumerate(bad[i]))
            with pytest.raises(VerificationError):
                rfc6962.verify_inclusion(hashes[seq], seq, size, bad, root)
        flipped_root = bytes([root[0] ^ 1]) + root[1:]
        with pytest.raises(VerificationError):
            rfc6962.verify_inclusion(hashes[seq], seq, size, proof, flipped_root)
        # A proof does not bind the tree size on its own (index 0 verifies for sizes 5 and 7
        # alike): the size must come from a signed checkpoint, as receipts take it.


def test_a_checkpoint_is_signed_by_the_genesis_key_and_reused_until_the_ledger_grows(small):
    first = small.checkpoint()
    cp = verify_checkpoint(first.note, small.public_key, "proofs.example/l")
    assert (cp.size, cp.root) == (small.size(), small.root())
    assert small.checkpoint() == first
    grow(small, [3])
    second = small.checkpoint()
    assert second.size == first.size + 3
    assert small.latest_checkpoint() == second


@pytest.mark.sqlite_only
def test_a_restored_backup_cannot_be_signed(small, tmp_path):
    copy_path = tmp_path / "backup.db"
    small.checkpoint()
    backup(small.db, copy_path)
    grow(small, [5])
    small.checkpoint()
    with Ledger(str(copy_path), key_path=str(small.key_path)) as restored:
        with pytest.raises(CheckpointRefused) as err:
            restored.checkpoint()
    assert "a restored backup or a copy must not fork the log" in str(err.value)


@pytest.mark.sqlite_only
def test_a_diverged_copy_cannot_be_signed_even_when_it_is_longer(small, tmp_path):
    copy = tmp_path / "copy.db"
    backup(small.db, copy)
    grow(small, [2])
    small.checkpoint()
    with Ledger(str(copy), key_path=str(small.key_path)) as other:
        other.transfer("t:issuer", "a", 99)
        grow(other, [4])
        with pytest.raises(CheckpointRefused, match="differs from the one (its signer|the signer.s memory) signed"):
            other.checkpoint()


def test_key_rotation_is_a_chained_event_signed_by_the_old_key(small):
    old_key = small.public_key
    small.checkpoint()
    rotation = small.rotate_key()
    new_key = small.public_key
    assert new_key == rotation["new_public_key"] != old_key
    state = small._rows(
        "SELECT e.state FROM ledger_chain c JOIN stored_events e "
        f"ON e.{small._recorder.event_id} = c.notification_id "
        "WHERE c.seq = ?", (rotation["effective_size"] - 1,))[0][0]
    event = json.loads(bytes(state))
    raw = base64.b64decode(old_key.split("+", 2)[2])[1:]
    Ed25519PublicKey.from_public_bytes(raw).verify(
        base64.b64decode(event["signature"]),
        rotation_message("proofs.example/l", new_key, rotation["effective_size"]),
    )
    note = small.checkpoint().note
    verify_checkpoint(note, new_key, "proofs.example/l")
    with pytest.raises(VerificationError):
        verify_checkpoint(note, old_key, "proofs.example/l")
    retired = list(small.key_path.parent.glob(small.key_path.name + ".retired-*"))
    assert len(retired) == 1 and not small.signer.next_path.exists()
    assert small.verify().ok


def test_a_receipt_proves_inclusion_under_a_signed_checkpoint(small):
    grow(small, [7])
    receipt = small.receipt(5)
    cp = verify_checkpoint(receipt["checkpoint"], small.public_key, "proofs.example/l")
    proof = [base64.b64decode(h) for h in receipt["inclusion"]]
    rfc6962.verify_inclusion(leaf_hash(receipt["leaf"].encode()), 5, cp.size, proof, cp.root)
    assert receipt["size"] == cp.size == small.size()


def test_roots_and_proofs_at_every_size_across_stored_and_folded_levels(small):
    """Nodes below 32 leaves are folded from leaf hashes, larger ones read: every size agrees with RFC 6962."""
    for n in (1, 1, 29, 2, 3, 40, 1, 33, 1):  # blocks completed alone, inside, and across batches
        grow(small, [n])
    for _ in range(4):
        small.transfer("t:issuer", "a", 1)  # single commands complete no block or one
    hashes = leaf_hashes(small)
    n = len(hashes)
    stored = small._rows("SELECT level, idx FROM ledger_tree ORDER BY level, idx")
    # Only subtrees of 32 leaves and up are kept: levels 5 (every block) and 6 (each pair of blocks).
    assert [tuple(r) for r in stored] == [(5, i) for i in range(n // 32)] + [(6, i) for i in range(n // 64)]
    for size in range(1, n + 1):
        root = small.root(size)
        assert root == rfc6962.root_from_leaf_hashes(hashes[:size]), size
        for seq in {0, size // 2, size - 1, 31 % size, 32 % size}:
            rfc6962.verify_inclusion(hashes[seq], seq, size, small.inclusion_proof(seq, size), root)
        for old in {1, size // 3 or 1, size - 1 or 1, 32 if size >= 32 else size}:
            rfc6962.verify_consistency(old, size, small.consistency_proof(old, size), small.root(old), root)
