"""Measure verify_export against bare chained SHA-256 over the same leaf bytes, in one run.

Not a test (nothing is asserted): ``python tests/audit/bench_export.py [EVENTS] [--profile]``.
The export is written by the spec's kit (tests/audit/exportkit.py): transfers in two
units, hold lifecycles, a key rotation and withheld bodies.
"""

from __future__ import annotations

import cProfile
import hashlib
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exportkit import ExportKit
from ledger_audit import verify_export


def build(events: int) -> ExportKit:
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.scheme("carbon", "points")
    for name, scheme in (("alice", "time"), ("bob", "time"), ("alice.pts", "carbon"), ("bob.pts", "carbon")):
        kit.account(name, scheme, "")  # opened before they move (chain-spec §10)
    i = 0
    while kit.size < events:
        i += 1
        if i == events // 2:
            kit.rotate_key()
        elif i % 10 == 0:
            kit.place_hold(f"h{i}", "alice", "bob", 30, "minutes")
            kit.post_hold(f"h{i}", 20, 10)
        elif i % 7 == 0:
            kit.transfer(f"t{i}", "alice.pts", "bob.pts", 3, "points", withheld=i % 21 == 0)
        else:
            kit.transfer(f"t{i}", "alice", "bob", 1 + i % 50, "minutes", memo="thanks for the help")
    return kit


def bare_chain(path: Path) -> bytes:
    """The floor: read each line and chain SHA-256 over the leaf bytes, nothing else."""
    sha256, head = hashlib.sha256, b"\x00" * 32
    with open(path, "rb") as f:
        for line in f:
            head = sha256(head + line[:-1]).digest()
    return head


def timed(label: str, events: int, fn) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {seconds:7.2f} s  {events / seconds:>10,.0f} events/s")
    return seconds


def main() -> None:
    events = int(next((a for a in sys.argv[1:] if a.isdigit()), 200_000))
    start = time.perf_counter()
    kit = build(events)
    with tempfile.TemporaryDirectory() as tmp:
        directory = kit.write(Path(tmp) / "export")
        size = kit.size
        leaf_mb = (directory / "leaves.jsonl").stat().st_size / 1e6
        body_mb = (directory / "bodies.jsonl").stat().st_size / 1e6
        print(
            f"{size} events ({leaf_mb:.0f} MB leaves, {body_mb:.0f} MB bodies) built in "
            f"{time.perf_counter() - start:.1f} s"
        )
        bare_chain(directory / "leaves.jsonl")  # warm the page cache
        timed("bare chained sha256 over the leaf lines", size, lambda: bare_chain(directory / "leaves.jsonl"))
        timed("verify_export", size, lambda: verify_export(directory, kit.genesis_key))
        timed(
            "verify_export, conservation=True",
            size,
            lambda: verify_export(directory, kit.genesis_key, conservation=True),
        )
        if "--profile" in sys.argv:
            profile = cProfile.Profile()
            profile.runcall(verify_export, directory, kit.genesis_key)
            pstats.Stats(profile).sort_stats("tottime").print_stats(14)


if __name__ == "__main__":
    main()
