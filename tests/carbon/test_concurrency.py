"""Two real processes redeeming the bakery's last loaves at once: stock never goes negative.

The plugin serialises redemptions of one item by revising its stock fact in the same
transaction; a writer that lost the race is decided again and then refused.
"""

from __future__ import annotations

import multiprocessing as mp

from ledger_carbon import CarbonScheme, plugin

from ledger import Ledger, LedgerError

from .conftest import new_scheme, open_ledger

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

ROUNDS = 6


def redeemer(path: str, resident: str, queue: mp.Queue) -> None:
    won, refused = 0, 0
    with Ledger(path, plugins=[plugin], load_entrypoints=False) as led:
        cs = CarbonScheme(led, "green")
        for _ in range(ROUNDS):
            try:
                cs.redeem(resident, "bakery", "loaf", 1)
                won += 1
            except LedgerError:
                refused += 1
    queue.put((resident, won, refused))


def test_concurrent_redemptions_never_oversell_stock(db_path, clock):
    with open_ledger(db_path, clock) as led:
        cs = new_scheme(led)
        for i, resident in enumerate(("alice", "bob")):
            cs.award(resident, "recycling", 10, verifier="station", evidence=f"bulk-{i}")
        assert cs.stock("bakery", "loaf") == 5
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=redeemer, args=(db_path, r, queue)) for r in ("alice", "bob")]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sum(won for _, won, _ in results) == 5  # every loaf sold exactly once
    assert sum(refused for _, _, refused in results) == 2 * ROUNDS - 5
    with Ledger(db_path, plugins=[plugin], load_entrypoints=False) as led:
        cs = CarbonScheme(led, "green")
        assert cs.stock("bakery", "loaf") == 0
        assert cs.balance("bakery").posted == 5 * 30
        assert led.verify().ok
