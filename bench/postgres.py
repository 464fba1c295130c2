"""PostgreSQL transfers/s with 4 writer processes against 1 writer process, same server, same run.

The server is a throwaway one (``ledger.pgserver.TemporaryPostgres``) with ``fsync=on``, so a
commit costs what it costs in production on this disk. Each writer process opens its own
``Ledger`` on the URL and moves 1 unit from its own account into one shared hot account
(``pool``); the rate is all transfers over the wall time from the first start to the last end.
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import ledger

from .common import Figure

NAME = "postgres"
N, QUICK_N = 2_000, 200
GOAL = 1.0
BASELINE = "the same transfers from 1 writer process"


def _writer(url: str, name: str, n: int, start: Any, out: Any) -> None:
    with ledger.Ledger(url, load_entrypoints=False) as lg:
        start.wait()
        began = time.perf_counter()
        for _ in range(n):
            lg.transfer(name, "pool", 1, memo="bench")
        out.put((began, time.perf_counter()))


def rate(server: Any, writers: int, n: int) -> float:
    url = server.create_database()
    try:
        with tempfile.TemporaryDirectory() as d, ledger.Ledger(
            url, create=True, ledger_id="bench.local/pg", load_entrypoints=False, key_path=str(Path(d) / "k")
        ) as lg:
            lg.register_scheme("hours", "h", floor=None, ceiling=None)
            lg.open_account("pool", "hours")
            for w in range(writers):
                lg.open_account(f"w{w}", "hours")
        ctx = mp.get_context("spawn")
        start, out = ctx.Barrier(writers), ctx.Queue()
        per = n // writers
        procs = [ctx.Process(target=_writer, args=(url, f"w{w}", per, start, out)) for w in range(writers)]
        for p in procs:
            p.start()
        spans = [out.get(timeout=900) for _ in procs]
        for p in procs:
            p.join()
        with ledger.Ledger(url, load_entrypoints=False) as lg:
            assert lg.verify().ok and lg.balance("pool").posted == per * writers
        return per * writers / (max(e for _, e in spans) - min(b for b, _ in spans))
    finally:
        server.drop_database(url)


def run(n: int, repeats: int) -> list[Figure]:
    from ledger.pgserver import TemporaryPostgres

    one: list[float] = []
    four: list[float] = []
    with TemporaryPostgres(fsync=True) as server:
        for _ in range(repeats):  # interleaved, so drift in the machine hits both alike
            one.append(rate(server, 1, n))
            four.append(rate(server, 4, n))
    return [
        Figure("PostgreSQL transfers/s, 4 writer processes", statistics.median(four), statistics.median(one),
               BASELINE, GOAL, n)
    ]
