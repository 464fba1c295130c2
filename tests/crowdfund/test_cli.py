"""``ledger crowdfund ...`` end to end through click's CliRunner on the real ``ledger`` group,
with the plugin found through its entry point alone."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import cli

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def run(db_path):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, [*args, "--db", db_path])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke("init", "--id", "test.commons-ledger.local/crowdfund-cli")
    with Ledger(db_path) as led:  # the entry point, not an explicit plugin list
        led.register_scheme("cny", kind="crowdfund", unit="fen")
        for account in ("org", "ann", "ben"):
            led.open_account(account, "cny")
        for account in ("ann", "ben"):
            led.transfer("cny:issuer", account, 5000)
    return invoke


def test_create_pledge_close_page_and_history(run):
    created = json.loads(run("crowdfund", "create", "books", "--scheme", "cny", "--organiser", "org", "--goal",
                             "1000", "--deadline", "2099-01-01T00:00:00+08:00", "--json").output)
    assert (created["deadline"], created["mode"], created["goal"]) == ("2098-12-31T16:00:00+00:00",
                                                                       "all_or_nothing", 1000)
    pledged = json.loads(run("crowdfund", "pledge", "books", "ann", "600", "--pledge", "a", "--json").output)
    assert (pledged["hold_id"], pledged["status"], pledged["unit"]) == ("books/a/1", "held", "fen")
    run("crowdfund", "pledge", "books", "ben", "300", "--pledge", "b", "--anonymous")
    run("crowdfund", "change", "books", "b", "400")
    refused = run("crowdfund", "close", "books", ok=False)
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: campaign 'books' closes at 2098-12-31T16:00:00+00:00, it is only ")
    page = json.loads(run("crowdfund", "page", "books", "--json").output)
    assert (page["raised"], page["donors"], page["state"], page["unit"]) == (1000, 2, "launched", "fen")
    assert [b["donor"] for b in page["backers"]] == ["ann", None]
    history = json.loads(run("crowdfund", "history", "ben", "--json").output)
    assert [(h["pledge"], h["version"], h["amount"], h["anonymous"]) for h in history] == [("b", 2, 400, True)]
    assert run("crowdfund", "close", "--due", "--json").output.strip() == "[]"
    text = run("crowdfund", "page", "books").output
    assert "raised" in text and "1000" in text


def test_a_refused_pledge_prints_one_error_line(run):
    run("crowdfund", "create", "books", "--scheme", "cny", "--organiser", "org", "--goal", "1000", "--deadline",
        "2099-01-01T00:00:00+00:00", "--min-pledge", "100")
    result = run("crowdfund", "pledge", "books", "ann", "99", ok=False)
    assert result.output == (
        "Error: rule 'min_pledge' refused the command: pledge of 99 is under campaign 'books''s minimum of 100 by 1\n")


def test_the_plugin_is_listed_with_its_scheme_kind_and_facts():
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    mine = next(r for r in rows if r["plugin"] == "crowdfund")
    assert (mine["distribution"], mine["schemes"]) == ("commons-ledger-crowdfund", ["crowdfund"])
    assert mine["facts"] == ["crowdfund.campaign.v1", "crowdfund.matching.v1", "crowdfund.settlement.v1",
                             "crowdfund.status.v1"]
