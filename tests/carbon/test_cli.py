"""``ledger carbon ...`` end to end through click's CliRunner, with the plugin found by its entry point."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ledger.cli import cli

from .conftest import ITEMS, RATES

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


def test_a_scheme_awards_redeems_and_reports_from_the_command_line(db_path, tmp_path):
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(cli, [*args, "--db", db_path])
        assert (result.exit_code == 0) == ok, result.output
        return result

    (tmp_path / "rates.json").write_text(json.dumps(RATES))
    (tmp_path / "items.json").write_text(json.dumps(ITEMS))
    run("init", "--id", "test.commons-ledger.local/carbon-cli")
    run("carbon", "create", "green", "--rates", str(tmp_path / "rates.json"))
    run("carbon", "verifier", "green", "station", "recycling")
    run("carbon", "join", "green", "alice")
    run("carbon", "merchant", "green", "bakery", str(tmp_path / "items.json"), "--new")
    run("carbon", "restock", "green", "bakery", "loaf", "2")
    award = json.loads(run("carbon", "award", "green", "alice", "recycling", "5", "--verifier", "station",
                           "--evidence", "sha256:00ff", "--json").output)
    assert (award["amount"], award["details"]["co2e_g"]) == (50, 7500)
    again = run("carbon", "award", "green", "alice", "recycling", "5", "--verifier", "station",
                "--evidence", "sha256:00ff", ok=False)
    assert again.output.startswith("Error: rule 'duplicate_evidence' refused the command: evidence 'sha256:00ff'")
    run("carbon", "redeem", "green", "alice", "bakery", "loaf")
    run("carbon", "settle", "green", "bakery", "--reference", "inv-1")
    s = json.loads(run("carbon", "statement", "green", "--json").output)
    assert (s["issued"], s["redeemed"], s["settled"], s["outstanding"], s["co2e_g"]) == (50, 30, 30, 20, 7500)
    r = json.loads(run("carbon", "statement", "green", "--resident", "alice", "--json").output)
    assert (r["earned"], r["redeemed"], r["balance"]) == (50, 30, 20)
    assert "issued" in run("carbon", "statement", "green").output
