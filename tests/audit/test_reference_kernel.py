"""The reference kernel (``verify_export(..., reference=True)``) and the fast verifier agree.

Both are run over every export case of ``docs/vectors/cases.json`` and over exports altered by
the shared mutators (``alterations.py``), and must give the same outcome: the same report, or a
failure of the same kind at the same seq (the reasons are worded by each). The kernel's own
pieces (canonical JSON, the leaf, the Merkle root) are checked against the verifier's too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import ledger_audit.export as export
import pytest
from alterations import ACTIONS, alter, bigger
from canonical_values import json_values, leaf_fields, mutate, stamps, types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_audit import (
    CanonicalFormError,
    ChainError,
    ExportError,
    canonical_bytes,
    leaf_hash,
    make_leaf,
    parse_canonical,
    parse_leaf,
    root_from_leaf_hashes,
    verify_export,
)
from ledger_audit import reference as kernel
from ledger_audit.cli import main as ledger_audit_main

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors"
CASES = [case for case in json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))["cases"]
         if case["what"] == "export"]
KIT = bigger()


def outcome(directory: Path, key: str, reference: bool, **kwargs) -> object:
    """The report as a dict, or ``(kind, seq)`` of the failure."""
    try:
        return verify_export(directory, key, reference=reference, **kwargs).to_dict()
    except ExportError as exc:
        return (exc.kind, exc.seq)


def both(directory: Path, key: str, **kwargs) -> object:
    fast = outcome(directory, key, False, **kwargs)
    assert outcome(directory, key, True, **kwargs) == fast
    return fast


# --- the published cases ------------------------------------------------------------------------


def _case_dir(case: dict, tmp_path: Path) -> Path:
    directory = tmp_path / case["name"]
    shutil.copytree(VECTORS / case["export"], directory)
    for name, relative in case["replace"].items():
        shutil.copyfile(VECTORS / relative, directory / name)
    return directory


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_both_paths_agree_on_every_vector_case(case, tmp_path):
    previous = (VECTORS / case["previous"]).read_text() if case.get("previous") else None
    directory = _case_dir(case, tmp_path)
    result = both(directory, case["key"], previous_checkpoint=previous, conservation=case.get("conservation", False))
    expect = case["expect"]
    if expect["ok"]:
        assert isinstance(result, dict) and result["size"] == expect.get("size", result["size"])
    else:
        assert result == (expect["kind"], expect.get("seq")), case["rule"]


def test_the_command_line_runs_the_reference_kernel(tmp_path, capsys, monkeypatch):
    directory = KIT.write(tmp_path / "export")

    def refuse(*args, **kwargs):
        raise AssertionError("the fast walk ran")

    monkeypatch.setattr(export._Walk, "run", refuse)  # --reference must not need it
    assert ledger_audit_main(["verify", str(directory), "--key", KIT.genesis_key, "--reference", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["size"] == KIT.size


# --- altered exports ------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["leaves.jsonl", "bodies.jsonl"]),
    action=st.sampled_from(ACTIONS),
    index=st.integers(0, 10_000),
    other=st.integers(0, 10_000),
    byte=st.integers(0, 255),
    conservation=st.booleans(),
    previous=st.sampled_from([None, 0, 7, 20]),
)
def test_both_paths_agree_on_altered_exports(tmp_path_factory, name, action, index, other, byte, conservation, previous):
    directory = KIT.write(tmp_path_factory.mktemp("export") / "export")
    path = directory / name
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(b"".join(line + b"\n" for line in alter(lines, action, index, other, byte)))
    old = None if previous is None else KIT.checkpoint(previous)
    both(directory, KIT.genesis_key, conservation=conservation, previous_checkpoint=old)


def test_both_paths_agree_on_the_intact_export_and_its_report(tmp_path):
    directory = KIT.write(tmp_path / "export")
    report = both(directory, KIT.genesis_key, conservation=True, previous_checkpoint=KIT.checkpoint(KIT.size - 5))
    assert isinstance(report, dict) and report["size"] == KIT.size and report["conservation"] is not None


def test_both_paths_agree_without_a_manifest_and_on_a_truncated_file(tmp_path):
    directory = KIT.write(tmp_path / "export")
    (directory / "manifest.sig").unlink()
    assert both(directory, KIT.genesis_key) == ("unsigned", None)
    assert both(directory, KIT.genesis_key, legacy=True)["manifest_signed"] is False
    leaves = directory / "leaves.jsonl"
    leaves.write_bytes(leaves.read_bytes()[:-1])  # no final newline
    assert both(directory, KIT.genesis_key, legacy=True) == ("malformed", KIT.size - 1)


def test_progress_is_reported_alike(tmp_path, monkeypatch):
    directory = KIT.write(tmp_path / "export")
    monkeypatch.setattr(export, "PROGRESS_EVERY", 4)
    monkeypatch.setattr(kernel, "PROGRESS_EVERY", 4)
    runs = []
    for reference in (False, True):
        calls: list[tuple[int, int]] = []
        verify_export(directory, KIT.genesis_key, reference=reference, progress=lambda d, t, c=calls: c.append((d, t)))
        runs.append(calls)
    assert runs[0] == runs[1] and runs[0][-1] == (KIT.size, KIT.size)


# --- the kernel's pieces against the verifier's ------------------------------------------------------


def _fast_parse(data: bytes) -> object:
    try:
        return ("ok", parse_canonical(data))
    except CanonicalFormError:
        return "refused"


def _kernel_parse(data: bytes) -> object:
    try:
        return ("ok", kernel.parse(data))
    except CanonicalFormError:
        return "refused"


@given(json_values)
def test_the_kernel_encodes_as_the_verifier_does(value):
    assert kernel.encode(value) == canonical_bytes(value)


@given(json_values, st.data())
def test_the_kernel_accepts_exactly_the_canonical_bytes_the_verifier_accepts(value, data):
    encoded = data.draw(st.sampled_from([canonical_bytes(value), json.dumps(value).encode(), json.dumps(value,
                        ensure_ascii=False, sort_keys=True).encode()]))
    line = mutate(encoded, data.draw)
    assert _kernel_parse(line) == _fast_parse(line)


def test_the_kernel_sorts_member_names_by_utf16_code_units():
    value = {"\U0001f600": 1, "\ufb01": 2, "a": 3}  # by code point U+FB01 < U+1F600; in UTF-16 it is after D83D
    assert kernel.encode(value) == canonical_bytes(value) == '{"a":3,"😀":1,"ﬁ":2}'.encode()


@given(**leaf_fields, etype=types, ts=stamps, data=st.data())
def test_the_kernel_reads_leaves_as_the_verifier_does(ledger, stream, etype, ts, seq, version, prev, body_hash, data):
    leaf = make_leaf(
        ledger=ledger, seq=seq, prev=prev, ts=ts, type=etype, stream=stream, version=version, body_hash=body_hash
    )
    line = mutate(leaf, data.draw)
    try:
        fast = parse_leaf(line, seq).__dict__
    except ChainError:
        fast = None
    try:
        ours = kernel.parse_leaf(line, seq)
        ours = {name: getattr(ours, name) for name in kernel.LEAF_MEMBERS}
    except ChainError:
        ours = None
    assert ours == fast


@given(st.lists(st.binary(min_size=1, max_size=4), max_size=70))
def test_the_kernel_folds_the_merkle_root_of_the_leaf_hashes(leaves):
    hashes = [leaf_hash(leaf) for leaf in leaves]
    fold = kernel.MerkleFold()
    for digest in hashes:
        fold.append(digest)
    assert fold.root() == root_from_leaf_hashes(hashes)
    assert kernel.leaf_hash(b"x") == leaf_hash(b"x")
