"""The drift check's cost: ``Ledger.verify()`` (chain + every read model rebuilt and compared)
against the chain walk alone, in events/s, and the peak memory of each in a fresh process.

``python -m bench --only drift`` runs N = 10^5; ``python -m bench.drift --n 1000000`` any N.
The ledger mixes transfers, holds (placed, half posted, half voided) and request ids, so every
read model has rows. The baseline is ``ledger_audit.verify_chain`` over the same rows — what
verify did before it rebuilt the read models — measured in the same run, in its own process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .common import Figure, median_rate, new_ledger, temp_dir

NAME = "drift"
N, QUICK_N = 100_000, 5_000
BATCH = 1_000

CHILD = r"""
import json, resource, sqlite3, sys, time
from ledger import Ledger
from ledger_audit import verify_chain
db, what = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if what == "ours":
    with Ledger(db) as led:
        report = led.verify()
    ok, size = report.ok, report.size
else:  # the chain alone, rows streamed as verify reads them
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT c.leaf, e.state, c.hash FROM ledger_chain c JOIN stored_events e ON e.rowid = c.notification_id "
        "ORDER BY c.seq")
    size = 0
    def records():
        global size
        for leaf, body, digest in rows:
            size += 1
            yield bytes(leaf), bytes(body), bytes(digest)
    verify_chain(records())
    ok = True
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ok": ok, "size": size, "seconds": seconds, "peak_kib": peak, "start_kib": before}))
"""


def build(directory: Path, n: int) -> str:
    """A ledger of about ``n`` events: batches of transfers, holds and their settlement."""
    lg = new_ledger(directory)
    try:
        for name in ("carol", "dan"):
            lg.open_account(name, "hours")
        round_no = 0
        while lg.size() < n:
            round_no += 1
            items = [
                {"type": "transfer", "debit": "alice", "credit": "bob", "amount": 1, "memo": "bench"}
                for _ in range(BATCH // 2)
            ]
            holds = [
                {"type": "hold", "debit": "carol", "credit": "dan", "amount": 4, "hold_id": f"h{round_no}-{i}"}
                for i in range(BATCH // 4)
            ]
            lg.batch(items + holds)
            settle = [
                {"type": "post", "hold_id": f"h{round_no}-{i}", "amount": 3}
                if i % 2 == 0
                else {"type": "void", "hold_id": f"h{round_no}-{i}"}
                for i in range(BATCH // 4)
            ]
            lg.batch(settle, request_id=f"settle-{round_no}")
            lg.transfer("bob", "alice", 1, request_id=f"back-{round_no}")
        return lg.db
    finally:
        lg.close()


def measure(db: str, what: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, db, what], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n: int, repeats: int) -> list[Figure]:
    with temp_dir() as d:
        db = build(d, n)
        ours = [measure(db, "ours") for _ in range(repeats)]
        chain = [measure(db, "chain") for _ in range(repeats)]
    size = ours[0]["size"]
    assert all(r["ok"] for r in ours), "the benchmark ledger must verify"
    peak_ours = max(r["peak_kib"] for r in ours) / 1024
    peak_chain = max(r["peak_kib"] for r in chain) / 1024
    return [
        Figure("Ledger.verify() with drift check events/s", median_rate(size, [r["seconds"] for r in ours]),
               median_rate(size, [r["seconds"] for r in chain]), "ledger_audit.verify_chain alone", None, size),
        # Peak resident memory of each process (ratio > 1: verify needs more than the chain walk).
        Figure("Ledger.verify() peak RSS (MiB)", peak_ours, peak_chain, "verify_chain's process", None, size, " MiB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.drift")
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    for figure in run(args.n, args.repeats):
        print(f"{figure.name}: ours {figure.ours:,.1f}{figure.unit}, baseline {figure.baseline:,.1f}{figure.unit}, "
              f"ratio {figure.ratio:.3f}, N={figure.n:,}")


if __name__ == "__main__":
    main()
