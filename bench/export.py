"""``Ledger.export`` with the built-in exporters: time and peak memory, against an export without them.

The ledger (built before timing): 1,000 accounts (every other one with an owner, so its
opening is withheld from the public export), then batches of 1,000 items: transfers
with memos (one in ten personal), and holds placed and posted. Each export runs in a
fresh interpreter so its peak resident set (``ru_maxrss``) is its own; a second run
under ``tracemalloc`` gives the peak of Python allocations alone. The baseline is the
same export with ``formats=[]`` (leaves, bodies, checkpoint and the signed manifest
only): what the exporters add on top.

``BENCH_EXPORT_CODE=DIR`` runs the export children with the ``ledger`` and
``ledger_audit`` packages of another checkout (``DIR`` and ``DIR/audit`` first on
``sys.path``), so one ledger file measures the code before and after a change.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from ledger_audit import verify_export

import ledger

from .common import Figure, median_rate, temp_dir, timed

NAME = "export"
N, QUICK_N = 100_000, 5_000
ACCOUNTS, BATCH = 1_000, 1_000
FORMATS = ("csv", "sqlite")

# Runs in a fresh interpreter: one export, then its own time and peak memory as JSON.
CHILD = r"""
import json, resource, sys, time, tracemalloc
from ledger import Ledger
db, out, formats, trace = sys.argv[1], sys.argv[2], [f for f in sys.argv[3].split(",") if f], sys.argv[4] == "1"
with Ledger(db) as led:
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    led.export(out, formats=formats)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else None
print(json.dumps({"seconds": seconds, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "traced": traced}))
"""


def build(directory: Path, n: int) -> ledger.Ledger:
    lg = ledger.Ledger(str(directory / "ours.db"), create=True, ledger_id="bench.local/export")
    lg.register_scheme("hours", "h", floor=None, ceiling=None)
    names = [f"m{i:04d}" for i in range(ACCOUNTS)]
    for i, name in enumerate(names):
        lg.open_account(name, "hours", owner=f"Member {i}" if i % 2 else "")
    batch_no = 0
    while lg.size() < n:
        items: list[dict[str, Any]] = []
        want = min(BATCH, n - lg.size())  # events, not items: a hold and its post are two
        j = 0
        while len(items) < want:
            a, b = names[(batch_no * 7 + j) % ACCOUNTS], names[(batch_no * 13 + j * 3 + 1) % ACCOUNTS]
            if a == b:
                b = names[(j + 1) % ACCOUNTS] if a != names[(j + 1) % ACCOUNTS] else names[(j + 2) % ACCOUNTS]
            if j % 20 == 10 and len(items) + 2 <= want:
                hold = f"h{batch_no}-{j}"
                items.append({"type": "hold", "debit": a, "credit": b, "amount": 5, "hold_id": hold})
                items.append({"type": "post", "hold_id": hold, "amount": 3})
            else:
                items.append({"type": "transfer", "debit": a, "credit": b, "amount": 1 + j % 50,
                              "memo": f"thanks for the help, week {j % 52}", "personal": j % 10 == 0})
            j += 1
        lg.batch(items)
        batch_no += 1
    return lg


def child(db: str, out: Path, formats: tuple[str, ...], trace: bool) -> dict[str, Any]:
    env = dict(os.environ)
    code = os.environ.get("BENCH_EXPORT_CODE")
    if code:
        env["PYTHONPATH"] = os.pathsep.join([code, os.path.join(code, "audit"), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, db, str(out), ",".join(formats), "1" if trace else "0"],
        capture_output=True, text=True, env=env, check=False, cwd=out.parent,  # not this checkout's cwd
    )
    if done.returncode:
        raise RuntimeError(f"export child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(n: int, repeats: int) -> dict[str, Any]:
    """Times, peaks and verify rates of an export of ``n`` events with and without the exporters."""
    with temp_dir() as d:
        lg = build(d, n)
        try:
            db, key, size = lg.db, lg.public_key, lg.size()
        finally:
            lg.close()
        runs: dict[str, list[dict[str, Any]]] = {"ours": [], "base": []}
        verify: dict[str, list[float]] = {"ours": [], "base": []}
        for r in range(repeats):
            for side, formats in (("ours", FORMATS), ("base", ())):  # alternate, so drift hits both
                out = d / f"{side}-{r}"
                runs[side].append(child(db, out, formats, trace=False))
                if not os.environ.get("BENCH_EXPORT_CODE"):  # older code writes no signed manifest
                    verify[side].append(timed(lambda out=out: verify_export(out, key)))
        traced = {side: child(db, d / f"{side}-traced", formats, trace=True)["traced"]
                  for side, formats in (("ours", FORMATS), ("base", ()))}
    return {
        "size": size,
        "seconds": {side: statistics.median(r["seconds"] for r in rs) for side, rs in runs.items()},
        "rss_mb": {side: max(r["rss_kb"] for r in rs) / 1024 for side, rs in runs.items()},
        "traced_mb": {side: value / 2**20 for side, value in traced.items()},
        "verify": {side: median_rate(size, seconds) if seconds else float("nan") for side, seconds in verify.items()},
    }


def run(n: int, repeats: int) -> list[Figure]:
    m = measure(n, repeats)
    size, s = m["size"], m["seconds"]
    print(
        f"  export of {size:,} events: {s['ours']:.2f} s with csv+sqlite, {s['base']:.2f} s without; "
        f"peak RSS {m['rss_mb']['ours']:.0f} MB / {m['rss_mb']['base']:.0f} MB; "
        f"tracemalloc peak {m['traced_mb']['ours']:.1f} MB / {m['traced_mb']['base']:.1f} MB",
        file=sys.stderr,
    )
    base = "export with formats=[] (chain files + signed manifest)"
    return [
        Figure("export events/s (csv+sqlite)", size / s["ours"], size / s["base"], base, None, size),
        # Lower is better here: the ratio is how many times the exporters' peak the bare export's is.
        Figure("export peak RSS (csv+sqlite)", m["rss_mb"]["ours"], m["rss_mb"]["base"], base, None, size, " MB"),
        Figure("export tracemalloc peak (csv+sqlite)", m["traced_mb"]["ours"], m["traced_mb"]["base"], base, None,
               size, " MB"),
        Figure("ledger-audit verify events/s, recomputing csv+sqlite", m["verify"]["ours"], m["verify"]["base"],
               "ledger-audit verify of the bare export", None, size),
    ]


if __name__ == "__main__":  # python -m bench.export [N]: the figures as JSON, for before/after runs
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else N, 1), indent=1))
