"""4 processes x 500 transfers on shared hot accounts, on SQLite and PostgreSQL: one chain,
nothing lost or doubled, retried request ids answered from the log."""

from __future__ import annotations

import multiprocessing as mp

from ledger import Ledger

WRITERS, PER_WRITER = 4, 500
BACKENDS = ("sqlite", "postgres")


def writer(db: str, name: str, queue: mp.Queue) -> None:
    acked = []
    with Ledger(db) as led:
        for i in range(PER_WRITER):
            # Everyone mints from the issuer and pays into the common pool: two hot accounts.
            debit, credit = ("pool:issuer", name) if i % 2 == 0 else (name, "pool")
            request = f"{name}-{i}"
            result = led.transfer(debit, credit, 1, transfer_id=request, request_id=request)
            if i % 50 == 0:  # a client retrying after a timeout must not double anything
                assert led.transfer(debit, credit, 1, transfer_id=request, request_id=request) == result
            acked.append(result.transfer_id)
    queue.put(acked)


def test_four_writers_on_hot_accounts_keep_one_chain_and_every_transfer(db_path: str):
    db = db_path
    names = [f"w{i}" for i in range(WRITERS)]
    with Ledger(db, create=True) as led:
        led.register_scheme("pool", "cents", floor=None)
        led.open_account("pool", "pool")
        for name in names:
            led.open_account(name, "pool")
        start = led.size()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(db, name, queue)) for name in names]
    for p in procs:
        p.start()
    acked = [tid for _ in procs for tid in queue.get(timeout=600)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    with Ledger(db) as led:
        report = led.verify()
        # Each transfer and the request event that records its request id.
        assert report.ok and report.size == start + 2 * WRITERS * PER_WRITER
        stored = [r[0] for r in led._rows("SELECT transfer_id FROM ledger_transfers")]
        assert len(stored) == len(set(stored)) == len(acked) == WRITERS * PER_WRITER
        assert set(stored) == set(acked)
        assert led.unit_totals()["cents"] == {"posted": 0, "pending": 0, "accounts": WRITERS + 2}
        assert led.balance("pool").posted == WRITERS * PER_WRITER // 2
        seqs = [r[0] for r in led._rows("SELECT seq FROM ledger_chain ORDER BY seq")]
        assert seqs == list(range(len(seqs)))
