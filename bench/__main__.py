"""``python -m bench [--quick] [--only NAME] [--json PATH]``: run the workloads and print one table."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sqlite3
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from types import ModuleType
from typing import Any, Optional

from . import batched, disk, drift, export, postgres, proofs, single, verify
from .common import Figure

WORKLOADS: dict[str, ModuleType] = {
    m.NAME: m for m in (single, batched, verify, drift, proofs, disk, postgres, export)
}
REPEATS, QUICK_REPEATS = 3, 1


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": version("eventsourcing"),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load(),
    }


def load() -> str:
    # Other processes on a 2-core box skew our CPU-bound path far more than the fsync-bound baselines.
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt_rate(value: float, unit: str = "/s") -> str:
    return f"{value:,.0f}{unit}" if math.isfinite(value) else "-"


def fmt_goal(goal: Optional[float]) -> str:
    return "-" if goal is None else f">= {goal:.2f}"


def met(figure: Figure) -> str:
    return "-" if figure.goal is None else ("yes" if figure.ratio >= figure.goal else "no")


def table(figures: list[Figure]) -> str:
    head = ("figure", "ours", "baseline", "ratio", "goal", "met", "baseline is", "N")
    rows = [
        (
            f.name,
            fmt_rate(f.ours, f.unit),
            fmt_rate(f.baseline, f.unit),
            f"{f.ratio:.3f}",
            fmt_goal(f.goal),
            met(f),
            f.baseline_name,
            f"{f.n:,}",
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in (head, *rows)) for i in range(len(head))]
    right = {1, 2, 3, 7}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *map(line, rows)])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Ledger throughput against baselines.")
    parser.add_argument("--quick", action="store_true", help="small N, one repeat: a smoke run")
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append", help="run only this workload")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    names = args.only or list(WORKLOADS)
    repeats = QUICK_REPEATS if args.quick else REPEATS
    sizes = {name: WORKLOADS[name].QUICK_N if args.quick else WORKLOADS[name].N for name in names}
    info = machine()
    print(" | ".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    print(
        f"mode: {'quick' if args.quick else 'full'} | repeats: {repeats} (median) | N: "
        + ", ".join(f"{k}={v:,}" for k, v in sizes.items())
    )
    figures: list[Figure] = []
    started = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        figures += WORKLOADS[name].run(sizes[name], repeats)
        print(f"  {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print()
    print(table(figures))
    print(f"\ntotal {time.perf_counter() - started:.0f} s | load average at end: {load()}")
    if args.json:
        with open(args.json, "w") as fh:
            results = {"machine": info, "load_at_end": load(), "repeats": repeats, "n": sizes}
            json.dump({**results, "figures": [f.to_dict() for f in figures]}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
