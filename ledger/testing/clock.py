"""A clock moved by hand, so hold deadlines and periods are tested exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """The ledger's clock, moved by hand: ``Ledger(path, clock=FakeClock())``."""

    def __init__(self, start: datetime = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


__all__ = ["FakeClock"]
