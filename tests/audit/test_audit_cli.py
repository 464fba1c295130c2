"""``ledger-audit`` / ``python -m ledger_audit``, run as an auditor runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from exportkit import ExportKit

from ledger.signing import verifier_key

AUDIT_SRC = Path(__file__).resolve().parents[2] / "audit"


def run(*args: str, python: str = sys.executable, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-m", "ledger_audit", *map(str, args)], capture_output=True, text=True, timeout=300, env=env
    )


def corrupt(directory: Path, seq: int) -> None:
    path = directory / "bodies.jsonl"
    bodies = path.read_bytes().split(b"\n")
    bodies[seq] = bodies[seq].replace(b'"amount":', b'"amount":1')
    path.write_bytes(b"\n".join(bodies))


def test_verify_ok_line(kit, export_dir):
    result = run("verify", export_dir, "--key", kit.genesis_key)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"OK {kit.ledger_id}: 21 events, root {kit.root().hex()}, 1 bodies withheld, "
        f"signed by {verifier_key(kit.current_signer)}\n"
    )


def test_verify_json_report(kit, export_dir):
    result = run("verify", export_dir, "--key", kit.genesis_key, "--json", "--conservation")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["ok"], report["size"], report["root"], report["withheld"]) == (True, 21, kit.root().hex(), 1)
    assert report["conservation"]["complete"] is False  # bob's opening is withheld: his unit is unknown
    assert report["conservation"]["unknown_account_names"] == ["bob"]
    assert [k["rotation_seq"] for k in report["keys"]] == [None, 16]


def test_verify_fail_line_and_exit_status(kit, export_dir):
    corrupt(export_dir, 7)
    result = run("verify", export_dir, "--key", kit.genesis_key)
    assert result.returncode == 1
    assert result.stdout == "FAIL edited at seq 7: body does not hash to the leaf's body_hash\n"


def test_verify_fail_json(kit, export_dir):
    corrupt(export_dir, 7)
    result = run("verify", export_dir, "--key", kit.genesis_key, "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "ok": False,
        "kind": "edited",
        "seq": 7,
        "reason": "body does not hash to the leaf's body_hash",
    }


def test_whole_file_failures_have_no_seq(kit, export_dir, tmp_path):
    stranger = ExportKit()
    result = run("verify", export_dir, "--key", stranger.genesis_key, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["kind"], report["seq"]) == ("bad-signature", None)
    text = run("verify", export_dir, "--key", stranger.genesis_key)
    assert text.stdout.startswith("FAIL bad-signature: the key you trust")


def test_key_from_a_file_and_a_previous_checkpoint(kit, export_dir, tmp_path):
    (tmp_path / "key.pub").write_text(kit.genesis_key + "\n")
    (tmp_path / "old.txt").write_text(kit.checkpoint(12))
    result = run("verify", export_dir, "--key", tmp_path / "key.pub", "--previous", tmp_path / "old.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[1] == "  extends your checkpoint of size 12"


def test_a_rotated_trusted_key_is_explained(kit, export_dir):
    rotated = verifier_key(kit.current_signer)
    result = run("verify", export_dir, "--key", rotated)
    assert result.returncode == 0
    assert result.stdout.splitlines()[1] == (
        f"  the key you trust took over at size 17 (rotation at seq 16); the genesis key is {kit.genesis_key}"
    )


def test_conservation_lines_say_when_a_unit_cannot_be_complete(tmp_path):
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.account("alice", "time", "")
    kit.account("bob", "time", "Bob", withheld=True)
    kit.transfer("t1", "time:issuer", "alice", 100, "minutes")
    kit.transfer("gift", "alice", "bob", 5, "minutes", withheld=True)
    kit.transfer("t2", "alice", "bob", 7, "minutes")
    result = run("verify", kit.write(tmp_path / "e"), "--key", kit.genesis_key, "--conservation")
    assert result.returncode == 0
    assert result.stdout.splitlines()[1:] == [
        "  minutes: balances sum 0, 2 transfers of 107, 0 posted from holds, 0 still held; INCOMPLETE (withheld bodies)",
        "  1 withheld value-moving bodies of unknown unit: no unit can be shown complete",
        "  1 accounts moved value with their opening withheld (bob): their units are unknown, "
        "so no unit can be shown complete",
    ]


def test_progress_on_stderr(kit, export_dir):
    result = run("verify", export_dir, "--key", kit.genesis_key, "--progress")
    assert result.returncode == 0 and result.stderr == "ledger-audit: 21/21 events\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "{dir}", "--key", "nonsense"], "--key: not a verifier key"),
        (["verify", "{dir}/missing", "--key", "{key}"], "is not a directory"),
        (["verify", "{dir}", "--key", "{key}", "--previous", "{dir}/missing"], "cannot read checkpoint file"),
        (["verify", "{dir}"], "the following arguments are required: --key"),
        (["receipt", "{dir}/missing.json", "--key", "{key}"], "cannot read receipt"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(kit, export_dir, args, message):
    result = run(*(a.format(dir=export_dir, key=kit.genesis_key) for a in args))
    assert result.returncode == 2
    assert message in result.stderr and result.stdout == ""


def test_receipt_command(kit, tmp_path):
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(kit.receipt(7)))
    key = verifier_key(kit.current_signer)
    result = run("receipt", path, "--key", key)
    assert result.returncode == 0, result.stdout
    assert result.stdout == (
        f"OK {kit.ledger_id}: event 7 (ledger.transfer.recorded.v1) is in the signed tree of size 21, "
        f"root {kit.root().hex()}\n"
    )
    receipt = kit.receipt(7)
    receipt["inclusion"][0] = receipt["inclusion"][1]
    path.write_text(json.dumps(receipt))
    result = run("receipt", path, "--key", key, "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["kind"] == "edited"


def test_consistency_command(kit, tmp_path):
    (tmp_path / "old.txt").write_text(kit.checkpoint(12))
    (tmp_path / "new.txt").write_text(kit.checkpoint())
    (tmp_path / "proof.json").write_text(json.dumps(kit.consistency(12, 21)))
    files = [tmp_path / "old.txt", tmp_path / "new.txt", tmp_path / "proof.json"]
    key, old_key = verifier_key(kit.current_signer), kit.genesis_key
    result = run("consistency", *files, "--key", key, "--old-key", old_key, "--json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout) | {"root1": None, "root2": None} == {
        "ok": True,
        "ledger": kit.ledger_id,
        "size1": 12,
        "size2": 21,
        "root1": None,
        "root2": None,
    }
    result = run("consistency", *files, "--key", key)  # the old checkpoint predates the rotation
    assert result.returncode == 1 and result.stdout.startswith("FAIL bad-signature: the old checkpoint")


def test_installed_console_script(kit, export_dir):
    script = Path(sys.executable).parent / "ledger-audit"
    # scripts/test installs audit/ with its console script; a missing script is a broken install.
    assert script.exists(), "ledger-audit is not installed in this environment (pip install -e audit)"
    result = subprocess.run([script, "verify", export_dir, "--key", kit.genesis_key], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("OK ")


@pytest.mark.slow
def test_verifier_needs_only_cryptography(kit, export_dir, tmp_path):
    """A fresh virtualenv with nothing but ``cryptography``: the auditor's whole setup."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "cryptography"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    listed = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, env=env)
    names = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert names <= {"cryptography", "cffi", "pycparser", "pip", "setuptools"}, names
    env["PYTHONPATH"] = str(AUDIT_SRC)
    result = run("verify", export_dir, "--key", kit.genesis_key, "--json", python=str(python), env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["size"] == 21
    corrupt(export_dir, 7)
    result = run("verify", export_dir, "--key", kit.genesis_key, python=str(python), env=env)
    assert (result.returncode, result.stdout) == (
        1,
        "FAIL edited at seq 7: body does not hash to the leaf's body_hash\n",
    )
