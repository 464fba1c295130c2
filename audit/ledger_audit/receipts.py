"""Receipts and consistency files (docs/chain-spec.md §9), verified offline with one key.

A **receipt** proves one event is in the signed ledger: its leaf, its body (or
``null``), an RFC 9162 inclusion proof and the signed checkpoint it leads to. A
**consistency file** holds an RFC 9162 consistency proof between two checkpoint sizes;
with the two signed notes it proves the newer tree extends the older one.

Both raise :class:`~ledger_audit.errors.ReceiptError` or
:class:`~ledger_audit.errors.ConsistencyFileError`, which carry a §10 kind:
``malformed`` (not the documented JSON, a bad hash length, a wrong proof length),
``bad-signature`` (a checkpoint not signed by the key), ``edited`` (the leaf or body is
not what the signed root covers), ``truncated`` (the "newer" checkpoint is smaller)
and ``fork`` (same size with other roots, or a proof that does not join the roots).

The key: checkpoints are signed by the key valid at their size (§7, "Key rotation").
A receipt or a consistency file carries no rotation events, so the caller passes the
key for each checkpoint (``verify_export``'s report lists them by size).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from .canonical import parse_canonical
from .chain import Leaf, body_hash, leaf_hash, parse_leaf
from .checkpoint import Checkpoint, b64decode, verify_checkpoint, verify_note
from .errors import (
    CanonicalFormError,
    ChainError,
    CheckpointError,
    ConsistencyFileError,
    ExportError,
    KeyFormatError,
    NoteError,
    ProofError,
    ReceiptError,
    RootMismatch,
    SignatureError,
)
from .events import NEVER_WITHHELD
from .rfc6962 import verify_consistency, verify_inclusion

RECEIPT_FORMAT = "commons-ledger-receipt/1"
CONSISTENCY_FORMAT = "commons-ledger-consistency/1"
RECEIPT_MEMBERS = frozenset({"format", "seq", "leaf", "body", "size", "inclusion", "checkpoint"})
CONSISTENCY_MEMBERS = frozenset({"format", "size1", "size2", "proof"})
MAX_PROOF_HASHES = 64  # RFC 9162 trees of up to 2**64 leaves need at most 64 (+1) hashes


@dataclass(frozen=True)
class Receipt:
    """A verified receipt: event ``seq`` (``leaf``, ``body`` or ``None``) is in ``checkpoint``."""

    seq: int
    leaf: Leaf
    leaf_bytes: bytes
    body: Optional[bytes]
    checkpoint: Checkpoint


@dataclass(frozen=True)
class Consistency:
    """A verified consistency file: ``new`` extends ``old``."""

    old: Checkpoint
    new: Checkpoint


def _refuse(text: str) -> Any:
    raise ValueError(f"{text} is not an integer")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate member {key!r}")
        out[key] = value
    return out


_decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_float=_refuse, parse_constant=_refuse)


def _load(document: Any, what: str, members: frozenset[str], error: type[ExportError]) -> dict:
    """Parse a receipt or consistency file (text, bytes, or an already parsed dict)."""
    if isinstance(document, (bytes, bytearray)):
        try:
            document = bytes(document).decode("utf-8")
        except UnicodeDecodeError:
            raise error("malformed", None, f"the {what} is not UTF-8") from None
    if isinstance(document, str):
        try:
            document = _decoder.decode(document)
        except (ValueError, RecursionError) as exc:
            raise error("malformed", None, f"the {what} is not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise error("malformed", None, f"the {what} must be a JSON object")
    if document.keys() != members:
        raise error("malformed", None, f"the {what} must have exactly the members {sorted(members)}")
    return document


def _hashes(proof: Any, seq: Optional[int], error: type[ExportError]) -> list[bytes]:
    if not isinstance(proof, list) or len(proof) > MAX_PROOF_HASHES:
        raise error("malformed", seq, f"the proof must be a list of at most {MAX_PROOF_HASHES} base64 hashes")
    out = []
    for i, item in enumerate(proof):
        raw = b64decode(item) if isinstance(item, str) else None
        if raw is None or len(raw) != 32:
            raise error("malformed", seq, f"proof hash {i} is not canonical base64 of 32 bytes")
        out.append(raw)
    return out


def _size(value: Any, name: str, error: type[ExportError]) -> int:
    if type(value) is not int or not 0 <= value < 2**64:
        raise error("malformed", None, f"{name} must be an integer from 0 to 2**64 - 1")
    return value


def _checkpoint(note: Any, key: str, origin: Optional[str], what: str, error: type[ExportError]) -> Checkpoint:
    if not isinstance(note, (str, bytes, bytearray)):
        raise error("malformed", None, f"{what} must be a signed note")
    try:
        if origin is None:  # the caller checks the origin against the leaf
            checkpoint = Checkpoint.parse(verify_note(note, key))
        else:
            checkpoint = verify_checkpoint(note, key, origin)
    except SignatureError as exc:
        raise error("bad-signature", None, f"{what}: {exc.reason}") from None
    except KeyFormatError:
        raise
    except (NoteError, CheckpointError) as exc:
        raise error("malformed", None, f"{what}: {exc}") from None
    return checkpoint


def verify_receipt(receipt: str | bytes | dict, verifier_key: str) -> Receipt:
    """Check a receipt (§9) with the key valid at its checkpoint's size; return what it proves.

    Raises :class:`ReceiptError` (kinds in the module docstring), or
    :class:`~ledger_audit.errors.KeyFormatError` if ``verifier_key`` is not a key.
    """
    doc = _load(receipt, "receipt", RECEIPT_MEMBERS, ReceiptError)
    if doc["format"] != RECEIPT_FORMAT:
        raise ReceiptError("malformed", None, f"the receipt's format is not {RECEIPT_FORMAT!r}")
    seq, size = _size(doc["seq"], "seq", ReceiptError), _size(doc["size"], "size", ReceiptError)
    if not isinstance(doc["leaf"], str) or not (doc["body"] is None or isinstance(doc["body"], str)):
        raise ReceiptError("malformed", seq, "leaf must be a string and body a string or null")
    try:
        leaf_bytes = doc["leaf"].encode("utf-8")
        body = None if doc["body"] is None else doc["body"].encode("utf-8")
    except UnicodeEncodeError:
        raise ReceiptError("edited", seq, "the leaf or body is not valid Unicode") from None
    proof = _hashes(doc["inclusion"], seq, ReceiptError)
    checkpoint = _checkpoint(doc["checkpoint"], verifier_key, None, "the receipt's checkpoint", ReceiptError)
    if checkpoint.size != size:
        raise ReceiptError("malformed", seq, f"the receipt says size {size}; its checkpoint signs {checkpoint.size}")
    if seq >= size:
        raise ReceiptError("malformed", seq, f"seq {seq} is not below the checkpoint's size {size}")
    try:
        leaf = parse_leaf(leaf_bytes, seq)
    except ChainError as exc:
        raise ReceiptError("edited", seq, exc.reason) from None
    if leaf.seq != seq:
        raise ReceiptError("edited", seq, f"the leaf says seq {leaf.seq}, the receipt {seq}")
    if leaf.ledger != checkpoint.origin:
        raise ReceiptError(
            "edited", seq, f"the leaf names ledger {leaf.ledger!r}; the checkpoint {checkpoint.origin!r}"
        )
    if body is not None and body_hash(body) != leaf.body_hash:
        raise ReceiptError("edited", seq, "the body does not hash to the leaf's body_hash")
    try:
        verify_inclusion(leaf_hash(leaf_bytes), seq, size, proof, checkpoint.root)
    except RootMismatch:
        raise ReceiptError(
            "edited",
            seq,
            "the inclusion proof of this leaf does not lead to the signed root: the leaf or the proof was changed",
        ) from None
    except ProofError as exc:
        raise ReceiptError("malformed", seq, f"inclusion proof: {exc.reason}") from None
    _check_body(seq, leaf, body)
    return Receipt(seq, leaf, leaf_bytes, body, checkpoint)


def _check_body(seq: int, leaf: Leaf, body: Optional[bytes]) -> None:
    """§3 for the body of a leaf the signed root covers: a canonical object, or withheld where it may be."""
    if body is None:
        if leaf.type in NEVER_WITHHELD:
            raise ReceiptError("malformed", seq, f"the body of a {leaf.type} event is withheld; it never may be (§3)")
        return
    try:
        value = parse_canonical(body)
    except CanonicalFormError as exc:
        raise ReceiptError("edited", seq, f"the body hashes right but is not canonical JSON ({exc.rule})") from None
    if not isinstance(value, dict):
        raise ReceiptError("malformed", seq, "the body is not a JSON object (§3)")


def verify_consistency_file(
    old_note: str | bytes,
    new_note: str | bytes,
    proof_file: str | bytes | dict,
    verifier_key: str,
    *,
    old_key: Optional[str] = None,
) -> Consistency:
    """Check that the checkpoint ``new_note`` extends ``old_note`` by the proof in ``proof_file``.

    ``verifier_key`` verifies the new checkpoint, ``old_key`` (default: the same) the old
    one, when a rotation lies between them. Raises :class:`ConsistencyFileError`.
    """
    error = ConsistencyFileError
    doc = _load(proof_file, "consistency file", CONSISTENCY_MEMBERS, error)
    if doc["format"] != CONSISTENCY_FORMAT:
        raise error("malformed", None, f"the consistency file's format is not {CONSISTENCY_FORMAT!r}")
    size1, size2 = _size(doc["size1"], "size1", error), _size(doc["size2"], "size2", error)
    proof = _hashes(doc["proof"], None, error)
    new = _checkpoint(new_note, verifier_key, None, "the new checkpoint", error)
    old = _checkpoint(old_note, verifier_key if old_key is None else old_key, new.origin, "the old checkpoint", error)
    if old.size > new.size:
        raise error("truncated", new.size, f"the new checkpoint signs {new.size} events, the old one {old.size}")
    if (size1, size2) != (old.size, new.size):
        raise error(
            "malformed", None, f"the file proves {size1} -> {size2}; the checkpoints are {old.size} -> {new.size}"
        )
    if old.size == new.size:
        if old.root != new.root:
            raise error("fork", None, f"two signed checkpoints of size {old.size} with different roots")
        if proof:
            raise error("malformed", None, "checkpoints of one size need an empty proof")
        return Consistency(old, new)
    if old.size == 0:
        raise error("malformed", None, "a consistency proof from the empty tree proves nothing (§6)")
    try:
        verify_consistency(old.size, new.size, proof, old.root, new.root)
    except RootMismatch:
        raise error(
            "fork", None, f"the proof does not show the tree of {new.size} extends the signed tree of {old.size}"
        ) from None
    except ProofError as exc:
        raise error("malformed", None, f"consistency proof: {exc.reason}") from None
    return Consistency(old, new)
