"""Key rotation events: the old checkpoint key hands over to a new one (docs/chain-spec.md §7).

A rotation is the chain event ``ledger.key.rotated.v1``; its body carries
``new_public_key`` (a verifier key string), ``effective_size`` (the rotation's seq plus
one) and ``signature``: base64 of the *old* key's Ed25519 signature over::

    commons-ledger key rotation\\n<ledger id>\\n<new verifier key>\\n<effective_size>\\n

A verifier starts from the genesis key and follows the rotations in chain order; a
checkpoint of size ``n`` is checked with the key of the latest rotation whose
``effective_size <= n`` (:class:`KeyHistory`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .checkpoint import b64decode, parse_key
from .errors import KeyFormatError, RotationError, SignatureError

ROTATION_TYPE = "ledger.key.rotated.v1"
ROTATION_HEADER = "commons-ledger key rotation"


def rotation_message(ledger_id: str, new_key: str, effective_size: int) -> bytes:
    """The exact bytes the old key signs to hand over to ``new_key``."""
    return f"{ROTATION_HEADER}\n{ledger_id}\n{new_key}\n{effective_size}\n".encode()


@dataclass(frozen=True)
class Rotation:
    """A verified hand-over: from ``seq + 1`` = ``effective_size`` on, ``new_key`` signs."""

    seq: int
    old_key: str
    new_key: str
    effective_size: int


def verify_rotation(body: Any, current_key: str, ledger_id: str, seq: int) -> Rotation:
    """Check a parsed rotation body at ``seq`` against the key valid before it.

    Raises :class:`RotationError` if a member is missing or of the wrong type, the
    effective size is not ``seq + 1`` or the new key is not the ledger's (its name must
    be the ledger id, as for every checkpoint key); :class:`KeyFormatError` if a key
    string is malformed; :class:`SignatureError` if ``current_key`` did not sign it.
    """
    if not isinstance(body, dict):
        raise RotationError("the body must be a JSON object")
    new_key, effective, signature = (body.get(k) for k in ("new_public_key", "effective_size", "signature"))
    if not isinstance(new_key, str):
        raise RotationError("new_public_key must be a verifier key string")
    if type(effective) is not int or effective != seq + 1:
        raise RotationError(f"effective_size must be the rotation's seq plus one ({seq + 1}), not {effective!r}")
    if not isinstance(signature, str):
        raise RotationError("signature must be a base64 string")
    parsed_new = parse_key(new_key, private=False)
    if parsed_new.name != ledger_id:
        raise RotationError(f"the new key is named {parsed_new.name!r}, not the ledger id {ledger_id!r}")
    old = parse_key(current_key, private=False)
    raw = b64decode(signature)
    if raw is None or len(raw) != 64:
        raise RotationError("signature is not canonical base64 of 64 bytes")
    try:
        Ed25519PublicKey.from_public_bytes(old.material).verify(raw, rotation_message(ledger_id, new_key, effective))
    except ValueError:
        raise KeyFormatError("not an Ed25519 public key") from None
    except InvalidSignature:
        raise SignatureError(
            f"the rotation to {new_key} is not signed by the key valid before it, {current_key}"
        ) from None
    return Rotation(seq, current_key, new_key, effective)


class KeyHistory:
    """The checkpoint keys of one ledger in force order: genesis key, then each rotation.

    ``key_at(n)`` is the key that signs a checkpoint of size ``n``: the latest rotation
    whose ``effective_size <= n``, or the genesis key.
    """

    def __init__(self, genesis_key: str) -> None:
        self.genesis_key = genesis_key
        self.rotations: list[Rotation] = []

    @property
    def current(self) -> str:
        return self.rotations[-1].new_key if self.rotations else self.genesis_key

    def apply(self, body: Any, ledger_id: str, seq: int) -> Rotation:
        """Verify a rotation body against :attr:`current` and record it."""
        rotation = verify_rotation(body, self.current, ledger_id, seq)
        self.rotations.append(rotation)
        return rotation

    def key_at(self, size: int) -> str:
        key = self.genesis_key
        for rotation in self.rotations:
            if rotation.effective_size <= size:
                key = rotation.new_key
        return key

    def keys(self) -> list[tuple[str, int]]:
        """``(key, first size it signs)`` for every key, genesis first (from size 0)."""
        return [(self.genesis_key, 0)] + [(r.new_key, r.effective_size) for r in self.rotations]

    def introduced_at(self, key: str) -> int | None:
        """The first size ``key`` signs, or ``None`` if it is none of this ledger's keys."""
        for candidate, size in self.keys():
            if candidate == key:
                return size
        return None
