"""The checkpoint signer: a key file outside the database and the memory of what it signed.

The signer remembers the last checkpoint it signed in a file beside its key
(``<key>.last-checkpoint``), not in the database: a database restored from a backup,
or a copy of it, carries its own (older) history, and the signer must refuse to sign
a tree that does not extend what it already vouched for. That refusal is what turns a
restored backup into a loud error instead of a silent fork.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ledger_audit.checkpoint import Checkpoint, verify_note
from ledger_audit.errors import VerificationError

from .errors import CheckpointRefused, KeyFileExists, KeyFileMissing
from .signing import generate_signer, sign_checkpoint, sign_manifest, sign_rotation, verifier_key


class KeyRotatedMeanwhile(Exception):
    """Internal: the key file is not the key the chain puts in force at this size; verify again."""


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and its signed note (the text an auditor verifies)."""

    origin: str
    size: int
    root: bytes
    note: str

    def to_dict(self) -> dict:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "note": self.note,
        }


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600 (temp file, fsync, rename)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Signer:
    def __init__(self, key_path: Path, ledger_id: str) -> None:
        self.key_path = Path(key_path)
        self.ledger_id = ledger_id
        self.state_path = self.key_path.with_name(self.key_path.name + ".last-checkpoint")
        self.next_path = self.key_path.with_name(self.key_path.name + ".next")

    def signer_key(self) -> str:
        try:
            return self.key_path.read_text().strip()
        except FileNotFoundError:
            raise KeyFileMissing(str(self.key_path)) from None

    def verifier_key(self) -> str:
        return verifier_key(self.signer_key())

    def last(self) -> Optional[Checkpoint]:
        """The last checkpoint this signer signed, or ``None``."""
        try:
            text = self.state_path.read_text()
        except FileNotFoundError:
            return None
        body = text.split("\n\n", 1)[0] + "\n"
        try:
            return Checkpoint.parse(body)
        except VerificationError as exc:
            raise CheckpointRefused(f"the signer's memory {self.state_path} is unreadable ({exc})") from None

    def last_note(self) -> Optional[str]:
        """The signed note of the last checkpoint this signer signed (``None`` if none)."""
        try:
            return self.state_path.read_text()
        except FileNotFoundError:
            return None

    def sign(
        self, size: int, root: bytes, root_at_last: Optional[bytes], key_in_force: Optional[str] = None
    ) -> SignedCheckpoint:
        """Sign (ledger id, size, root) if it extends the last signed checkpoint.

        ``root_at_last`` is this database's root at the last signed size (``None`` if
        the database is smaller than that): it must equal the remembered root.
        """
        last = self.last()
        if last is not None:
            if size < last.size:
                raise CheckpointRefused(
                    f"this ledger holds {size} events but its signer already signed {last.size}: "
                    "a restored backup or a copy must not fork the log"
                )
            if root_at_last != last.root:
                raise CheckpointRefused(
                    f"this ledger's tree at size {last.size} differs from the one its signer signed: "
                    "the history was rewritten or this is another ledger's copy"
                )
        private = self.signer_key()
        if key_in_force is not None and verifier_key(private) != key_in_force:
            raise KeyRotatedMeanwhile(size)
        note = sign_checkpoint(Checkpoint(self.ledger_id, size, root), private)
        _write_private(self.state_path, note)
        return SignedCheckpoint(self.ledger_id, size, root, note)

    def sign_manifest(self, checkpoint: SignedCheckpoint, manifest_digest: str) -> str:
        """Sign an export manifest's note (docs/chain-spec.md §8) with the key that signed ``checkpoint``.

        Only a manifest note is signed here, never free text: its first line keeps it from
        reading as a checkpoint or a rotation. If the key changed since the checkpoint was
        signed (a rotation committed meanwhile), the two would not verify under one key.
        """
        signer = self.signer_key()
        try:
            verify_note(checkpoint.note, verifier_key(signer))
        except VerificationError:
            raise CheckpointRefused(
                "the signing key changed since the export's checkpoint was signed (a key rotation?): export again"
            ) from None
        return sign_manifest(Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root), manifest_digest, signer)

    def prepare_rotation(self, effective_size: int) -> tuple[str, str]:
        """Create the next key (kept in ``<key>.next`` until the rotation commits).

        Returns ``(new verifier key, base64 signature by the current key)``.
        """
        if self.next_path.exists():
            signer, new_key = self.next_path.read_text().strip(), None
            new_key = verifier_key(signer)
        else:
            signer, new_key = generate_signer(self.ledger_id)
            _write_private(self.next_path, signer + "\n")
        return new_key, sign_rotation(self.signer_key(), self.ledger_id, new_key, effective_size)

    def finish_rotation(self, current_key: str) -> None:
        """After the rotation event committed: retire the old key file and install the new one.

        Safe to call again after a crash: it only acts when ``<key>.next`` holds the key
        the chain now names.
        """
        if not self.next_path.exists():
            return
        if verifier_key(self.next_path.read_text().strip()) != current_key:
            return
        retired = self.key_path.with_name(f"{self.key_path.name}.retired-{self.verifier_key().split('+')[1]}")
        if retired.exists():
            raise KeyFileExists(str(retired))
        os.replace(self.key_path, retired)
        os.replace(self.next_path, self.key_path)
