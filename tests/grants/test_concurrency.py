"""Two real processes disbursing tranches of one grant at once: the commitment is never exceeded.

Each tranche revises the grant's tally fact with ``expected_version`` in the same transaction
and the limit is checked again inside the write, so a writer that lost the race is decided
again from fresh state and then refused.
"""

from __future__ import annotations

import multiprocessing as mp

from ledger_grants import Grants, grant_statement, plugin

from ledger import Ledger, LedgerError

from .conftest import award, open_ledger, seed

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

ROUNDS = 6
TRANCHE = 100_000  # the grant's 1 000 000 commitment holds exactly 10 of them


def disburser(path: str, name: str, queue: mp.Queue) -> None:
    won, refused = 0, 0
    with Ledger(path, plugins=[plugin], load_entrypoints=False) as led:
        grants = Grants(led)
        for i in range(ROUNDS):
            try:
                grants.disburse("g1", TRANCHE, transfer_id=f"{name}-{i}")
                won += 1
            except LedgerError:
                refused += 1
    queue.put((name, won, refused))


def test_concurrent_tranches_never_exceed_the_commitment(db_path, clock):
    with open_ledger(db_path, clock) as led:
        grants = seed(led)
        award(grants)
        grants.disburse("g1", 2 * TRANCHE)  # 8 tranches left for 12 attempts
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=disburser, args=(db_path, name, queue)) for name in ("p1", "p2")]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sum(won for _, won, _ in results) == 8
    assert sum(refused for _, _, refused in results) == 2 * ROUNDS - 8
    with Ledger(db_path, plugins=[plugin], load_entrypoints=False) as led:
        statement = grant_statement(led, "g1")
        assert (statement.disbursed, statement.undisbursed) == (1_000_000, 0)
        assert led.balance("water").posted == 1_000_000
        assert led.verify().ok
