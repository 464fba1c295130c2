"""Everything the ledger signs, and the only code that reads a private key (docs/chain-spec.md §7, §8).

The verifier (``ledger_audit``) never needs a private key, so signing lives here, beside the
signer that uses it (:mod:`ledger.checkpoints`): new keys, signed notes (c2sp.org/signed-note),
checkpoints, key rotations and export manifest notes. What is signed is built by the verifier's
own functions (:meth:`Checkpoint.to_text`, :func:`ledger_audit.rotation.rotation_message`,
:func:`ledger_audit.manifest.note_text`), so the ledger signs exactly the bytes an auditor checks.

Key strings, as golang.org/x/mod/sumdb/note writes them::

    signer:   PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte seed)
    verifier: <name>+<hex key ID>+base64(0x01 || public key)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_audit.checkpoint import (
    ALG_ED25519,
    SIGNER_PREFIX,
    Checkpoint,
    check_note_text,
    key_id,
    parse_key,
    valid_key_name,
    verifier_string,
)
from ledger_audit.errors import KeyFormatError
from ledger_audit.manifest import note_text as manifest_note_text
from ledger_audit.rotation import rotation_message

SIGNATURE_PREFIX = "\u2014 "  # em dash, space: how a signature line of a note starts


@dataclass(frozen=True)
class _Signer:
    name: str
    key_id: bytes
    private: Ed25519PrivateKey


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _parse_signer(text: object) -> _Signer:
    """A signer key string, checked by the verifier's own key rule (``ledger_audit.checkpoint.parse_key``)."""
    key = parse_key(text, private=True)
    return _Signer(key.name, key.key_id, Ed25519PrivateKey.from_private_bytes(key.material))



def generate_signer(name: str) -> tuple[str, str]:
    """A new Ed25519 key named ``name``: returns ``(signer_key, verifier_key)`` strings."""
    if not valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    seed = private.private_bytes_raw()
    signer = f"{SIGNER_PREFIX}{name}+{key_id(name, public).hex()}+{_b64(bytes([ALG_ED25519]) + seed)}"
    return signer, verifier_string(name, public)


def verifier_key(signer_key: str) -> str:
    """The verifier key string that belongs to ``signer_key``."""
    key = _parse_signer(signer_key)
    return verifier_string(key.name, key.private.public_key().public_bytes_raw())


def sign_note(text: str, signer_key: str) -> str:
    """Sign ``text`` (which must end with a newline) and return the signed note."""
    text = check_note_text(text)
    key = _parse_signer(signer_key)
    signature = key.private.sign(text.encode("utf-8"))
    return f"{text}\n{SIGNATURE_PREFIX}{key.name} {_b64(key.key_id + signature)}\n"


def sign_checkpoint(checkpoint: Checkpoint, signer_key: str) -> str:
    """Sign ``checkpoint`` as a note. (tlog-checkpoint: the key name SHOULD be the origin.)"""
    return sign_note(checkpoint.to_text(), signer_key)


def sign_rotation(signer_key: str, ledger_id: str, new_key: str, effective_size: int) -> str:
    """Base64 of the Ed25519 signature by ``signer_key`` (the old key) over the rotation message (§7)."""
    return _b64(_parse_signer(signer_key).private.sign(rotation_message(ledger_id, new_key, effective_size)))


def sign_manifest(checkpoint: Checkpoint, manifest_digest: str, signer_key: str) -> str:
    """``manifest.sig`` (§8.2): the note binding a manifest's SHA-256 to ``checkpoint``, signed."""
    text = manifest_note_text(checkpoint.origin, checkpoint.size, checkpoint.root, manifest_digest)
    return sign_note(text, signer_key)
