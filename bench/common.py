"""What every workload shares: the result row, timing, temporary ledgers and the eventsourcing baseline."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

import ledger

T = TypeVar("T")

# Pads each baseline event's stored state to about 200 bytes, near our stored transfer event.
MEMO = "bench-transfer-memo-" * 2


@dataclass
class Figure:
    """One printed row: our rate against a baseline rate measured in the same run."""

    name: str
    ours: float
    baseline: float
    baseline_name: str
    goal: Optional[float]
    n: int
    unit: str = "/s"

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def median_rate(count: int, seconds: list[float]) -> float:
    """Items per second from the median of repeated timings."""
    return count / statistics.median(seconds)


def timed(fn: Callable[[], Any]) -> float:
    return timed_value(fn)[0]


def timed_value(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


@contextmanager
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as d:
        yield Path(d)


def new_ledger(directory: Path, name: str = "ours.db") -> ledger.Ledger:
    """A fresh file ledger with one scheme and two member accounts that may go negative freely."""
    lg = ledger.Ledger(str(directory / name), create=True, ledger_id="bench.local/ledger")
    lg.register_scheme("hours", "h", floor=None, ceiling=None)
    lg.open_account("alice", "hours")
    lg.open_account("bob", "hours")
    return lg


def transfer_items(count: int) -> list[dict[str, Any]]:
    return [{"type": "transfer", "debit": "alice", "credit": "bob", "amount": 1, "memo": "bench"}] * count


class Movement(Aggregate):
    """The baseline's transfer: one new stream with a Debited and a Credited event."""

    @event("Debited")
    def __init__(self, account: str, counterparty: str, amount: int, memo: str) -> None:
        self.debited = amount

    @event("Credited")
    def credit(self, account: str, counterparty: str, amount: int, memo: str) -> None:
        self.credited = amount


def movement() -> Movement:
    m = Movement("alice", "bob", 1, MEMO)
    m.credit("bob", "alice", 1, MEMO)
    return m


def baseline_app(directory: Path, name: str = "baseline.db") -> Application:
    """Plain eventsourcing with its own SQLite persistence: file database, WAL, synchronous left at FULL."""
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(directory / name)})
