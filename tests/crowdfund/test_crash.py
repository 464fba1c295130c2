"""A close killed half-way (SIGKILL of the closing process), then run again: exactly one settlement."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ledger_crowdfund import Crowdfund, plugin

from ledger import Ledger

from .conftest import DONORS, FUNDED, new_campaign, open_ledger, past_deadline, seed

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

CHILD = Path(__file__).with_name("crash_child.py")
PLEDGES = 240  # enough that the close takes a while; each is 10 cents, so the goal of 1000 is met


def prepare(path: str, clock) -> None:
    with open_ledger(path, clock) as led:
        seed(led)
        fund = Crowdfund(led)
        new_campaign(fund, clock, host="host", fee_bps=300)
        fund.add_matching("well", "sponsor", 700)
        for i in range(PLEDGES):
            fund.pledge("well", DONORS[i % len(DONORS)], 10, pledge=f"p{i}")
    past_deadline(clock)


def start(path: str, clock, mode: str, marker: Path) -> subprocess.Popen:
    # The marker is a file of its own: a PostgreSQL ledger's URL is no place to put one beside.
    return subprocess.Popen([sys.executable, str(CHILD), path, clock.now.isoformat(), mode, str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def assert_settled_once(path: str, clock) -> None:
    with open_ledger(path, clock) as led:
        fund = Crowdfund(led)
        settled = fund.close("well")  # the re-run: finishes the job, or answers with the outcome
        assert fund.close("well") == settled
        assert len(led.facts("crowdfund.settlement.v1", "well")) == 1
        assert fund.events("well") == ["launched", "goal_reached", "closed", "succeeded"]
        pledges = [h for h in led.holds(account="well:escrow") if h.code == "crowdfund.pledge"]
        assert len(pledges) == PLEDGES and {h.status for h in pledges} == {"posted"}
        assert len(led.transfers(code="crowdfund.pledge", limit=10_000)) == PLEDGES  # each posted once
        gross = PLEDGES * 10 + 700
        assert (settled.posted, settled.fee, settled.net) == (gross, gross * 300 // 10_000, gross - gross * 3 // 100)
        assert led.balance("org").posted + led.balance("host").posted == gross
        assert led.balance("well:escrow").posted == 0
        assert sum(led.balance(d).posted for d in DONORS) == len(DONORS) * FUNDED - PLEDGES * 10
        assert led.unit_totals()["cents"]["posted"] == 0
        assert led.verify().ok


def test_close_killed_inside_its_write_transaction_then_rerun(db_path, clock, tmp_path):
    prepare(db_path, clock)
    marker = tmp_path / "stalled"
    child = start(db_path, clock, "stall", marker)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        assert time.monotonic() < deadline, "the child never reached the settlement's write transaction"
        time.sleep(0.02)
    kill(child)  # every post is inserted, nothing committed
    with Ledger(db_path, clock=clock, load_entrypoints=False, plugins=[plugin]) as led:
        assert led.fact("crowdfund.settlement.v1", "well") is None
        assert {h.status for h in led.holds(account="well:escrow")} == {"held"}
        assert led.verify().ok
    assert_settled_once(db_path, clock)


@pytest.mark.parametrize("seed_", [1, 2, 3])
def test_close_killed_at_a_random_moment_then_rerun(db_path, clock, seed_, tmp_path):
    prepare(db_path, clock)
    child = start(db_path, clock, "run", tmp_path / "unused")
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "closing"
    time.sleep(random.Random(seed_).uniform(0, 0.3))  # a close of 240 pledges takes about 0.25 s
    if child.poll() is None:
        kill(child)
    assert_settled_once(db_path, clock)


def test_close_run_to_completion_in_a_child_then_rerun(db_path, clock, tmp_path):
    prepare(db_path, clock)
    child = start(db_path, clock, "run", tmp_path / "unused")
    out, err = child.communicate(timeout=120)
    assert (out, child.returncode) == ("closing\nclosed\n", 0), err
    assert_settled_once(db_path, clock)

