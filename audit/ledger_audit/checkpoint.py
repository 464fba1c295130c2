"""Signed notes (c2sp.org/signed-note) with Ed25519, and tlog checkpoints (c2sp.org/tlog-checkpoint).

A signed note is a text ending in a newline, a blank line, then signature lines
``"— " name " " base64(key ID || signature) "\\n"`` (em dash U+2014, space). The
Ed25519 signature (RFC 8032) covers the text including its final newline, and

    key ID = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]

Key strings, as golang.org/x/mod/sumdb/note writes them::

    verifier: <name>+<hex key ID>+base64(0x01 || public key)
    signer:   PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte seed)

Verification is strict: the whole note must be UTF-8 without control characters
other than newline; the text is everything up to the *last* blank line; every
signature line must be well-formed (em dash, a valid key name, canonical base64 of
at least 5 bytes), at most :data:`MAX_SIGNATURES` of them. Lines whose (name, key
ID) is not the trusted key's are ignored, as the spec requires (other witnesses,
rotated keys); every line that is the trusted key's must verify, and at least one
must be there. Base64 must be canonical (it re-encodes to the same string), which
any conforming signer produces.

A checkpoint is a note whose text is exactly three lines: origin, tree size in
decimal without leading zeros, and the base64 of the 32-byte RFC 6962 root.
Extension lines, which tlog-checkpoint allows but does not recommend, are
**refused** here: the ledger writes none, and nothing unaudited rides along in a
signed head.

Every failure is a typed :class:`~ledger_audit.errors.VerificationError`:
:class:`KeyFormatError`, :class:`NoteError`, :class:`SignatureError` or
:class:`CheckpointError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import CheckpointError, KeyFormatError, NoteError, SignatureError

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
SIGNER_PREFIX = "PRIVATE+KEY+"
MAX_SIGNATURES = 100  # the spec says a verifier MUST accept at least 16
MAX_TREE_SIZE = 2**64 - 1

_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}\Z")
_TREE_SIZE = re.compile(r"(?:0|[1-9][0-9]{0,19})\Z")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline


def b64decode(text: str) -> bytes | None:
    """Strict RFC 4648 §4 base64: only the alphabet, correct padding, canonical bits."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def valid_key_name(name: object) -> bool:
    """Key names are non-empty, without Unicode spaces, plus signs or control characters."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(ch.isspace() for ch in name)
        and not _CONTROL.search(name)
        and _is_utf8(name)
    )


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 key: ``SHA-256(name || 0x0A || 0x01 || public_key)[:4]``."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class _Key:
    name: str
    key_id: bytes
    material: bytes  # public key for a verifier, seed for a signer


def parse_key(text: object, private: bool) -> _Key:
    """Check a key string (``name+keyid+base64``; a signer's prefixed ``PRIVATE+KEY+``) as §7 says.

    Shared by the verifier (verifier keys) and the ledger's signer (signer keys), so both read a
    key string by one rule. ``KeyFormatError`` names what is wrong.
    """
    kind = "signer" if private else "verifier"
    if not isinstance(text, str):
        raise KeyFormatError(f"{kind} key must be a string, got {type(text).__name__}")
    if private:
        if not text.startswith(SIGNER_PREFIX):
            raise KeyFormatError(f"signer key must start with {SIGNER_PREFIX!r}")
        text = text[len(SIGNER_PREFIX) :]
    # The name holds no "+", the hex ID neither; the base64 part may.
    name, sep1, rest = text.partition("+")
    id_hex, sep2, b64 = rest.partition("+")
    if not (sep1 and sep2):
        raise KeyFormatError(f"{kind} key must be name+keyid+base64")
    if not valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    if not _KEY_ID_HEX.match(id_hex):
        raise KeyFormatError(f"key ID {id_hex!r} must be 8 lowercase hex digits")
    raw = b64decode(b64)
    if raw is None:
        raise KeyFormatError("key material is not canonical base64")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise KeyFormatError("key material must be 0x01 followed by a 32-byte Ed25519 key")
    material = raw[1:]
    public = (
        Ed25519PrivateKey.from_private_bytes(material).public_key().public_bytes_raw()
        if private
        else material
    )
    if key_id(name, public) != bytes.fromhex(id_hex):
        raise KeyFormatError(f"key ID {id_hex} does not match the key name and key")
    return _Key(name, bytes.fromhex(id_hex), material)


def verifier_string(name: str, public: bytes) -> str:
    return f"{name}+{key_id(name, public).hex()}+{_b64encode(bytes([ALG_ED25519]) + public)}"


def verifier_key(signer_key: str) -> str:
    """The verifier key string that belongs to ``signer_key``.

    Kept for callers that still import it from here (``ledger init`` in ``ledger/cli.py``);
    the ledger's own is :func:`ledger.signing.verifier_key`, with the rest of signing. The
    verifier itself never reads a private key.
    """
    key = parse_key(signer_key, private=True)
    public = Ed25519PrivateKey.from_private_bytes(key.material).public_key().public_bytes_raw()
    return verifier_string(key.name, public)


def check_note_text(text: object) -> str:
    """``text`` if a note may have it as its text (a string ending in a newline, UTF-8, no controls); for signers."""
    if not isinstance(text, str):
        raise NoteError(f"note text must be a string, got {type(text).__name__}")
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if not _is_utf8(text):
        raise NoteError("note text is not valid Unicode")
    if _CONTROL.search(text):
        raise NoteError("note text contains a control character other than newline")
    return text


def verify_note(note: str | bytes, verifier_key: str) -> str:
    """Return the text of ``note`` if the key ``verifier_key`` signed it; raise otherwise.

    :class:`KeyFormatError` for a bad key, :class:`NoteError` for a malformed note,
    :class:`SignatureError` if the key's signature is missing or does not verify.
    """
    key = parse_key(verifier_key, private=False)
    if isinstance(note, (bytes, bytearray)):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not valid UTF-8") from None
    if not isinstance(note, str):
        raise NoteError(f"note must be str or bytes, got {type(note).__name__}")
    if not _is_utf8(note):
        raise NoteError("note is not valid Unicode")
    if _CONTROL.search(note):
        raise NoteError("note contains a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("no blank line between the text and the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("the signature block must be non-empty and end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    try:
        public = Ed25519PublicKey.from_public_bytes(key.material)
    except ValueError:
        raise KeyFormatError("not an Ed25519 public key") from None
    message = text.encode("utf-8")
    verified = False
    for number, line in enumerate(lines, 1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line {number} does not start with an em dash and a space")
        name, space, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if not space or not valid_key_name(name):
            raise NoteError(f"signature line {number} has no valid key name")
        raw = b64decode(b64)
        if raw is None or len(raw) < 5:
            raise NoteError(f"signature line {number} is not canonical base64 of a key ID and signature")
        if name != key.name or raw[:4] != key.key_id:
            continue  # someone else's signature (a witness, a rotated key): ignored
        try:
            public.verify(raw[4:], message)
        except InvalidSignature:
            raise SignatureError(f"signature by {key.name}+{key.key_id.hex()} does not verify") from None
        verified = True
    if not verified:
        raise SignatureError(f"no signature by {key.name}+{key.key_id.hex()}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint body: ``origin``, tree ``size``, and the 32-byte RFC 6962 ``root``.

    Extension lines are not supported: :meth:`parse` refuses them.
    """

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise CheckpointError("origin must be a non-empty single line")
        if not _is_utf8(self.origin) or _CONTROL.search(self.origin):
            raise CheckpointError("origin contains a control character or invalid Unicode")
        if type(self.size) is not int or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError("size must be an int in 0..2**64-1")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise CheckpointError("root must be 32 bytes")

    def to_text(self) -> str:
        """The note text: three lines, each ending in a newline."""
        return f"{self.origin}\n{self.size}\n{_b64encode(self.root)}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text (already verified); raise :class:`CheckpointError` if malformed."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise CheckpointError("text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("text must have origin, size and root lines")
        if len(lines) > 3:
            raise CheckpointError("extension lines are not accepted")
        origin, size, root_b64 = lines
        if not _TREE_SIZE.match(size):
            raise CheckpointError(f"tree size {size[:30]!r} is not a decimal without leading zeros")
        root = b64decode(root_b64)
        if root is None or len(root) != 32:
            raise CheckpointError("root is not canonical base64 of 32 bytes")
        return cls(origin, int(size), root)


def verify_checkpoint(note: str | bytes, verifier_key: str, origin: str) -> Checkpoint:
    """Verify the note's signature by ``verifier_key``, parse it, and require ``origin``."""
    checkpoint = Checkpoint.parse(verify_note(note, verifier_key))
    if checkpoint.origin != origin:
        raise CheckpointError(f"origin is {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
