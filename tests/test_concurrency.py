"""Two real processes appending to one SQLite file never fork the chain or lose a transfer."""

from __future__ import annotations

import multiprocessing as mp

from ledger import Ledger

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")

PER_PROCESS = 150


def writer(path: str, name: str, queue: mp.Queue) -> None:
    acknowledged = []
    with Ledger(path) as led:
        for i in range(PER_PROCESS):
            # Every transfer touches the scheme's issuer: the hot account of the ledger.
            result = led.transfer("time:issuer", name, 1 + i % 7, transfer_id=f"{name}-{i}", request_id=f"{name}-{i}")
            acknowledged.append((result.transfer_id, result.seq))
            if i % 10 == 0:
                led.hold(name, "time:issuer", 1, hold_id=f"{name}-h{i}")
                led.post(f"{name}-h{i}")
    queue.put(acknowledged)


def test_two_processes_append_concurrently_without_forks_or_losses(db_path):
    with Ledger(db_path, create=True) as led:
        led.register_scheme("time", "minutes", floor=None)
        led.open_account("p1", "time")
        led.open_account("p2", "time")
        start = led.size()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(db_path, name, queue)) for name in ("p1", "p2")]
    for p in procs:
        p.start()
    acked = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    with Ledger(db_path) as led:
        report = led.verify()
        assert report.ok, report
        # Per process: 150 transfers, each with its request event, and 15 holds + 15 posts.
        assert report.size == start + 2 * (2 * PER_PROCESS + 30)
        seqs = [seq for ack in acked for _, seq in ack]
        assert len(set(seqs)) == len(seqs) == 2 * PER_PROCESS
        stored = {row[0] for row in led._rows("SELECT transfer_id FROM ledger_transfers")}
        assert {tid for ack in acked for tid, _ in ack} <= stored
        assert led.unit_totals()["minutes"]["posted"] == 0
        expected = {name: sum(1 + i % 7 for i in range(PER_PROCESS)) - 15 for name in ("p1", "p2")}
        assert {name: led.balance(name).posted for name in expected} == expected
