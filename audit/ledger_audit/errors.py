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


class GenesisBodyError(ChainError):
    """The genesis leaf's body is withheld or does not say what §4 requires (the ledger id, its key).

    A :class:`ChainError` at seq 0, so the operator's self-check stops there too; an export's
    verifier reports it as ``malformed`` (the body is what the leaf commits to, and breaks a rule).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


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


#: The failure kinds of docs/chain-spec.md §10, in the order the table lists them.
EXPORT_KINDS = (
    "edited",
    "deleted",
    "inserted",
    "reordered",
    "truncated",
    "bad-signature",
    "rewritten",
    "fork",
    "malformed",
)


class ExportError(VerificationError):
    """An export directory, receipt or consistency file fails: ``kind`` at ``seq``.

    ``kind`` is one of :data:`EXPORT_KINDS` (docs/chain-spec.md §10); ``seq`` is the first
    bad sequence number, or ``None`` for a whole-file failure (a checkpoint signature,
    a root, a fork).
    """

    def __init__(self, kind: str, seq: int | None, reason: str) -> None:
        if kind not in self._kinds():
            raise ValueError(f"unknown failure kind {kind!r}")
        self.kind = kind
        self.seq = seq
        self.reason = reason
        where = "" if seq is None else f" at seq {seq}"
        super().__init__(f"{kind}{where}: {reason}")

    @classmethod
    def _kinds(cls) -> tuple[str, ...]:
        return EXPORT_KINDS

    def to_dict(self) -> dict:
        """The CLI's ``--json`` failure report."""
        return {"ok": False, "kind": self.kind, "seq": self.seq, "reason": self.reason}


class ConservationError(ExportError):
    """Replaying the published bodies breaks double entry at ``seq`` (kind ``"unbalanced"``).

    Raised only when conservation is asked for. The chain itself is authentic; what it
    records is not a balanced ledger. §10 has no kind for this, hence one of its own.
    """

    KIND = "unbalanced"

    def __init__(self, seq: int | None, reason: str) -> None:
        super().__init__(self.KIND, seq, reason)

    @classmethod
    def _kinds(cls) -> tuple[str, ...]:
        return (cls.KIND,)


class ReceiptError(ExportError):
    """A receipt (docs/chain-spec.md §9) does not prove its event is in the signed ledger."""


class ConsistencyFileError(ExportError):
    """A consistency file and two checkpoints do not prove the newer tree extends the older."""


class ExportFileError(ExportError):
    """A file of an export is not what its signed manifest lists (docs/chain-spec.md §8); ``file`` names it.

    ``kind`` is ``edited`` (its SHA-256 is not the listed one), ``deleted`` (listed, but
    missing), ``inserted`` (in the directory, but not listed) or ``malformed`` (not a
    regular file, or unreadable as what it must be). ``file`` is the path inside the
    export directory, with ``/`` separators.
    """

    def __init__(self, kind: str, file: str, reason: str) -> None:
        self.file = file
        super().__init__(kind, None, f"{file}: {reason}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": self.file}


class DerivedMismatch(ExportFileError):
    """A core derived file differs from what the export's leaves and bodies give (kind ``"derived"``, §8).

    Names the ``file``, the ``table``, the row by its ``key`` (``None`` for the table's
    shape: a missing table, its columns, a CSV header), the ``column`` and the
    ``expected`` and ``found`` values (``None`` for a row that is missing or extra).
    """

    KIND = "derived"

    def __init__(self, file: str, table: str, key: object, column: str, expected: object, found: object) -> None:
        self.table, self.key, self.column, self.expected, self.found = table, key, column, expected, found
        row = "" if key is None else f", row {key!r}"
        super().__init__(self.KIND, file, f"table {table}{row}, {column}: expected {expected!r}, found {found!r}")

    @classmethod
    def _kinds(cls) -> tuple[str, ...]:
        return (cls.KIND,)

    def to_dict(self) -> dict:
        extra = {"table": self.table, "key": self.key, "column": self.column}
        return {**super().to_dict(), **extra, "expected": self.expected, "found": self.found}


class ManifestMissing(ExportError):
    """The export has no signed manifest (kind ``"unsigned"``, §8): nothing binds its other files.

    An export written before manifests were signed verifies only when the auditor says
    so (``legacy=True``, ``ledger-audit verify --legacy``), and then only its chain files.
    """

    KIND = "unsigned"

    def __init__(self, reason: str) -> None:
        super().__init__(self.KIND, None, reason)

    @classmethod
    def _kinds(cls) -> tuple[str, ...]:
        return (cls.KIND,)


class RotationError(VerificationError):
    """A ``ledger.key.rotated.v1`` body is malformed (docs/chain-spec.md §7, "Key rotation")."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"bad key rotation: {reason}")
