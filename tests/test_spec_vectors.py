"""docs/vectors/chain.json: the published chain vectors are what the code produces and accepts.

Regenerate (only when the format version changes) with
``python tests/test_spec_vectors.py > docs/vectors/chain.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ledger_audit import ChainError, body_hash, canonical_bytes, leaf_hash, make_leaf, verify_chain

VECTORS = Path(__file__).resolve().parent.parent / "docs" / "vectors" / "chain.json"
LEDGER = "vectors.commons-ledger.local/spec"
BODIES = [
    ("ledger.genesis.v1", "0b4a3a2c-5f4e-5c1e-9d7b-1a2b3c4d5e6f", 1,
     {"ledger_id": LEDGER, "public_key": "vectors.commons-ledger.local/spec+00000000+AQ==", "format": 1}),
    ("ledger.scheme.registered.v1", "7d1e2f30-4a5b-5c6d-8e9f-0a1b2c3d4e5f", 1,
     {"name": "time", "unit": "minutes", "floor": -600, "ceiling": 3000, "issuer": "time:issuer"}),
    ("ledger.transfer.recorded.v1", "9a8b7c6d-5e4f-5a3b-9c2d-1e0f9a8b7c6d", 1,
     {"transfer_id": "t1", "debit": "time:issuer", "credit": "zoë", "amount": 90, "unit": "minutes",
      "code": "", "memo": "bienvenue \u2028 \U0001f331", "request_id": None, "reverses": None}),
]


def build() -> dict:
    leaves, prev = [], "0" * 64
    for seq, (etype, stream, version, content) in enumerate(BODIES):
        body = canonical_bytes(content)
        leaf = make_leaf(ledger=LEDGER, seq=seq, prev=prev, ts=f"2026-01-01T00:00:00.00000{seq}Z",
                         type=etype, stream=stream, version=version, body_hash=body_hash(body))
        prev = leaf_hash(leaf).hex()
        leaves.append({"seq": seq, "leaf": leaf.decode(), "body": body.decode(), "body_hash": body_hash(body),
                       "leaf_hash": prev})
    return {"ledger": LEDGER, "size": len(leaves), "head": prev, "leaves": leaves}


def test_published_vectors_match_the_reference_implementation():
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == build()


def test_published_chain_verifies_and_any_byte_flip_is_rejected():
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    records = [(v["leaf"].encode(), v["body"].encode(), bytes.fromhex(v["leaf_hash"])) for v in data["leaves"]]
    assert verify_chain(records).head == data["head"]
    for seq in range(len(records)):
        for part in (0, 1):
            tampered = list(records)
            flipped = bytearray(tampered[seq][part])
            flipped[len(flipped) // 2] ^= 0x01
            tampered[seq] = tuple(bytes(flipped) if i == part else x for i, x in enumerate(tampered[seq]))
            with pytest.raises(ChainError) as err:
                verify_chain(tampered)
            assert err.value.seq == seq


if __name__ == "__main__":
    json.dump(build(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
