"""The body rules of docs/chain-spec.md §3, in exports (on both walk paths) and in receipts.

A present body is the canonical JSON of an object; a withheld one is written ``null``, which
therefore never is a body; genesis, key rotations and scheme registrations are never withheld.
"""

from __future__ import annotations

import json
from pathlib import Path

import ledger_audit.export as export
import pytest
from exportkit import ExportKit, community, stream_id
from ledger_audit import ExportError, ReceiptError, verify_export, verify_receipt
from ledger_audit.events import NEVER_WITHHELD, SCHEME_REGISTERED

from ledger.signing import verifier_key

FACT = "ledger.fact.recorded.v1"
BLOCKS = (1, 3, 512)


def outcomes(kit: ExportKit, tmp_path: Path, **kwargs) -> set[object]:
    directory = kit.write(tmp_path / "e")
    found = set()
    for block in BLOCKS:
        saved, export.BLOCK = export.BLOCK, block
        try:
            found.add(verify_export(directory, kit.genesis_key, **kwargs).size)
        except ExportError as exc:
            found.add((exc.kind, exc.seq))
        finally:
            export.BLOCK = saved
    return found


def padded(kit: ExportKit, count: int = 4) -> ExportKit:
    for i in range(count):
        kit.append(FACT, stream_id("fact", f"pad{kit.size}-{i}"), {"data": {"i": i}})
    return kit


@pytest.mark.parametrize("body", [b"[]", b'[{"a":1}]', b'"text"', b"12", b"true", b"false"])
def test_a_body_that_is_not_an_object_is_malformed(tmp_path, body):
    kit = padded(ExportKit())
    seq = kit.append(FACT, stream_id("fact", "odd"), body)
    padded(kit)
    assert outcomes(kit, tmp_path) == {("malformed", seq)}
    assert outcomes(kit, tmp_path, conservation=True) == {("malformed", seq)}


def test_a_transfer_body_that_is_not_an_object_is_malformed_with_conservation(tmp_path):
    kit = padded(ExportKit())
    seq = kit.append("ledger.transfer.recorded.v1", stream_id("transfer", "odd"), b"[1]")
    assert outcomes(kit, tmp_path, conservation=True) == {("malformed", seq)}


def test_null_on_a_body_line_is_withheld_whatever_the_leaf_hashes(tmp_path):
    """No body is the JSON null, so a leaf whose body_hash is SHA-256("null") has a withheld body:
    the line ``null`` is not checked against it (§3)."""
    kit = padded(ExportKit())
    seq = kit.append(FACT, stream_id("fact", "null"), b"null", withheld=True)
    padded(kit)
    assert outcomes(kit, tmp_path) == {kit.size}
    report = verify_export(kit.write(tmp_path / "again"), kit.genesis_key)
    assert report.withheld == 1
    assert json.loads((tmp_path / "again" / "manifest.json").read_text())["withheld"] == [seq]


@pytest.mark.parametrize(
    "append",
    [
        lambda kit: kit.append("ledger.fact.recorded.v1", stream_id("fact", "f"), {"data": {}}, withheld=True),
        lambda kit: kit.account("carol", "time", "Carol", withheld=True),
        lambda kit: kit.transfer("t9", "time:issuer", "carol", 5, "minutes", withheld=True),
        lambda kit: kit.append("ledger.account.closed.v1", stream_id("account", "carol"), {"reason": ""}, withheld=True),
    ],
    ids=["fact", "account", "transfer", "closing"],
)
def test_other_bodies_may_be_withheld(tmp_path, append):
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.account("carol", "time", "Carol")
    append(kit)
    assert outcomes(kit, tmp_path) == {kit.size}


def test_a_withheld_scheme_registration_is_malformed_even_without_conservation(tmp_path):
    kit = padded(ExportKit())
    seq = kit.scheme("time", "minutes")
    kit.withheld.add(seq)
    padded(kit)
    assert outcomes(kit, tmp_path) == {("malformed", seq)}
    assert outcomes(kit, tmp_path, conservation=True) == {("malformed", seq)}


def test_the_bodies_that_may_never_be_withheld():
    assert {"ledger.genesis.v1", "ledger.key.rotated.v1", SCHEME_REGISTERED} == NEVER_WITHHELD


# --- receipts ----------------------------------------------------------------------------

KIT = community()


def _receipt_rejects(document: dict, key: str) -> ReceiptError:
    with pytest.raises(ReceiptError) as info:
        verify_receipt(document, key)
    return info.value


@pytest.mark.parametrize("seq", [0, 1, 16])  # genesis, a scheme registration, the rotation
def test_a_receipt_may_not_withhold_a_body_that_is_never_withheld(seq):
    document = KIT.receipt(seq) | {"body": None}
    error = _receipt_rejects(document, verifier_key_at(KIT.size))
    assert (error.kind, error.seq) == ("malformed", seq)
    assert error.reason.endswith("is withheld; it never may be (§3)")


def test_a_receipt_whose_body_is_not_a_canonical_object_is_refused():
    kit = ExportKit()
    odd = kit.append(FACT, stream_id("fact", "odd"), b"[1,2]")
    loose = kit.append(FACT, stream_id("fact", "loose"), b'{"b":1, "a":2}')
    error = _receipt_rejects(kit.receipt(odd), kit.genesis_key)
    assert (error.kind, error.seq, error.reason) == ("malformed", odd, "the body is not a JSON object (§3)")
    error = _receipt_rejects(kit.receipt(loose), kit.genesis_key)
    assert (error.kind, error.seq) == ("edited", loose) and "not canonical" in error.reason


def test_a_receipt_with_a_withheld_body_verifies():
    receipt = verify_receipt(KIT.receipt(4), verifier_key_at(KIT.size))
    assert receipt.body is None


def verifier_key_at(size: int) -> str:
    return verifier_key(KIT.signer_at(size))
