"""The signed manifest (docs/chain-spec.md §8) on exports written by the spec's kit.

The kit writes ``manifest.json`` and ``manifest.sig`` from the spec's text (its own
note layout and Ed25519 signature line), so these tests pin the format, not only the
reference verifier's reading of it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from exportkit import ExportKit, community
from ledger_audit import (
    ExportError,
    ExportFileError,
    ManifestMissing,
    canonical_bytes,
    verify_checkpoint,
    verify_export,
)
from ledger_audit.errors import CheckpointError
from ledger_audit.manifest import NOTE_HEADER, note_text, parse_note_text

from ledger.signing import sign_note

ROTATION = 16  # the community ledger's key rotation


@pytest.fixture(scope="module")
def kit() -> ExportKit:
    return community()


def failure(directory: Path, key: str, **kwargs) -> ExportError:
    with pytest.raises(ExportError) as info:
        verify_export(directory, key, **kwargs)
    return info.value


def resign(kit: ExportKit, directory: Path, manifest: dict, size: int | None = None) -> None:
    raw = canonical_bytes(manifest) + b"\n"
    (directory / "manifest.json").write_bytes(raw)
    (directory / "manifest.sig").write_text(kit.manifest_note(raw, size=size))


def test_the_note_layout_is_five_lines_and_the_reference_writes_what_the_kit_writes(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    note = (directory / "manifest.sig").read_text()
    text = note.rsplit("\n\n", 1)[0] + "\n"
    lines = text.splitlines()
    assert lines[0] == NOTE_HEADER == "commons-ledger export manifest"
    assert lines[1:3] == [kit.ledger_id, str(kit.size)]
    digest = hashlib.sha256((directory / "manifest.json").read_bytes()).hexdigest()
    assert text == note_text(kit.ledger_id, kit.size, kit.root(), digest)
    assert parse_note_text(text).digest == digest


def test_a_manifest_note_never_verifies_as_a_checkpoint(kit, tmp_path):
    note = (kit.write(tmp_path / "e").joinpath("manifest.sig")).read_text()
    key = verify_export(tmp_path / "e", kit.genesis_key).checkpoint_key
    with pytest.raises(CheckpointError):
        verify_checkpoint(note, key, kit.ledger_id)


def test_a_checkpoint_copied_into_manifest_sig_is_malformed(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    (directory / "manifest.sig").write_text((directory / "checkpoint.txt").read_text())
    assert failure(directory, kit.genesis_key).kind == "malformed"


def test_the_manifest_is_signed_by_the_key_valid_at_the_checkpoints_size(kit, tmp_path):
    after = kit.write(tmp_path / "after")  # size 21: the rotated key signs
    raw = (after / "manifest.json").read_bytes()
    text = (after / "manifest.sig").read_text().rsplit("\n\n", 1)[0] + "\n"
    (after / "manifest.sig").write_text(sign_note(text, kit.signers[0][1]))  # the genesis key, retired at 17
    error = failure(after, kit.genesis_key)
    assert error.kind == "bad-signature" and error.reason.startswith("manifest.sig")
    before = kit.write(tmp_path / "before", size=ROTATION)  # before the rotation: the genesis key signs
    assert verify_export(before, kit.genesis_key).manifest_signed
    assert raw != (before / "manifest.json").read_bytes()


def test_a_manifest_signed_by_another_key_is_a_bad_signature(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    other = ExportKit(kit.ledger_id)
    text = (directory / "manifest.sig").read_text().rsplit("\n\n", 1)[0] + "\n"
    (directory / "manifest.sig").write_text(sign_note(text, other.signer))
    assert failure(directory, kit.genesis_key).kind == "bad-signature"


def test_a_note_for_another_size_or_root_is_malformed(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    manifest = json.loads((directory / "manifest.json").read_bytes())
    raw = canonical_bytes(manifest) + b"\n"
    checkpoint = (directory / "checkpoint.txt").read_text()
    (directory / "manifest.sig").write_text(kit.manifest_note(raw, checkpoint.replace(f"\n{kit.size}\n", "\n20\n")))
    error = failure(directory, kit.genesis_key)
    assert (error.kind, error.seq) == ("malformed", None) and "not this export's checkpoint" in error.reason


def test_a_pretty_printed_manifest_is_malformed_even_if_signed(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    manifest = json.loads((directory / "manifest.json").read_bytes())
    raw = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    (directory / "manifest.json").write_bytes(raw)
    (directory / "manifest.sig").write_text(kit.manifest_note(raw))
    error = failure(directory, kit.genesis_key)
    assert error.kind == "malformed" and "canonical" in error.reason


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/hostname", "a//b", "./leaves.jsonl", "a\\b", "manifest.sig"])
def test_a_manifest_listing_a_name_outside_the_directory_is_malformed(kit, tmp_path, name):
    directory = kit.write(tmp_path / "e")
    manifest = json.loads((directory / "manifest.json").read_bytes())
    manifest["files"][name] = "0" * 64
    resign(kit, directory, manifest)
    error = failure(directory, kit.genesis_key)
    assert error.kind == "malformed" and "not a file name" in error.reason


def test_listed_files_must_be_regular_files_and_unlisted_symlinks_are_insertions(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    (tmp_path / "elsewhere.txt").write_text("report")
    os.symlink(tmp_path / "elsewhere.txt", directory / "report.txt")
    error = failure(directory, kit.genesis_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("inserted", "report.txt")
    manifest = json.loads((directory / "manifest.json").read_bytes())
    manifest["files"]["report.txt"] = hashlib.sha256(b"report").hexdigest()
    resign(kit, directory, manifest)
    error = failure(directory, kit.genesis_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("malformed", "report.txt")


def test_a_listed_file_is_checked_by_its_digest_and_an_empty_directory_is_no_file(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    (directory / "reports").mkdir()
    (directory / "reports" / "a.xml").write_text("<a/>")
    (directory / "empty").mkdir()
    manifest = json.loads((directory / "manifest.json").read_bytes())
    manifest["files"]["reports/a.xml"] = hashlib.sha256(b"<a/>").hexdigest()
    resign(kit, directory, manifest)
    report = verify_export(directory, kit.genesis_key)
    assert report.bound == ("reports/a.xml",) and report.derived == ()
    (directory / "reports" / "a.xml").write_text("<b/>")
    error = failure(directory, kit.genesis_key)
    assert isinstance(error, ExportFileError) and (error.kind, error.file) == ("edited", "reports/a.xml")


def test_a_legacy_format_1_manifest_is_unsigned_unless_the_auditor_says_legacy(kit, tmp_path):
    directory = kit.write(tmp_path / "e", signed=False)
    (directory / "notes.txt").write_text("the auditor's own")
    error = failure(directory, kit.genesis_key)
    assert isinstance(error, ManifestMissing) and error.kind == "unsigned"
    report = verify_export(directory, kit.genesis_key, legacy=True)
    assert (report.manifest, report.manifest_signed, report.unverified) == (True, False, ("notes.txt",))
    # Legacy still checks what a format-1 manifest says about the chain files.
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["withheld"] = []
    (directory / "manifest.json").write_text(json.dumps(manifest))
    assert failure(directory, kit.genesis_key, legacy=True).kind == "malformed"


def test_a_signed_format_1_manifest_is_malformed(kit, tmp_path):
    directory = kit.write(tmp_path / "e", signed=False)
    raw = (directory / "manifest.json").read_bytes()
    (directory / "manifest.sig").write_text(kit.manifest_note(raw))
    error = failure(directory, kit.genesis_key)
    assert error.kind == "malformed" and "commons-ledger-export/2" in error.reason


def test_chain_failures_come_before_manifest_failures(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    (directory / "manifest.sig").unlink()
    leaves = (directory / "leaves.jsonl").read_bytes().split(b"\n")
    leaves[5], leaves[6] = leaves[6], leaves[5]
    (directory / "leaves.jsonl").write_bytes(b"\n".join(leaves))
    assert failure(directory, kit.genesis_key).kind == "reordered"


def test_a_signature_line_without_its_em_dash_is_malformed(kit, tmp_path):
    directory = kit.write(tmp_path / "e")
    note = (directory / "manifest.sig").read_text()
    (directory / "manifest.sig").write_text(note.replace("\u2014 ", "- "))
    assert failure(directory, kit.genesis_key).kind == "malformed"
