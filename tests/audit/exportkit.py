"""An export writer built from docs/chain-spec.md alone: the spec's independent reference.

It uses only ``ledger_audit`` primitives (canonical JSON, leaf bytes, leaf hashes, the
RFC 6962 tree, signed checkpoints) and builds the key-rotation signature from the
spec's text with ``cryptography`` directly, so the verifier's own rotation code is not
what writes the fixtures it is tested on. The lead's integration tests run the
verifier on real ``ledger export`` output; this kit writes what the spec says.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Optional

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_audit import (
    Checkpoint,
    body_hash,
    canonical_bytes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    make_leaf,
    root_from_leaf_hashes,
)

from ledger.signing import generate_signer, sign_checkpoint, verifier_key

LEDGER = "kit.commons-ledger.local/audit"
NAMESPACE = uuid.UUID("6f0b1a52-0c3e-4b8e-9a57-2d1c4e5f6a7b")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def stream_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def rotation_signature(old_signer: str, ledger_id: str, new_key: str, effective_size: int) -> str:
    """§7: base64 of the old key's Ed25519 signature over the rotation message, from the spec's text."""
    # PRIVATE+KEY+<name>+<keyid>+<base64(0x01 || seed)>; the name holds no '+'.
    material = base64.b64decode(old_signer.split("+", 4)[4])
    assert material[0] == 1 and len(material) == 33
    message = f"commons-ledger key rotation\n{ledger_id}\n{new_key}\n{effective_size}\n".encode()
    return b64(Ed25519PrivateKey.from_private_bytes(material[1:]).sign(message))


class ExportKit:
    """Append events as the spec describes, then write an export directory, receipts and proofs."""

    def __init__(self, ledger_id: str = LEDGER, signer: Optional[str] = None) -> None:
        self.ledger_id = ledger_id
        self.signer = signer or generate_signer(ledger_id)[0]
        self.genesis_key = verifier_key(self.signer)
        self.signers: list[tuple[int, str]] = [(0, self.signer)]  # (effective size, signer key)
        self.leaves: list[bytes] = []
        self.bodies: list[bytes] = []
        self.hashes: list[bytes] = []
        self.withheld: set[int] = set()
        self._versions: dict[str, int] = {}
        self.units: dict[str, str] = {}  # scheme -> unit, for the accounts opened in it
        self.append(
            "ledger.genesis.v1",
            stream_id("genesis", ledger_id),
            {"format": 1, "ledger_id": ledger_id, "public_key": self.genesis_key},
        )

    # -- events --------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.leaves)

    def append(
        self,
        etype: str,
        stream: str,
        content: Any,
        *,
        withheld: bool = False,
        ts: Optional[str] = None,
        version: Optional[int] = None,
    ) -> int:
        """Append an event; ``version`` defaults to the stream's next (§2), as a writer numbers them."""
        seq = len(self.leaves)
        body = content if isinstance(content, bytes) else canonical_bytes(content)
        version = self._versions.get(stream, 0) + 1 if version is None else version
        self._versions[stream] = version
        ts = ts or (T0 + timedelta(microseconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        prev = self.hashes[-1].hex() if self.hashes else "0" * 64
        leaf = make_leaf(
            ledger=self.ledger_id,
            seq=seq,
            prev=prev,
            ts=ts,
            type=etype,
            stream=stream,
            version=version,
            body_hash=body_hash(body),
        )
        self.leaves.append(leaf)
        self.bodies.append(body)
        self.hashes.append(leaf_hash(leaf))
        if withheld:
            self.withheld.add(seq)
        return seq

    def scheme(self, name: str, unit: str) -> int:
        """§3.1: a registration, which opens the issuer ``<name>:issuer`` in ``unit`` (§10)."""
        content = {
            "name": name,
            "kind": "basic",
            "unit": unit,
            "step": 1,
            "floor": -600,
            "ceiling": 3000,
            "issuer": f"{name}:issuer",
        }
        self.units[name] = unit
        return self.append("ledger.scheme.registered.v1", stream_id("scheme", name), content)

    def account(
        self, name: str, scheme: str, owner: str, *, withheld: bool = False, unit: Optional[str] = None
    ) -> int:
        """§3.1: an opening in ``scheme``, in its unit unless ``unit`` says otherwise."""
        content = {
            "account_id": name,
            "scheme": scheme,
            "unit": unit or self.units.get(scheme, "?"),
            "owner": owner,
            "floor": None,
            "ceiling": None,
        }
        return self.append("ledger.account.opened.v1", stream_id("account", name), content, withheld=withheld)

    def transfer(self, transfer_id: str, debit: str, credit: str, amount: Any, unit: str, **kw: Any) -> int:
        content = {
            "transfer_id": transfer_id,
            "debit": debit,
            "credit": credit,
            "amount": amount,
            "unit": unit,
            "code": "",
            "memo": kw.pop("memo", ""),
            "details": {},
            "request_id": None,
            "reverses": None,
        }
        return self.append("ledger.transfer.recorded.v1", stream_id("transfer", transfer_id), content, **kw)

    def place_hold(self, hold_id: str, debit: str, credit: str, amount: int, unit: str, **kw: Any) -> int:
        content = {
            "hold_id": hold_id,
            "debit": debit,
            "credit": credit,
            "amount": amount,
            "unit": unit,
            "code": "",
            "memo": "",
            "details": {},
            "expires_at": None,
            "request_id": None,
        }
        return self.append("ledger.hold.placed.v1", stream_id("hold", hold_id), content, **kw)

    def post_hold(self, hold_id: str, amount: int, released: int, **kw: Any) -> int:
        content = {"amount": amount, "released": released, "request_id": None}
        return self.append("ledger.hold.posted.v1", stream_id("hold", hold_id), content, **kw)

    def void_hold(self, hold_id: str, **kw: Any) -> int:
        content = {"reason": "cancelled", "request_id": None}
        return self.append("ledger.hold.voided.v1", stream_id("hold", hold_id), content, **kw)

    def expire_hold(self, hold_id: str, **kw: Any) -> int:
        content = {"expired_at": {"_type_": "datetime_iso", "_data_": "2026-03-02T09:00:00+00:00"}}
        return self.append("ledger.hold.expired.v1", stream_id("hold", hold_id), content, **kw)

    def rotate_key(self, *, sign_with: Optional[str] = None, new_signer: Optional[str] = None) -> str:
        """Append a rotation to a new key (signed by the current one unless ``sign_with``); return its signer."""
        new_signer = new_signer or generate_signer(self.ledger_id)[0]
        new_key = verifier_key(new_signer)
        effective = self.size + 1
        content = {
            "new_public_key": new_key,
            "effective_size": effective,
            "signature": rotation_signature(sign_with or self.current_signer, self.ledger_id, new_key, effective),
        }
        self.append("ledger.key.rotated.v1", stream_id("genesis", self.ledger_id), content)
        self.signers.append((effective, new_signer))
        return new_signer

    @property
    def current_signer(self) -> str:
        return self.signers[-1][1]

    def signer_at(self, size: int) -> str:
        return [signer for effective, signer in self.signers if effective <= size][-1]

    # -- what an auditor receives -----------------------------------------------------------

    def root(self, size: Optional[int] = None) -> bytes:
        return root_from_leaf_hashes(self.hashes[: self.size if size is None else size])

    def checkpoint(self, size: Optional[int] = None, *, signer: Optional[str] = None) -> str:
        size = self.size if size is None else size
        return sign_checkpoint(Checkpoint(self.ledger_id, size, self.root(size)), signer or self.signer_at(size))

    def write(
        self,
        directory: Path,
        *,
        size: Optional[int] = None,
        checkpoint: Optional[str] = None,
        manifest: bool = True,
        public: bool = True,
        signed: bool = True,
    ) -> Path:
        """Write leaves.jsonl, bodies.jsonl, checkpoint.txt, manifest.json and manifest.sig (§8) for ``size`` events.

        ``manifest=False`` writes neither manifest file; ``signed=False`` writes a format-1
        manifest (what exports held before manifests were signed) and no signature.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        size = self.size if size is None else size
        hidden = {seq for seq in self.withheld if seq < size} if public else set()
        (directory / "leaves.jsonl").write_bytes(b"".join(leaf + b"\n" for leaf in self.leaves[:size]))
        (directory / "bodies.jsonl").write_bytes(
            b"".join((b"null" if seq in hidden else body) + b"\n" for seq, body in enumerate(self.bodies[:size]))
        )
        (directory / "checkpoint.txt").write_text(checkpoint or self.checkpoint(size), encoding="utf-8")
        if manifest:
            files = {
                name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
                for name in ("leaves.jsonl", "bodies.jsonl", "checkpoint.txt")
            }
            data = {
                "format": "commons-ledger-export/2" if signed else "commons-ledger-export/1",
                "ledger": self.ledger_id,
                "size": size,
                "public": public,
                "withheld": sorted(hidden),
                "files": files,
            }
            if not signed:
                (directory / "manifest.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
                return directory
            raw = canonical_bytes(data) + b"\n"  # §8: canonical JSON, then one newline
            (directory / "manifest.json").write_bytes(raw)
            (directory / "manifest.sig").write_text(self.manifest_note(raw, checkpoint, size), encoding="utf-8")
        return directory

    def manifest_note(self, manifest: bytes, checkpoint: Optional[str] = None, size: Optional[int] = None) -> str:
        """§8: the checkpoint's key signs header, origin, size, root and the manifest's SHA-256."""
        size = self.size if size is None else size
        origin, root = self.ledger_id, self.root(size)
        try:  # a test's own checkpoint: the manifest names that one, as the ledger's would
            text = (checkpoint or "").rsplit("\n\n", 1)[0] + "\n"
            origin, size_text, root_b64 = text[:-1].split("\n")
            size, root = int(size_text), base64.b64decode(root_b64)
        except ValueError:
            pass
        text = f"commons-ledger export manifest\n{origin}\n{size}\n{b64(root)}\n"
        text += hashlib.sha256(manifest).hexdigest() + "\n"
        # The signature line of §7's signed note, from the spec's text: key id, then Ed25519.
        signer = self.signer_at(min(size, self.size))
        material = base64.b64decode(signer.split("+", 4)[4])[1:]
        private = Ed25519PrivateKey.from_private_bytes(material)
        public = private.public_key().public_bytes_raw()
        key_id = hashlib.sha256(self.ledger_id.encode() + b"\n\x01" + public).digest()[:4]
        signature = b64(key_id + private.sign(text.encode("utf-8")))
        return f"{text}\n\u2014 {self.ledger_id} {signature}\n"

    def receipt(self, seq: int, size: Optional[int] = None) -> dict:
        """§9 receipt for event ``seq`` in the checkpoint of ``size`` (default: all events)."""
        size = self.size if size is None else size
        return {
            "format": "commons-ledger-receipt/1",
            "seq": seq,
            "leaf": self.leaves[seq].decode("utf-8"),
            "body": None if seq in self.withheld else self.bodies[seq].decode("utf-8"),
            "size": size,
            "inclusion": [b64(h) for h in inclusion_proof(self.hashes, seq, size)],
            "checkpoint": self.checkpoint(size),
        }

    def consistency(self, size1: int, size2: int) -> dict:
        """§9 consistency file from ``size1`` to ``size2``."""
        return {
            "format": "commons-ledger-consistency/1",
            "size1": size1,
            "size2": size2,
            "proof": [b64(h) for h in consistency_proof(self.hashes, size1, size2)],
        }


def community(kit: Optional[ExportKit] = None, *, rotation_signer: Optional[str] = None, t1: int = 120) -> ExportKit:
    """The standard fixture ledger: two units, transfers, every hold ending, a rotation, a withheld body.

    Layout (seq: event)::

        0 genesis            7 transfer minutes       14 hold h3 placed (points)
        1 scheme time        8 transfer points        15 hold h3 expired
        2 scheme carbon      9 hold h1 placed (min)   16 key rotation
        3 account alice     10 hold h1 posted 40/20   17 transfer minutes
        4 account bob (withheld: personal)            18 hold h4 placed (minutes, pending)
        5 account alice.pts 11 hold h2 placed (min)   19 transfer points
        6 account bob.pts   12 hold h2 voided         20 transfer minutes
                            13 transfer minutes
    """
    kit = kit or ExportKit()
    kit.scheme("time", "minutes")
    kit.scheme("carbon", "points")
    kit.account("alice", "time", "Alice")
    kit.account("bob", "time", "Bob", withheld=True)
    kit.account("alice.pts", "carbon", "Alice")
    kit.account("bob.pts", "carbon", "Bob")
    kit.transfer("t1", "time:issuer", "alice", t1, "minutes", memo="welcome \u2028 \U0001f331")
    kit.transfer("t2", "carbon:issuer", "alice.pts", 50, "points")
    kit.place_hold("h1", "alice", "bob", 60, "minutes")
    kit.post_hold("h1", 40, 20)
    kit.place_hold("h2", "alice", "bob", 10, "minutes")
    kit.void_hold("h2")
    kit.transfer("t3", "bob", "alice", 15, "minutes")
    kit.place_hold("h3", "alice.pts", "bob.pts", 5, "points")
    kit.expire_hold("h3")
    kit.rotate_key(new_signer=rotation_signer)
    kit.transfer("t4", "alice", "bob", 30, "minutes")
    kit.place_hold("h4", "bob", "alice", 25, "minutes")
    kit.transfer("t5", "alice.pts", "bob.pts", 7, "points")
    kit.transfer("t6", "time:issuer", "bob", 60, "minutes")
    return kit
