"""Merkle roots and proofs, signed checkpoints, receipts and key rotation, on ``Ledger``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any, Optional

from ledger_audit import VerificationError, leaf_hash, verify_checkpoint

from . import schemas
from .checkpoints import KeyRotatedMeanwhile, SignedCheckpoint, Signer
from .domain import Genesis
from .errors import CheckpointRefused, ValidationError
from .merkle import MerkleView, NodeReader
from .plugins import refuse_inside_hook
from .store.chain import TS_FORMAT
from .store.writeset import WriteSet

RECEIPT_FORMAT = "commons-ledger-receipt/1"
CHECKPOINT_ATTEMPTS = 4
CONSISTENCY_FORMAT = "commons-ledger-consistency/1"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class Proofs:
    """Mixed into ``Ledger``: everything an auditor or a donor asks the operator for."""

    ledger_id: str
    db: str

    def _merkle(self, size: Optional[int] = None) -> MerkleView:
        current = self.size()  # type: ignore[attr-defined]
        return MerkleView(NodeReader(self._rows), current)  # type: ignore[attr-defined]

    def root(self, size: Optional[int] = None) -> bytes:
        """The RFC 6962 Merkle root of the first ``size`` events (default: all of them)."""
        view = self._merkle()
        return view.root(view.size if size is None else size)

    def inclusion_proof(self, seq: int, size: Optional[int] = None) -> list[bytes]:
        """Hashes proving event ``seq`` is in the tree of ``size`` events (RFC 9162 §2.1.3)."""
        view = self._merkle()
        return view.inclusion_proof(seq, view.size if size is None else size)

    def consistency_proof(self, old_size: int, new_size: Optional[int] = None) -> list[bytes]:
        """Hashes proving the tree of ``new_size`` extends the tree of ``old_size`` (§2.1.4)."""
        view = self._merkle()
        return view.consistency_proof(old_size, view.size if new_size is None else new_size)

    # -- checkpoints ---------------------------------------------------------------------

    @property
    def signer(self) -> Signer:
        return Signer(self.key_path, self.ledger_id)  # type: ignore[attr-defined]

    def checkpoint(self) -> SignedCheckpoint:
        """Verify the ledger, then sign a checkpoint of what was verified (or return the stored
        one of that size, if its root is the same).

        Nothing is signed unless :meth:`verify` passes — the chain, the Merkle nodes, what was
        signed before and every read model (``CheckpointRefused`` names the first problem).
        Refused too if the tree does not extend the last checkpoint this ledger's signer
        signed. The key is the current one (after rotations).
        """
        refuse_inside_hook("checkpoint")
        signer = self.signer
        for _ in range(CHECKPOINT_ATTEMPTS):
            signer.finish_rotation(self.public_key)  # type: ignore[attr-defined]
            report, walk = self._verify_walk()  # type: ignore[attr-defined]
            if not report.ok and walk is not None and walk.unstored_memory_only():
                self._store_remembered(signer, walk)
                continue
            if not report.ok:
                where = f" at seq {report.bad_seq}" if report.bad_seq is not None else ""
                raise CheckpointRefused(f"the ledger does not verify{where}: {report.reason}")
            size, root = report.size, bytes.fromhex(report.root)
            last = signer.last()
            if last is not None and last.size > size:
                continue  # another writer's checkpoint went past what this one verified: verify again
            latest = self.latest_checkpoint()
            if last is not None and latest is not None and latest.size == size == last.size:
                if latest.root == root == last.root:
                    return latest
                raise CheckpointRefused(
                    f"the stored checkpoint of size {size} signed another root than this ledger's: "
                    "the history was rewritten at the same size"
                )
            view = self._merkle()
            root_at_last = view.root(last.size) if last is not None and last.size <= size else None
            try:
                signed = signer.sign(size, root, root_at_last, walk.keys.key_at(size) if walk.keys else None)
            except KeyRotatedMeanwhile:
                continue  # a rotation committed while this checkpoint was verified
            self._recorder.insert_checkpoint(  # type: ignore[attr-defined]
                signed.size, signed.root, signed.note, datetime.now(UTC).strftime(TS_FORMAT)
            )
            return signed
        raise CheckpointRefused(
            f"the ledger changed under {CHECKPOINT_ATTEMPTS} attempts to verify and sign it (other checkpoints "
            "or key rotations meanwhile); try again"
        )

    def _store_remembered(self, signer: Signer, walk: Any) -> None:
        """Keep the signer's last checkpoint beside the chain when the database lost it.

        The signer remembers a checkpoint before the database stores it, so a crash between
        the two leaves a note only the signer holds. The walk has checked that the remembered
        root is this chain's at that size; the note is stored only if it is that checkpoint.
        """
        last, note = signer.last(), signer.last_note()
        if last is None or note is None or walk.keys is None:
            return
        try:
            checkpoint = verify_checkpoint(note, walk.keys.key_at(last.size), self.ledger_id)
        except VerificationError:
            raise CheckpointRefused(f"the signer's memory {signer.state_path} is not a checkpoint it signed") from None
        if (checkpoint.size, checkpoint.root) == (last.size, last.root):
            self._recorder.insert_checkpoint(  # type: ignore[attr-defined]
                last.size, last.root, note, datetime.now(UTC).strftime(TS_FORMAT)
            )

    def latest_checkpoint(self) -> Optional[SignedCheckpoint]:
        rows = self._rows("SELECT size, root, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")  # type: ignore[attr-defined]
        return SignedCheckpoint(self.ledger_id, rows[0][0], bytes(rows[0][1]), rows[0][2]) if rows else None

    def _checkpoint_covering(self, size: int) -> SignedCheckpoint:
        latest = self.latest_checkpoint()
        return latest if latest is not None and latest.size >= size else self.checkpoint()

    # -- what a donor or an auditor takes away ---------------------------------------------

    def receipt(self, seq: int) -> dict[str, Any]:
        """A self-contained proof that event ``seq`` is in the signed ledger (chain-spec §9)."""
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < self.size():  # type: ignore[attr-defined]
            raise ValidationError("receipt", {"seq": ["must be the sequence number of a recorded event."]})
        checkpoint = self._checkpoint_covering(seq + 1)
        leaf, body, personal = self._event_bytes(seq)
        proof = self.inclusion_proof(seq, checkpoint.size)
        assert leaf_hash(leaf) == bytes(self._rows("SELECT hash FROM ledger_chain WHERE seq = ?", (seq,))[0][0])  # type: ignore[attr-defined]
        return {
            "format": RECEIPT_FORMAT,
            "seq": seq,
            "leaf": leaf.decode("utf-8"),
            "body": None if personal else body.decode("utf-8"),
            "size": checkpoint.size,
            "inclusion": [b64(h) for h in proof],
            "checkpoint": checkpoint.note,
        }

    def consistency(self, old_size: int, new_size: Optional[int] = None) -> dict[str, Any]:
        """A consistency file (chain-spec §9) from ``old_size`` to ``new_size`` (default: latest checkpoint)."""
        # Checked before anything is signed: a refused request must not leave a checkpoint behind.
        size = self.size()  # type: ignore[attr-defined]
        for name, value in (("old_size", old_size), ("new_size", new_size)):
            if value is None and name == "new_size":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= size:
                raise ValidationError("consistency", {name: [f"must be a tree size from 0 to {size}."]})
        if new_size is not None and new_size < old_size:
            raise ValidationError("consistency", {"new_size": [f"must not be smaller than old_size {old_size}."]})
        if new_size is None:
            new_size = self._checkpoint_covering(max(old_size, 1)).size
        proof = self.consistency_proof(old_size, new_size)
        return {"format": CONSISTENCY_FORMAT, "size1": old_size, "size2": new_size, "proof": [b64(h) for h in proof]}

    def _event_bytes(self, seq: int) -> tuple[bytes, bytes, bool]:
        row = self._rows(  # type: ignore[attr-defined]
            "SELECT c.leaf, e.state, p.seq IS NOT NULL FROM ledger_chain c "
            f"JOIN stored_events e ON e.{self._recorder.event_id} = c.notification_id "  # type: ignore[attr-defined]
            "LEFT JOIN ledger_personal p ON p.seq = c.seq WHERE c.seq = ?",
            (seq,),
        )[0]
        return bytes(row[0]), bytes(row[1]), bool(row[2])

    # -- keys ----------------------------------------------------------------------------

    @property
    def public_key(self) -> str:
        """The verifier key checkpoints are signed with now: genesis's, or the last rotation's."""
        genesis = self._load(Genesis.create_id(self.ledger_id))  # type: ignore[attr-defined]
        return genesis.public_key

    def rotate_key(self, *, request_id: Optional[str] = None) -> dict[str, Any]:
        """Hand checkpoint signing to a new key, with an event in the chain signed by the old one.

        The new key waits in ``<key>.next`` until the event commits, then replaces the key
        file (the old one is kept as ``<key>.retired-<keyid>``).
        """
        args = schemas.load(schemas.RotateKeySchema, "rotate_key", {"request_id": request_id})
        signer = self.signer

        def decide() -> tuple[list[Any], WriteSet]:
            effective = self.size() + 1  # type: ignore[attr-defined]
            new_key, signature = signer.prepare_rotation(effective)
            genesis = self._load(Genesis.create_id(self.ledger_id))  # type: ignore[attr-defined]
            genesis.rotate_key(new_public_key=new_key, effective_size=effective, signature=signature)
            ws = WriteSet()
            ws.expected_seqs[(genesis.id, genesis.version)] = effective - 1
            ws.finish = lambda seqs: {"new_public_key": new_key, "effective_size": effective}
            ws.result_refs = [(genesis.id, genesis.version)]
            return [genesis], ws

        result = self._execute("rotate_key", args, decide)  # type: ignore[attr-defined]
        signer.finish_rotation(self.public_key)
        return result


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
