"""The demo season: deterministic, sound, verified, and safe to run twice on one file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import Ledger, LedgerExists
from ledger.cli import cli
from ledger.demo import LEDGER_ID, run_demo


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One demo run on a fresh file: its path, printed lines, summary and chain size."""
    path = str(tmp_path_factory.mktemp("demo") / "demo.db")
    lines: list[str] = []
    summary = run_demo(path, out=lines.append)
    with Ledger(path) as ledger:
        size = ledger.size()
    return path, lines, summary, size


def test_demo_chain_verifies(first):
    path, lines, summary, size = first
    with Ledger(path) as ledger:
        report = ledger.verify()
    assert report.ok
    assert summary["verify"] == report.to_dict()
    assert summary["chain"] == {"size": size, "head": report.head}
    assert lines[-4] == f"verify: OK ({size} events, head {report.head})"


def test_demo_exports_and_verifies_as_an_outside_auditor(first):
    from ledger_audit import verify_export

    path, lines, summary, size = first
    audit = summary["audit"]
    with Ledger(path) as ledger:
        report = verify_export(audit["export"], ledger.public_key)
        assert (audit["size"], audit["root"]) == (size, ledger.root(size).hex())
    assert report.size == size and audit["withheld"] > 0
    assert lines[-1] == f"ledger-audit verify: OK ({size} events, signature and Merkle root checked)"


def test_every_unit_sums_to_zero(first):
    path, _, summary, _ = first
    assert set(summary["units"]) == {"minutes", "points"}
    for row in summary["units"].values():
        assert (row["sum_posted"], row["sum_pending"]) == (0, 0)
    with Ledger(path) as ledger:
        assert {unit: (t["posted"], t["pending"]) for unit, t in ledger.unit_totals().items()} == {
            "minutes": (0, 0),
            "points": (0, 0),
        }


def test_demo_records_a_season_with_every_kind_of_movement(first):
    _, _, summary, _ = first
    units = summary["units"]
    assert summary["ledger_id"] == LEDGER_ID
    assert {u: (row["scheme"], row["accounts"]) for u, row in units.items()} == {
        "minutes": ("timebank", 14),  # twelve members, the organisation and the issuer
        "points": ("carbon", 14),
    }
    assert sum(row["transfers"] for row in units.values()) >= 300
    total = {key: sum(row[key] for row in units.values()) for key in ("reversals", "posted", "partial", "voided")}
    assert all(total.values()), total
    assert sum(row["expired"] for row in units.values()) > 0
    for row in units.values():
        assert row["holds"] == row["posted"] + row["voided"] + row["expired"] + row["pending"]
    assert summary["refused"].startswith("account 'carbon:bea' (points) would go below its floor of 0 by ")


def test_second_run_on_the_same_file_writes_nothing_and_prints_the_same(first):
    path, lines, summary, size = first
    again: list[str] = []
    assert run_demo(path, out=again.append) == summary
    assert again == lines
    with Ledger(path) as ledger:
        assert ledger.size() == size


def test_the_season_is_the_same_on_every_fresh_file(first, tmp_path):
    _, _, summary, _ = first
    other = run_demo(str(tmp_path / "again.db"), out=lambda *_: None)
    assert other["units"] == summary["units"]
    assert other["chain"]["size"] == summary["chain"]["size"]


def test_demo_refuses_a_file_holding_another_ledger(tmp_path):
    path = str(tmp_path / "mine.db")
    Ledger(path, create=True, ledger_id="mine.local/x").close()
    with pytest.raises(LedgerExists) as raised:
        run_demo(path, out=lambda *_: None)
    assert str(raised.value) == f"{path} (ledger 'mine.local/x', not {LEDGER_ID!r}) already holds a ledger"


def test_cli_demo_prints_the_summary(first):
    path, lines, summary, _ = first
    result = CliRunner().invoke(cli, ["demo", "--db", path])
    assert (result.exit_code, result.stdout.splitlines()) == (0, lines)
    result = CliRunner().invoke(cli, ["demo", "--db", path, "--json"])
    assert (result.exit_code, json.loads(result.stdout)) == (0, summary)
    assert Path(f"{path}.key").exists()
