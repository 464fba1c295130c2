"""The auditor's side of the commons ledger: stdlib and ``cryptography`` only.

Everything here works from exported files and a public key; nothing imports the
ledger itself, eventsourcing or pluggy, so an auditor can read all of it. Nothing here
signs: signing is the ledger's (``ledger.signing``). :mod:`ledger_audit.reference` is the
spec read plainly (``verify_export(..., reference=True)``); :mod:`ledger_audit.export`
is the verifier with its speed-ups (:mod:`ledger_audit.shapes`, the fast paths of
:mod:`~ledger_audit.canonical`, :mod:`~ledger_audit.chain` and
:mod:`~ledger_audit.export_files`).
"""

from .canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical
from .chain import (
    FORMAT_VERSION,
    GENESIS_PREV,
    GENESIS_TYPE,
    ChainVerifier,
    Leaf,
    body_hash,
    leaf_hash,
    make_leaf,
    parse_leaf,
    verify_chain,
)
from .checkpoint import (
    Checkpoint,
    key_id,
    verifier_key,
    verify_checkpoint,
    verify_note,
)
from .conservation import ConservationReport, UnitTotals
from .errors import (
    EXPORT_KINDS,
    CanonicalFormError,
    ChainError,
    CheckpointError,
    ConservationError,
    ConsistencyFileError,
    DerivedMismatch,
    ExportError,
    ExportFileError,
    GenesisBodyError,
    KeyFormatError,
    ManifestMissing,
    NoteError,
    ProofError,
    ReceiptError,
    RootMismatch,
    RotationError,
    SignatureError,
    VerificationError,
)
from .export import ExportReport, KeyUse, verify_export
from .receipts import Consistency, Receipt, verify_consistency_file, verify_receipt
from .rfc6962 import (
    EMPTY_ROOT,
    CompactRange,
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
from .rotation import KeyHistory, Rotation, rotation_message, verify_rotation

__all__ = [
    "EMPTY_ROOT",
    "FORMAT_VERSION",
    "GENESIS_PREV",
    "GENESIS_TYPE",
    "MAX_SAFE_INTEGER",
    "CanonicalFormError",
    "ChainError",
    "ChainVerifier",
    "Checkpoint",
    "CheckpointError",
    "CompactRange",
    "KeyFormatError",
    "Leaf",
    "NoteError",
    "ProofError",
    "RootMismatch",
    "SignatureError",
    "VerificationError",
    "body_hash",
    "canonical_bytes",
    "consistency_proof",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "make_leaf",
    "parse_canonical",
    "parse_leaf",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "verifier_key",
    "verify_chain",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
    # exports, receipts, rotations (docs/chain-spec.md §7-§10)
    "EXPORT_KINDS",
    "ConservationError",
    "ConservationReport",
    "Consistency",
    "ConsistencyFileError",
    "DerivedMismatch",
    "ExportError",
    "ExportFileError",
    "ExportReport",
    "GenesisBodyError",
    "KeyHistory",
    "KeyUse",
    "ManifestMissing",
    "Receipt",
    "ReceiptError",
    "Rotation",
    "RotationError",
    "UnitTotals",
    "rotation_message",
    "verify_consistency_file",
    "verify_export",
    "verify_receipt",
    "verify_rotation",
]
