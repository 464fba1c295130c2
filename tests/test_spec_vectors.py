"""docs/vectors: the published vectors are what their generator writes, and ledger-audit agrees with every case.

``docs/vectors/generate.py`` builds the vectors from docs/chain-spec.md with the standard
library and ``cryptography`` only (no ``ledger_audit``), from fixed seeds. These tests run it
again and compare every byte, check the reference implementation's primitives against its
leaves, roots, proofs, keys and signatures, and run ``ledger-audit`` (the library and the
command line) on every case of ``cases.json``, each with the failure kind and seq the spec says.

Regenerate only when the spec changes: ``python docs/vectors/generate.py``.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import ledger_audit.export as export
import pytest
from ledger_audit import (
    ChainError,
    ExportError,
    body_hash,
    consistency_proof,
    inclusion_proof,
    key_id,
    leaf_hash,
    parse_canonical,
    root_from_leaf_hashes,
    verify_chain,
    verify_checkpoint,
    verify_consistency_file,
    verify_export,
    verify_receipt,
    verify_rotation,
)
from ledger_audit.cli import main as ledger_audit_main
from ledger_audit.rotation import rotation_message

from ledger.signing import verifier_key

VECTORS = Path(__file__).resolve().parent.parent / "docs" / "vectors"
NOT_GENERATED = {"README.md", "generate.py"}


def _generator():
    spec = importlib.util.spec_from_file_location("chain_spec_vectors", VECTORS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


def _json(name: str) -> dict:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in NOT_GENERATED and "__pycache__" not in path.parts
    }


CASES = _json("cases.json")["cases"]


def test_the_published_vectors_are_what_the_generator_writes(tmp_path):
    _generator().main(["--out", str(tmp_path)])
    written, published = _files(tmp_path), _files(VECTORS)
    assert sorted(written) == sorted(published)
    for name, data in written.items():
        assert published[name] == data, f"docs/vectors/{name} differs from what generate.py writes"


# --- the primitives, against the generator's second implementation ------------------------------


def test_published_chain_verifies_and_any_byte_flip_is_rejected():
    data = _json("chain.json")
    records = [(v["leaf"].encode(), v["body"].encode(), bytes.fromhex(v["leaf_hash"])) for v in data["leaves"]]
    assert verify_chain(records).head == data["head"]
    for v in data["leaves"]:
        assert body_hash(v["body"].encode()) == v["body_hash"]
        assert leaf_hash(v["leaf"].encode()).hex() == v["leaf_hash"]
        assert isinstance(parse_canonical(v["body"].encode()), dict)
    for seq in range(len(records)):
        for part in (0, 1):
            tampered = list(records)
            flipped = bytearray(tampered[seq][part])
            flipped[len(flipped) // 2] ^= 0x01
            tampered[seq] = tuple(bytes(flipped) if i == part else x for i, x in enumerate(tampered[seq]))
            with pytest.raises(ChainError) as err:
                verify_chain(tampered)
            assert err.value.seq == seq


def test_the_vector_ledger_has_an_event_of_every_core_type():
    from ledger_audit.events import CORE_TYPES

    types = {json.loads(v["leaf"])["type"] for v in _json("chain.json")["leaves"]}
    assert types == CORE_TYPES


def test_roots_and_proofs_agree_with_rfc6962():
    tree = _json("tree.json")
    hashes = [bytes.fromhex(h) for h in tree["leaf_hashes"]]
    for entry in tree["roots"]:
        root = root_from_leaf_hashes(hashes[: entry["size"]])
        assert root.hex() == entry["root"] and base64.b64encode(root).decode() == entry["root_base64"]
    for case in CASES:
        if case["what"] == "receipt" and case["expect"]["ok"]:
            receipt = json.loads((VECTORS / case["file"]).read_text())
            proof = inclusion_proof(hashes, receipt["seq"], receipt["size"])
            assert [base64.b64encode(h).decode() for h in proof] == receipt["inclusion"]
        if case["what"] == "consistency" and case["expect"]["ok"]:
            document = json.loads((VECTORS / case["proof"]).read_text())
            proof = consistency_proof(hashes, document["size1"], document["size2"])
            assert [base64.b64encode(h).decode() for h in proof] == document["proof"]


def test_keys_checkpoints_and_the_rotation_signature():
    keys = _json("keys.json")["keys"]
    for key in keys.values():
        assert verifier_key(key["signer"]) == key["verifier"]
        name = key["verifier"].split("+", 1)[0]
        assert key_id(name, bytes.fromhex(key["public"])).hex() == key["key_id"]
    assert "+" in keys["genesis"]["verifier"].split("+", 2)[2]  # the split of chain-spec §7 matters
    rotation = _json("rotation.json")
    assert rotation_message(_json("chain.json")["ledger"], rotation["new_key"], rotation["effective_size"]) == (
        rotation["message"].encode()
    )
    body = parse_canonical(rotation["body"].encode())
    assert body["signature"] == rotation["signature"]
    done = verify_rotation(body, keys["genesis"]["verifier"], _json("chain.json")["ledger"], rotation["seq"])
    assert done.new_key == keys["rotated"]["verifier"] == rotation["new_key"]
    roots = {entry["size"]: entry["root"] for entry in _json("tree.json")["roots"]}
    for path in sorted((VECTORS / "checkpoints").glob("size-*.txt")):
        size = int(path.stem.split("-")[1])
        key = keys["genesis" if size <= rotation["seq"] else "rotated"]["verifier"]
        checkpoint = verify_checkpoint(path.read_text(), key, _json("chain.json")["ledger"])
        assert (checkpoint.size, checkpoint.root.hex()) == (size, roots[size])


# --- ledger-audit on every case -------------------------------------------------------------------


def _export_dir(case: dict, tmp_path: Path) -> Path:
    directory = tmp_path / case["name"]
    shutil.copytree(VECTORS / case["export"], directory)
    for name, relative in case["replace"].items():
        shutil.copyfile(VECTORS / relative, directory / name)
    return directory


def _outcome(case: dict, tmp_path: Path, reference: bool = False) -> dict:
    """What the library reports for a case, in the shape of its ``expect`` (``reference``: by the plain kernel)."""
    try:
        if case["what"] == "export":
            previous = (VECTORS / case["previous"]).read_text() if case.get("previous") else None
            report = verify_export(
                _export_dir(case, tmp_path), case["key"], previous_checkpoint=previous,
                conservation=case.get("conservation", False), reference=reference,
            ).to_dict()
        elif case["what"] == "receipt":
            receipt = verify_receipt((VECTORS / case["file"]).read_bytes(), case["key"])
            report = {"ok": True, "seq": receipt.seq, "size": receipt.checkpoint.size, "body": receipt.body is not None}
        else:
            result = verify_consistency_file(
                (VECTORS / case["old"]).read_text(), (VECTORS / case["new"]).read_text(),
                (VECTORS / case["proof"]).read_bytes(), case["key"], old_key=case["old_key"],
            )
            report = {"ok": True, "size1": result.old.size, "size2": result.new.size}
    except ExportError as exc:
        report = exc.to_dict()
    return _shaped(report, case["expect"])


def _shaped(report: dict, expect: dict) -> dict:
    shaped = {k: report.get(k) for k in expect if k != "conservation"}
    if "conservation" in expect:
        shaped["conservation"] = {k: (report.get("conservation") or {}).get(k) for k in expect["conservation"]}
    return shaped


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_ledger_audit_agrees_with_the_case(case, tmp_path, monkeypatch):
    assert _outcome(case, tmp_path) == case["expect"], case["rule"]
    if case["what"] == "export":  # the one-event walk, too (the fast path is the default)
        monkeypatch.setattr(export, "BLOCK", 1)
        assert _outcome(case, tmp_path / "one-by-one") == case["expect"], case["rule"]
        assert _outcome(case, tmp_path / "reference", reference=True) == case["expect"], case["rule"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_command_line_agrees_with_the_case(case, tmp_path, capsys):
    if case["what"] == "export":
        args = ["verify", str(_export_dir(case, tmp_path)), "--key", case["key"]]
        args += ["--previous", str(VECTORS / case["previous"])] if case.get("previous") else []
        args += ["--conservation"] if case.get("conservation") else []
    elif case["what"] == "receipt":
        args = ["receipt", str(VECTORS / case["file"]), "--key", case["key"]]
    else:
        args = ["consistency", *(str(VECTORS / case[k]) for k in ("old", "new", "proof")), "--key", case["key"]]
        args += ["--old-key", case["old_key"]] if case["old_key"] else []
    status = ledger_audit_main([*args, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == (0 if case["expect"]["ok"] else 1)
    wanted = {k: case["expect"][k] for k in ("ok", "kind", "seq") if k in case["expect"]}
    assert {k: report.get(k) for k in wanted} == wanted
