"""The derived files describe the export's checkpoint even while another writer commits (issue 15, part 9).

The old exporters read ``ledger_accounts`` (current limits and closed flags) in a
transaction of their own, after the export's snapshot: a change committed between the
checkpoint and the exporters showed up in an export that says it is as of the
checkpoint. Here a plugin's exporter, which runs before the built-in ones, commits
through another ``Ledger`` exactly there.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ledger_audit import verify_export

from ledger import Exporter, Ledger, hookimpl

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")


class Meddler:
    """A plugin whose exporter (named to sort first) writes to the ledger while the export runs."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.sizes: list[int] = []

    @hookimpl
    def ledger_register_exporters(self) -> list[Exporter]:
        return [Exporter("aaa-meddler", "commits while the export runs", self.export)]

    def export(self, ledger: Ledger, out: Path, public: bool) -> list[Path]:
        with Ledger(self.db) as other:
            other.change_limits("sam", floor=-5, ceiling=100, reason="tightened after the checkpoint")
            other.transfer("time:issuer", "sam", 7, transfer_id="late", memo="after the checkpoint")
            other.close_account("idle", reason="closed after the checkpoint")
            self.sizes.append(other.size())
        return []


def rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r[next(iter(r))]: r for r in csv.DictReader(f)}


def test_a_writer_committing_between_the_checkpoint_and_the_exporters_changes_no_derived_file(db_path, tmp_path):
    meddler = Meddler(db_path)
    with Ledger(db_path, create=True, ledger_id="snapshot.example/coop", plugins=[meddler]) as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.open_account("sam", "time")
        led.open_account("idle", "time")
        led.transfer("time:issuer", "sam", 40, transfer_id="early")
        out = tmp_path / "e"
        result = led.export(str(out), public=False)
        assert meddler.sizes and result.size < meddler.sizes[0] == led.size()
        accounts = rows(out / "csv" / "accounts.csv")
        assert (accounts["sam"]["floor"], accounts["sam"]["ceiling"], accounts["idle"]["closed"]) == ("-600", "", "0")
        assert list(rows(out / "csv" / "transfers.csv")) == ["early"]
        assert rows(out / "csv" / "balances.csv")["sam"]["posted"] == "40"
        report = verify_export(out, led.public_key)
        assert report.size == result.size and "csv/accounts.csv" in report.derived


@pytest.mark.parametrize("public", [True, False])
def test_two_exports_of_one_checkpoint_have_identical_derived_files(db_path, tmp_path, public):
    """No cache, no later read: the derived files are a function of the checkpoint alone."""
    with Ledger(db_path, create=True, ledger_id="snapshot.example/coop") as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.open_account("sam", "time", owner="Sam Person")
        led.transfer("time:issuer", "sam", 40)
        first = Path(led.export(str(tmp_path / "a"), public=public, formats=["csv"]).out)
        second = Path(led.export(str(tmp_path / "b"), public=public, formats=["csv"]).out)
    for name in ("accounts", "transfers", "balances", "unit_balances"):
        path = Path("csv") / f"{name}.csv"
        assert (first / path).read_bytes() == (second / path).read_bytes(), name
