"""SIGKILL a writer at random moments: the chain verifies, nothing is half-applied, nothing
acknowledged is lost — on a SQLite file and on a PostgreSQL server (the client dies; the
server must roll its open transaction back and release the chain lock)."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

from ledger import Ledger

KILLS = 50
SEED = 2026
BACKENDS = ("sqlite", "postgres")


def writer(db: str, acks: str, start: int) -> None:
    """Append transfers (and now and then a batch) forever, noting each acknowledged id."""
    with Ledger(db) as led, open(acks, "a", buffering=1) as out:
        i = start
        while True:
            if i % 7 == 0:
                items = [{"type": "transfer", "debit": "t:issuer", "credit": "b", "amount": 1,
                          "transfer_id": f"x{i}-{j}"} for j in range(5)]
                led.batch(items, request_id=f"batch-{i}")
                out.write("".join(f"x{i}-{j}\n" for j in range(5)))
            else:
                led.transfer("t:issuer", "a" if i % 2 else "b", 1 + i % 5, transfer_id=f"x{i}", request_id=f"r{i}")
                out.write(f"x{i}\n")  # after the call returned: acknowledged
            i += 1


def test_sigkill_at_random_moments_loses_nothing_acknowledged(db_path: str, backend: str, tmp_path: Path):
    db, acks = db_path, str(tmp_path / "acks.txt")
    with Ledger(db, create=True) as led:
        led.register_scheme("t", "m", floor=None)
        led.open_account("a", "t")
        led.open_account("b", "t")
    rng = random.Random(SEED)
    ctx = mp.get_context("fork")  # fast restarts; the parent holds no connection while forking
    verified = 0
    for kill in range(KILLS):
        child = ctx.Process(target=writer, args=(db, acks, kill * 100_000))
        child.start()
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        with Ledger(db) as led:
            report = led.verify()
            assert report.ok, (kill, report)
            totals = led.unit_totals()["m"]
            assert (totals["posted"], totals["pending"]) == (0, 0)
            # Grouped once, not a correlated count per transfer: postings have no seq index.
            half = led._rows(
                "SELECT t.transfer_id FROM ledger_transfers t LEFT JOIN "
                "(SELECT seq, COUNT(*) AS n FROM ledger_postings GROUP BY seq) p ON p.seq = t.seq "
                "WHERE COALESCE(p.n, 0) != 2"
            )
            assert half == [], kill
            stored = {r[0] for r in led._rows("SELECT transfer_id FROM ledger_transfers")}
        acked = set(Path(acks).read_text().split()) if Path(acks).exists() else set()
        assert acked <= stored, (kill, sorted(acked - stored)[:5])
        verified += 1
    assert verified == KILLS
    assert len(acked) > KILLS  # the children did real work between kills
    print(f"crash tally ({backend}): {KILLS} kills, {verified} verified, {len(acked)} acknowledged, 0 lost")
