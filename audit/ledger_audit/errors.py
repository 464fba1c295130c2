"""Every way an export can fail verification, as typed exceptions.

A verifier never leaks a foreign exception (``ValueError``, ``KeyError``) on
attacker-controlled input: each parse or check failure is one of these.
"""

from __future__ import annotations


class VerificationError(Exception):
    """Base class: the material does not prove what it claims."""


class CanonicalFormError(VerificationError, ValueError):
    """A value is not in (or cannot be put in) the hashed canonical JSON form."""

    def __init__(self, path: str, rule: str) -> None:
        self.path = path
        self.rule = rule
        super().__init__(f"{path}: {rule}")


class ChainError(VerificationError):
    """The hash chain breaks at ``seq``: the first sequence number that does not verify."""

    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(f"chain breaks at seq {seq}: {reason}")


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof is malformed or does not verify (RFC 9162 §2.1.3-4)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class RootMismatch(ProofError):
    """A well-formed proof leads to ``calculated``, not to the ``expected`` root."""

    def __init__(self, expected: bytes, calculated: bytes) -> None:
        self.expected = expected
        self.calculated = calculated
        super().__init__(f"calculated root {calculated.hex()} does not match expected root {expected.hex()}")


class KeyFormatError(VerificationError):
    """A signed-note signer or verifier key string is malformed (c2sp.org/signed-note)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"bad key: {reason}")


class NoteError(VerificationError):
    """A signed note is not well-formed (c2sp.org/signed-note, "Format")."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"malformed note: {reason}")


class SignatureError(VerificationError):
    """A signed note carries no valid signature by the trusted key, or a bad one by it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class CheckpointError(VerificationError):
    """A checkpoint's text is malformed or names another log (c2sp.org/tlog-checkpoint)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"bad checkpoint: {reason}")
