"""Signing is the ledger's (``ledger.signing``); the verifier package only verifies what it signs."""

from __future__ import annotations

import ledger_audit
import pytest
from ledger_audit import Checkpoint, KeyHistory, verify_checkpoint, verify_note, verify_rotation
from ledger_audit.errors import KeyFormatError, SignatureError
from ledger_audit.manifest import parse_note_text

from ledger.signing import generate_signer, sign_checkpoint, sign_manifest, sign_note, sign_rotation, verifier_key

LEDGER = "signing.example/credits"


def test_the_verifier_package_signs_nothing():
    for name in ("generate_signer", "sign_note", "sign_checkpoint", "sign_rotation", "sign_manifest"):
        assert not hasattr(ledger_audit, name)
        assert not hasattr(ledger_audit.checkpoint, name)
        assert not hasattr(ledger_audit.rotation, name)


def test_what_the_ledger_signs_the_verifier_accepts():
    signer, verifier = generate_signer(LEDGER)
    assert verifier_key(signer) == verifier == ledger_audit.verifier_key(signer)
    checkpoint = Checkpoint(LEDGER, 3, bytes(range(32)))
    assert verify_checkpoint(sign_checkpoint(checkpoint, signer), verifier, LEDGER) == checkpoint
    assert verify_note(sign_note("hello\n", signer), verifier) == "hello\n"
    signed = parse_note_text(verify_note(sign_manifest(checkpoint, "ab" * 32, signer), verifier))
    assert (signed.origin, signed.size, signed.root, signed.digest) == (LEDGER, 3, checkpoint.root, "ab" * 32)
    new_signer, new_key = generate_signer(LEDGER)
    body = {"new_public_key": new_key, "effective_size": 8, "signature": sign_rotation(signer, LEDGER, new_key, 8)}
    assert verify_rotation(body, verifier, LEDGER, 7).new_key == new_key
    history = KeyHistory(verifier)
    history.apply(body, LEDGER, 7)
    assert history.key_at(8) == new_key
    with pytest.raises(SignatureError):
        verify_rotation({**body, "signature": sign_rotation(new_signer, LEDGER, new_key, 8)}, verifier, LEDGER, 7)


@pytest.mark.parametrize("bad", ["", "PRIVATE+KEY+", "PRIVATE+KEY+a+00000000+AQ==", "a+b+c", 7])
def test_a_malformed_signer_key_is_refused(bad):
    with pytest.raises(KeyFormatError):
        sign_note("x\n", bad)
