"""A real export's derived files are bound to its checkpoint: every alteration is a named failure.

Issue 15, part 8. Before signed manifests, an edited ``csv/*.csv`` cell, an edited
``ledger.sqlite`` cell, a raised 360Giving amount, a deleted listed file and an added
one all verified OK. Now the core derived files are recomputed from the leaves and
bodies, every other file is bound by its SHA-256 in a manifest the checkpoint's key
signs, and a missing signature is refused unless the auditor asks for a legacy export.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_audit import (
    DerivedMismatch,
    ExportError,
    ExportFileError,
    ManifestMissing,
    canonical_bytes,
    verify_export,
)
from ledger_audit.derived import CORE_FILES
from ledger_audit.manifest import manifest_bytes, read_manifest, sha256_file
from ledger_grants import Grants, plugin

from ledger import Ledger

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")

ORIGIN = "tamper.example/riverside"
OWNER = "Ada Quintero-Vance"


@pytest.fixture
def season(db_path, clock):
    """A time bank with a personal account and movement, a hold, and a grant with a 360Giving row."""
    with Ledger(db_path, create=True, ledger_id=ORIGIN, clock=clock, plugins=[plugin], load_entrypoints=False) as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.open_account("ada", "time", owner=OWNER)
        led.open_account("ben", "time")
        led.transfer("time:issuer", "ada", 120, transfer_id="t1", memo="welcome hours")
        led.transfer("ada", "ben", 45, transfer_id="t2", memo="for the garden", personal=True)
        led.transfer("time:issuer", "ben", 30, transfer_id="t3")
        led.hold("ben", "ada", 20, hold_id="h1")
        led.post("h1", 15)
        led.register_scheme("eur", kind="grants")
        led.open_account("foundation", "eur", owner="River Foundation", personal=False)
        led.transfer("eur:issuer", "foundation", 2_000_000)
        grants = Grants(led)
        grants.open_fund("water", "eur", currency="EUR", purpose="clean water", owner="Well Project")
        grants.award(
            "g1", title="Wells for Riverside", funder="foundation", fund="water", total=1_000_000, currency="EUR",
            purpose="clean water", start="2026-06-01", end="2027-05-31", awarded_on="2026-05-20",
            lines={"staff": 600_000, "supplies": 400_000},
        )
        grants.disburse("g1", 300_000)
        yield led


@pytest.fixture
def out(season, tmp_path) -> Path:
    season.export(str(tmp_path / "e"))
    return tmp_path / "e"


def failure(out: Path, key: str, **kwargs) -> ExportError:
    with pytest.raises(ExportError) as info:
        verify_export(out, key, **kwargs)
    return info.value


def rewrite_csv(path: Path, edit) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_an_untouched_export_verifies_and_says_what_it_recomputed_and_what_it_bound(season, out):
    report = verify_export(out, season.public_key)
    assert report.manifest_signed and report.derived == tuple(CORE_FILES)
    assert report.bound == ("360giving-grants.csv", "iati-activities.xml")
    private = verify_export(season.export(str(out.parent / "private"), public=False).out, season.public_key)
    assert private.derived == tuple(CORE_FILES) and private.withheld == 0


def test_one_edited_csv_cell_is_named_by_file_table_row_and_column(season, out):
    def raise_t1(rows):
        header = rows[0]
        row = next(r for r in rows if r[0] == "t1")
        row[header.index("amount")] = "1200"

    rewrite_csv(out / "csv" / "transfers.csv", raise_t1)
    error = failure(out, season.public_key)
    assert isinstance(error, DerivedMismatch) and error.kind == "derived"
    assert (error.file, error.table, error.key, error.column, error.expected, error.found) == (
        "csv/transfers.csv", "transfers", "t1", "amount", "120", "1200"
    )


def test_one_edited_ledger_sqlite_cell_is_named_by_table_row_and_column(season, out):
    db = sqlite3.connect(out / "ledger.sqlite")
    db.execute("UPDATE balances SET posted = posted + 1000 WHERE account = 'ben'")
    db.commit()
    db.close()
    error = failure(out, season.public_key)
    assert isinstance(error, DerivedMismatch)
    assert (error.file, error.table, error.key, error.column) == ("ledger.sqlite", "balances", "ben", "posted")
    assert error.found == error.expected + 1000


def test_a_raised_360giving_amount_breaks_the_signed_digest(season, out):
    path = out / "360giving-grants.csv"
    text = path.read_text(encoding="utf-8")
    assert ",10000.00," in text
    path.write_text(text.replace(",10000.00,", ",90000.00,"), encoding="utf-8")
    error = failure(out, season.public_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("edited", "360giving-grants.csv")


@pytest.mark.parametrize("name", ["iati-activities.xml", "csv/balances.csv", "ledger.sqlite"])
def test_a_deleted_listed_file_is_deleted(season, out, name):
    (out / name).unlink()
    error = failure(out, season.public_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("deleted", name)


@pytest.mark.parametrize("name", ["corrections.csv", "csv/extra.csv", ".hidden"])
def test_an_unlisted_file_is_inserted_because_nothing_vouches_for_it(season, out, name):
    (out / name).write_text("grant,amount\ng1,90000.00\n")
    error = failure(out, season.public_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("inserted", name)


def test_a_stripped_manifest_signature_is_unsigned_and_legacy_verifies_only_the_chain(season, out):
    (out / "manifest.sig").unlink()
    error = failure(out, season.public_key)
    assert isinstance(error, ManifestMissing) and (error.kind, error.seq) == ("unsigned", None)
    report = verify_export(out, season.public_key, legacy=True)
    assert not report.manifest_signed and report.derived == () and report.bound == ()
    assert set(report.unverified) == {*CORE_FILES, "360giving-grants.csv", "iati-activities.xml"}


def test_a_signature_line_cut_off_or_forged_is_refused(season, out):
    note = (out / "manifest.sig").read_text(encoding="utf-8")
    text, signature = note.rsplit("\n\n", 1)
    (out / "manifest.sig").write_text(text + "\n\n", encoding="utf-8")
    assert failure(out, season.public_key).kind == "malformed"  # a note with no signature line at all
    name, b64 = signature.rstrip("\n").rsplit(" ", 1)
    forged = b64[:20] + ("A" if b64[20] != "A" else "B") + b64[21:]
    (out / "manifest.sig").write_text(f"{text}\n\n{name} {forged}\n", encoding="utf-8")
    assert failure(out, season.public_key).kind == "bad-signature"


def test_an_edited_manifest_is_edited_even_when_it_stays_canonical(season, out):
    raw = json.loads((out / "manifest.json").read_bytes())
    del raw["files"]["iati-activities.xml"]  # hide a file from the list
    (out / "manifest.json").write_bytes(canonical_bytes(raw) + b"\n")
    error = failure(out, season.public_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("edited", "manifest.json")


def test_a_manifest_signed_for_another_checkpoint_is_refused(season, out, tmp_path):
    season.transfer("time:issuer", "ben", 1)
    later = Path(season.export(str(tmp_path / "later")).out)
    shutil.copy(later / "manifest.sig", out / "manifest.sig")
    shutil.copy(later / "manifest.json", out / "manifest.json")
    error = failure(out, season.public_key)
    assert error.kind == "malformed"


def test_derived_files_the_signer_itself_got_wrong_still_fail(season, out):
    """The digest binds a file to the signer; recomputing binds it to the chain. An operator
    who edits a balance and signs the manifest again is caught all the same."""
    rewrite_csv(out / "csv" / "balances.csv", lambda rows: rows[1].__setitem__(2, "999999"))
    manifest = read_manifest(out)
    files = {name: sha256_file(out / name) for name in manifest.files}
    data = manifest_bytes(manifest.ledger, manifest.size, manifest.public, manifest.withheld, files)
    (out / "manifest.json").write_bytes(data)
    checkpoint = season.latest_checkpoint()
    (out / "manifest.sig").write_text(season.signer.sign_manifest(checkpoint, hashlib.sha256(data).hexdigest()))
    error = failure(out, season.public_key)
    assert isinstance(error, DerivedMismatch) and (error.file, error.column, error.found) == (
        "csv/balances.csv", "posted", "999999"
    )


@pytest.mark.parametrize("how", ["delete a row", "add a row", "swap two rows"])
def test_rows_missing_added_or_moved_in_a_csv_are_derived_failures(season, out, how):
    def edit(rows):
        if how == "delete a row":
            del rows[1]
        elif how == "add a row":
            rows.append(list(rows[-1]))
        else:
            rows[1], rows[2] = rows[2], rows[1]

    rewrite_csv(out / "csv" / "accounts.csv", edit)
    error = failure(out, season.public_key)
    assert isinstance(error, DerivedMismatch) and (error.file, error.table) == ("csv/accounts.csv", "accounts")


def test_a_table_added_to_ledger_sqlite_breaks_its_digest(season, out):
    db = sqlite3.connect(out / "ledger.sqlite")
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    error = failure(out, season.public_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("edited", "ledger.sqlite")


def test_the_command_line_names_the_edited_cell_and_exits_1(season, out):
    rewrite_csv(out / "csv" / "unit_balances.csv", lambda rows: rows[1].__setitem__(2, "5"))
    done = subprocess.run(
        [sys.executable, "-m", "ledger_audit", "verify", str(out), "--key", season.public_key, "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["kind"], report["file"], report["table"], report["column"]) == (
        "derived", "csv/unit_balances.csv", "unit_balances", "sum_posted"
    )
    assert (report["expected"], report["found"]) == ("0", "5")
