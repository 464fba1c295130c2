"""The standalone verifier against what the ledger really writes: exports, receipts, proofs.

tests/audit/ checks ledger_audit against an independent writer built from the spec;
this module closes the loop with `Ledger.export`, `receipt` and `consistency`.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_audit import ExportError, verify_consistency_file, verify_export, verify_receipt

from ledger import Ledger

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")

ORIGIN = "audit.example/riverside"


@pytest.fixture
def season(db_path, clock):
    with Ledger(db_path, create=True, ledger_id=ORIGIN, clock=clock) as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.register_scheme("carbon", "points", floor=0)
        for name in ("ana", "ben", "cai"):
            led.open_account(name, "time")
            led.open_account(f"{name}.pts", "carbon", owner=f"{name.title()} Citizen")
        led.transfer("time:issuer", "ana", 120, transfer_id="t1")
        led.transfer("ana", "ben", 45, transfer_id="t2")
        led.transfer("carbon:issuer", "ana.pts", 80)
        led.hold("ana.pts", "ben.pts", 30, hold_id="h1")
        led.post("h1", 20)
        led.hold("ben", "cai", 10, hold_id="h2")
        led.void("h2")
        led.reverse("t2", reason="entered twice")
        led.rotate_key()
        led.transfer("ben", "cai", 15, memo="after the rotation")
        yield led


def export(led: Ledger, out: Path, public: bool = True) -> Path:
    led.export(str(out), public=public)
    return out


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def write(path: Path, rows: list[bytes]) -> None:
    path.write_bytes(b"".join(r + b"\n" for r in rows))


def test_a_public_export_verifies_with_the_current_key_and_balances_per_unit(season, tmp_path):
    out = export(season, tmp_path / "e")
    report = verify_export(out, season.public_key, conservation=True)
    assert (report.size, report.ledger, report.withheld) == (season.size(), ORIGIN, 3)
    assert report.root == season.root(report.size)
    assert len(report.keys) == 2  # genesis key, then the rotated one


def test_a_private_export_balances_completely(season, tmp_path):
    out = export(season, tmp_path / "e", public=False)
    report = verify_export(out, season.public_key, conservation=True)
    assert report.withheld == 0
    totals = report.to_dict()["conservation"]
    assert totals is not None


def tamper(out: Path, how: str, seq: int) -> None:
    for name in ("leaves.jsonl", "bodies.jsonl"):
        rows = lines(out / name)
        if how == "delete":
            del rows[seq]
        elif how == "swap":
            rows[seq], rows[seq + 1] = rows[seq + 1], rows[seq]
        elif how == "truncate":
            rows = rows[:seq]
        elif how == "duplicate":
            rows.insert(seq, rows[seq - 1])
        write(out / name, rows)
    (out / "manifest.json").unlink()  # an attacker would not leave a contradicting index behind


@pytest.mark.parametrize(
    ("how", "kind"),
    [("delete", "deleted"), ("swap", "reordered"), ("truncate", "truncated"), ("duplicate", "inserted")],
)
def test_tampering_with_a_real_export_is_named_with_its_kind_and_seq(season, tmp_path, how, kind):
    out = export(season, tmp_path / "e", public=False)
    tamper(out, how, 9)
    with pytest.raises(ExportError) as err:
        verify_export(out, season.public_key)
    assert err.value.kind == kind
    if kind != "truncated":
        assert err.value.seq == 9


def test_a_byte_flip_in_a_body_is_an_edit_at_that_seq(season, tmp_path):
    out = export(season, tmp_path / "e", public=False)
    bodies = lines(out / "bodies.jsonl")
    bodies[11] = bodies[11].replace(b'"amount":', b'"amount":1', 1)
    write(out / "bodies.jsonl", bodies)
    (out / "manifest.json").unlink()
    with pytest.raises(ExportError) as err:
        verify_export(out, season.public_key)
    assert (err.value.kind, err.value.seq) == ("edited", 11)


def test_a_history_rewritten_under_another_key_has_a_bad_signature(season, tmp_path):
    with Ledger(str(tmp_path / "forged.db"), create=True, ledger_id=ORIGIN) as forged:
        forged.register_scheme("time", "minutes", floor=-600)
        out = export(forged, tmp_path / "forged")
    with pytest.raises(ExportError) as err:
        verify_export(out, season.public_key)
    assert err.value.kind == "bad-signature"


@pytest.mark.sqlite_only
def test_a_diverged_copy_signed_with_the_stolen_key_is_a_fork(season, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    src, dst = sqlite3.connect(season.db), sqlite3.connect(copy / "l.db")
    src.backup(dst)
    src.close()
    dst.close()
    shutil.copy(season.key_path, copy / "l.db.key")  # the key, but not the signer's memory
    season.transfer("ana", "ben", 1)
    honest = season.checkpoint()
    with Ledger(str(copy / "l.db")) as thief:
        thief.transfer("ana", "cai", 1)  # the same size as the honest ledger, other content
        out = export(thief, tmp_path / "thief")
    report_size = verify_export(out, season.public_key).size  # on its own it looks fine
    assert report_size == honest.size
    with pytest.raises(ExportError) as err:
        verify_export(out, season.public_key, previous_checkpoint=honest.note)
    assert err.value.kind == "fork"


def test_receipts_and_consistency_files_from_the_ledger_verify(season):
    receipt = season.receipt(9)
    checked = verify_receipt(json.dumps(receipt), season.public_key)
    assert checked.seq == 9
    old = season.checkpoint()
    season.transfer("ana", "ben", 5)
    new = season.checkpoint()
    proof = season.consistency(old.size, new.size)
    verify_consistency_file(old.note, new.note, json.dumps(proof), season.public_key)
    bad = dict(receipt, seq=8)
    with pytest.raises(ExportError):
        verify_receipt(json.dumps(bad), season.public_key)


def test_the_ledger_audit_command_verifies_a_real_export(season, tmp_path):
    out = export(season, tmp_path / "e")
    key = tmp_path / "key.txt"
    key.write_text(season.public_key + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "ledger_audit", "verify", str(out), "--key", str(key), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True
