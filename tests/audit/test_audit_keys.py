"""Keys as docs/chain-spec.md §7 describes them: the key string, and which key is valid when.

A verifier key is ``name+keyid+base64``: the name holds no ``+`` and the key id none, but
standard base64 may, so the string is split on its first two ``+`` only. After a rotation
the new key signs checkpoints from the rotation's ``effective_size`` on; an export knows only
the rotations up to its own size, so a key the ledger rotated to later is not one it can vouch
for, and a checkpoint larger than the export is truncation whoever signed it.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from exportkit import ExportKit, community
from ledger_audit import (
    ExportError,
    KeyFormatError,
    key_id,
    verify_export,
    verify_note,
    verify_receipt,
)

from ledger.signing import generate_signer, sign_note, verifier_key

LEDGER = "keys.commons-ledger.local/plus"


def signer_with_plus(name: str, start: int = 0) -> str:
    """The first signer key, from seeds SHA-256("plus <i>"), whose verifier string's base64 has a '+'."""
    for i in range(start, start + 10_000):
        seed = hashlib.sha256(f"plus {i}".encode()).digest()
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
        if "+" in base64.b64encode(b"\x01" + public).decode():
            material = base64.b64encode(b"\x01" + seed).decode()
            return f"PRIVATE+KEY+{name}+{key_id(name, public).hex()}+{material}"
    raise AssertionError("no seed gave a '+'")


SIGNER = signer_with_plus(LEDGER)
NEXT_SIGNER = signer_with_plus(LEDGER, start=int(hashlib.sha256(b"next").hexdigest()[:4], 16))


def test_a_key_whose_base64_holds_a_plus_is_split_on_its_first_two_plus_signs():
    key = verifier_key(SIGNER)
    name, id_hex, material = key.split("+", 2)
    assert (name, len(id_hex)) == (LEDGER, 8) and "+" in material
    assert len(key.split("+")) > 3  # splitting on every '+' would cut the key material apart
    note = sign_note("hello\n", SIGNER)
    assert verify_note(note, key) == "hello\n"


def test_a_key_name_may_not_hold_a_plus():
    with pytest.raises(KeyFormatError):
        generate_signer("riverside+credits")
    # "a+b+<id>+<b64>" reads as name "a" and key id "b": not a key id at all.
    key = verifier_key(SIGNER).replace(LEDGER, "keys+plus", 1)
    with pytest.raises(KeyFormatError, match="must be 8 lowercase hex digits"):
        verify_note(sign_note("x\n", SIGNER), key)


def test_an_export_signed_with_keys_whose_base64_holds_a_plus_verifies(tmp_path):
    kit = ExportKit(ledger_id=LEDGER, signer=SIGNER)
    kit.scheme("time", "minutes")
    kit.rotate_key(new_signer=NEXT_SIGNER)
    kit.transfer("t1", "time:issuer", "time:x", 1, "minutes")
    directory = kit.write(tmp_path / "e")
    genesis = json.loads((directory / "bodies.jsonl").read_bytes().split(b"\n")[0])
    assert "+" in genesis["public_key"].split("+", 2)[2]
    report = verify_export(directory, verifier_key(SIGNER))
    assert [k.key for k in report.keys] == [verifier_key(SIGNER), verifier_key(NEXT_SIGNER)]
    assert "+" in report.keys[1].key.split("+", 2)[2]
    assert verify_export(directory, verifier_key(NEXT_SIGNER)).checkpoint_key == verifier_key(NEXT_SIGNER)
    assert verify_receipt(kit.receipt(3), verifier_key(NEXT_SIGNER)).seq == 3


# --- which key is valid, around a rotation -------------------------------------------------

KIT = community()  # the rotation is seq 16: the new key signs checkpoints of size 17 and more
ROTATION = 16
OLD, NEW = KIT.genesis_key, verifier_key(KIT.signers[1][1])


def test_the_rotation_as_the_exports_last_event_hands_its_checkpoint_to_the_new_key(tmp_path):
    directory = KIT.write(tmp_path / "e", size=ROTATION + 1)
    assert verify_export(directory, OLD).checkpoint_key == NEW
    stale = KIT.checkpoint(ROTATION + 1, signer=KIT.signer)  # signed by the key the rotation retired
    error = _fails(KIT.write(tmp_path / "stale", size=ROTATION + 1, checkpoint=stale), OLD)
    assert (error.kind, error.seq) == ("bad-signature", None)


def test_a_key_rotated_to_after_the_exports_end_is_not_one_the_export_vouches_for(tmp_path):
    directory = KIT.write(tmp_path / "e", size=ROTATION)  # ends just before the rotation
    assert verify_export(directory, OLD).checkpoint_key == OLD
    error = _fails(directory, NEW)
    assert (error.kind, error.seq) == ("bad-signature", None)
    assert "a key the ledger rotated to after this export's last event" in error.reason


def test_a_previous_checkpoint_beyond_the_export_is_truncation_whoever_signed_it(tmp_path):
    """The auditor's checkpoint of 21 is signed by the new key, which this export of 16 events
    cannot know: the export is still shorter than what the auditor holds."""
    directory = KIT.write(tmp_path / "e", size=ROTATION)
    error = _fails(directory, OLD, previous_checkpoint=KIT.checkpoint())
    assert (error.kind, error.seq) == ("truncated", ROTATION)
    error = _fails(directory, OLD, previous_checkpoint=KIT.checkpoint(ROTATION + 2, signer=KIT.signer))
    assert (error.kind, error.seq) == ("truncated", ROTATION)


def test_a_previous_checkpoint_within_the_export_is_checked_with_the_key_valid_at_its_size(tmp_path):
    directory = KIT.write(tmp_path / "e")
    for size, good, bad in ((ROTATION, KIT.signer, KIT.signers[1][1]), (ROTATION + 1, KIT.signers[1][1], KIT.signer)):
        assert verify_export(directory, OLD, previous_checkpoint=KIT.checkpoint(size, signer=good)).previous_size == size
        error = _fails(directory, OLD, previous_checkpoint=KIT.checkpoint(size, signer=bad))
        assert (error.kind, error.seq) == ("bad-signature", None)


def _fails(directory, key: str, **kwargs) -> ExportError:
    with pytest.raises(ExportError) as info:
        verify_export(directory, key, **kwargs)
    return info.value
