"""Proofs and balance reads at scale: the same operations on a large and a small ledger.

Inclusion proofs and balances must not slow down with history (they read O(log n)
stored nodes and one balance row). Both are measured on a ledger of N events and on
one of 1,000, in the same run; the ratio of rates is the figure (1.0 = no slowdown).
"""

from __future__ import annotations

import math
import random
import statistics
import time

from ledger_audit import rfc6962

from .common import Figure, new_ledger, temp_dir, transfer_items

NAME = "proofs"
N, QUICK_N = 1_000_000, 20_000
SMALL = 1_000
BATCH = 1_000
SAMPLES = 2_000
BALANCE_GOAL = 1 / 1.5  # balance read at N may take at most 1.5x the read at 1,000


def build(directory, size: int):
    lg = new_ledger(directory, f"l{size}.db")
    items = transfer_items(BATCH)
    while lg.size() < size:
        lg.batch(items[: min(BATCH, size - lg.size())])
    return lg


def latencies(fn, args: list) -> list[float]:
    out = []
    for a in args:
        start = time.perf_counter()
        fn(*a)
        out.append(time.perf_counter() - start)
    return out


def run(n: int, repeats: int) -> list[Figure]:
    rng = random.Random(6962)
    with temp_dir() as d:
        small, large = build(d, SMALL), build(d, n)
        try:
            results = {}
            for name, lg in (("small", small), ("large", large)):
                size = lg.size()
                seqs = [(rng.randrange(size), size) for _ in range(SAMPLES)]
                proof_times = latencies(lg.inclusion_proof, seqs)
                balance_times = latencies(lg.balance, [("bob",)] * SAMPLES)
                results[name] = (size, proof_times, balance_times)
            size = large.size()
            root = large.root()
            seq = rng.randrange(size)
            proof = large.inclusion_proof(seq)
            leaf = bytes(large._rows("SELECT hash FROM ledger_chain WHERE seq = ?", (seq,))[0][0])
            rfc6962.verify_inclusion(leaf, seq, size, proof, root)  # the proofs we time are real
        finally:
            small.close()
            large.close()
    med = {k: (statistics.median(v[1]), statistics.median(v[2])) for k, v in results.items()}
    print(
        f"  proofs at {size:,} events: median {med['large'][0] * 1e3:.3f} ms, "
        f"size {32 * len(proof)} bytes (32 x ceil(log2 n) = {32 * math.ceil(math.log2(size))}); "
        f"balance read median {med['large'][1] * 1e6:.0f} us",
        flush=True,
    )
    return [
        Figure(
            "inclusion proofs/s at N (vs 1,000)",
            1 / med["large"][0],
            1 / med["small"][0],
            f"same at {SMALL:,} events",
            None,
            size,
        ),
        Figure(
            "balance reads/s at N (vs 1,000)",
            1 / med["large"][1],
            1 / med["small"][1],
            f"same at {SMALL:,} events",
            BALANCE_GOAL,
            size,
        ),
    ]
