"""Single durable transfers/s: one command per transaction, each committed (fsync'd) before the next."""

from __future__ import annotations

from .common import Figure, baseline_app, median_rate, movement, new_ledger, temp_dir, timed

NAME = "single"
N, QUICK_N = 3_000, 200
GOAL = 0.7
BASELINE = "eventsourcing, 1 save of 2 events per transfer"


def ours(n: int, request_ids: bool) -> float:
    with temp_dir() as d:
        lg = new_ledger(d)
        ids = range(n)
        try:
            if request_ids:
                return timed(lambda: [lg.transfer("alice", "bob", 1, memo="bench", request_id=f"r{i}") for i in ids])
            return timed(lambda: [lg.transfer("alice", "bob", 1, memo="bench") for _ in ids])
        finally:
            lg.close()


def baseline(n: int) -> float:
    with temp_dir() as d:
        app = baseline_app(d)
        try:
            return timed(lambda: [app.save(movement()) for _ in range(n)])
        finally:
            app.close()


def run(n: int, repeats: int) -> list[Figure]:
    plain: list[float] = []
    with_ids: list[float] = []
    base: list[float] = []
    # Interleaved so that drift in the machine (other load, disk cache) hits both sides alike.
    for _ in range(repeats):
        plain.append(ours(n, request_ids=False))
        base.append(baseline(n))
        with_ids.append(ours(n, request_ids=True))
    base_rate = median_rate(n, base)
    return [
        Figure("single transfers/s", median_rate(n, plain), base_rate, BASELINE, GOAL, n),
        Figure("single transfers/s, with request_id", median_rate(n, with_ids), base_rate, BASELINE, None, n),
    ]
