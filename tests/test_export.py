"""The export directory: exact leaves and bodies, a signed checkpoint, withheld personal data."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from ledger_audit import verify_chain
from ledger_audit.checkpoint import verify_checkpoint
from ledger_audit.rfc6962 import hash_leaf, root_from_leaf_hashes

from ledger import Ledger, ValidationError

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")

NAME = "Zoë Ashworth-Liddell"


@pytest.fixture
def season(db_path):
    with Ledger(db_path, create=True, ledger_id="export.example/coop") as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.open_account("zoe", "time", owner=NAME)
        led.open_account("sam", "time")
        led.transfer("time:issuer", "zoe", 90, memo="welcome hours")
        led.transfer("zoe", "sam", 30, memo=f"from {NAME} for the garden", personal=True)
        led.hold("sam", "zoe", 10, hold_id="h1")
        led.post("h1")
        yield led


def lines(path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def test_public_export_verifies_and_withholds_personal_bodies(season, tmp_path):
    out = tmp_path / "public"
    result = season.export(str(out))
    leaves, bodies = lines(out / "leaves.jsonl"), lines(out / "bodies.jsonl")
    assert len(leaves) == len(bodies) == result.size == season.size()
    withheld = [i for i, b in enumerate(bodies) if b == b"null"]
    assert withheld == result.withheld and len(withheld) == 2
    report = verify_chain([(leaf, None if body == b"null" else body, None) for leaf, body in zip(leaves, bodies)])
    assert report.size == result.size
    cp = verify_checkpoint((out / "checkpoint.txt").read_text(), season.public_key, "export.example/coop")
    assert (cp.size, cp.root) == (result.size, root_from_leaf_hashes([hash_leaf(leaf) for leaf in leaves]))
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert manifest["withheld"] == withheld and manifest["public"] is True


def test_no_personal_name_appears_anywhere_in_a_public_export(season, tmp_path):
    out = tmp_path / "public"
    season.export(str(out))
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert NAME.encode() not in data and NAME.encode("unicode_escape") not in data, path


def test_a_private_export_keeps_every_body(season, tmp_path):
    out = tmp_path / "private"
    result = season.export(str(out), public=False)
    assert result.withheld == [] and b"null" not in lines(out / "bodies.jsonl")
    assert NAME in (out / "bodies.jsonl").read_text(encoding="utf-8")


def test_the_sqlite_export_has_foreign_keys_and_full_text_search(season, tmp_path):
    out = tmp_path / "public"
    season.export(str(out))
    db = sqlite3.connect(out / "ledger.sqlite")
    assert db.execute("SELECT owner FROM accounts WHERE account = 'zoe'").fetchone() == (None,)
    found = db.execute(
        "SELECT t.amount FROM transfers t JOIN transfers_fts f ON f.rowid = t.rowid WHERE transfers_fts MATCH 'welcome'"
    ).fetchall()
    assert found == [(90,)]
    fks = {(r[2], r[3]) for r in db.execute("PRAGMA foreign_key_list(transfers)")}
    assert {("accounts", "debit"), ("accounts", "credit"), ("events", "seq")} <= fks
    assert db.execute("SELECT sum_posted FROM unit_balances WHERE unit = 'minutes'").fetchone() == (0,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_export_refuses_a_used_directory_and_unknown_formats(season, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="out: must be a new or empty directory."):
        season.export(str(used))
    with pytest.raises(ValidationError, match=r"formats: unknown format\(s\) \['xlsx'\]"):
        season.export(str(tmp_path / "x"), formats=["xlsx"])


def test_the_reversal_of_a_personal_movement_is_withheld_like_the_movement(season, tmp_path):
    personal = season._rows("SELECT t.transfer_id FROM ledger_transfers t JOIN ledger_personal p ON p.seq = t.seq")
    (tid,) = personal[0]
    reversal = season.reverse(transfer_id=tid, reason="given to the wrong member")
    out = tmp_path / "public"
    result = season.export(str(out))
    assert reversal.seq in result.withheld
    assert b"zoe" not in lines(out / "bodies.jsonl")[reversal.seq]
