"""Lots: every award is a lot of points with an expiry date; debits consume them by name.

A resident's lots are derived from the chain alone: each ``carbon.award`` credited to the resident
opens a lot (its id is the award's transfer id), each ``carbon.redemption`` names the lots it
consumed in ``details.lots`` and each ``carbon.expiry`` names the one lot it expired. The rules
check that a redemption consumes the oldest unexpired lots first (FIFO) and an expiry takes exactly
what is left of a due lot, so the replay below always balances and every point's fate is traceable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Iterable, Optional

from ledger import Ledger, TransferResult

from .names import AWARD, CODES, EXPIRY, REDEMPTION

PAGE = 1000


def stamp(when: datetime) -> str:
    """The one time format of the plugin's details: UTC, whole seconds (``2026-06-01T12:00:00+00:00``)."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Lot:
    """One award as a lot: what it earned, what is left, and where the rest went."""

    lot: str
    behaviour: str
    points: int
    earned_at: str
    expires_at: str
    redeemed: int = 0
    expired: int = 0

    @property
    def remaining(self) -> int:
        return self.points - self.redeemed - self.expired

    def due(self, now: datetime) -> bool:
        return parse(self.expires_at) <= now

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "remaining": self.remaining}


def carbon_transfers(ledger: Ledger, *, account: Optional[str] = None, scheme: Optional[str] = None,
                     until: Optional[int] = None) -> list[TransferResult]:
    """Every carbon movement of an account (either side) or of a scheme, in sequence order."""
    found: list[TransferResult] = []
    cursor: Optional[int] = None
    while True:
        page = ledger.transfers(account=account, scheme=scheme, after=cursor, until=until, limit=PAGE)
        found += [t for t in page if t.code in CODES]
        if len(page) < PAGE:
            return found
        cursor = page[-1].seq


def replay(account: str, transfers: Iterable[TransferResult]) -> dict[str, Lot]:
    """The resident's lots, oldest first, after the given movements (in sequence order)."""
    lots: dict[str, Lot] = {}
    for t in transfers:
        if t.code == AWARD and t.credit == account:
            d = t.details
            lots[t.transfer_id] = Lot(t.transfer_id, d["behaviour"], t.amount, d["earned_at"], d["expires_at"])
        elif t.code == REDEMPTION and t.debit == account:
            for part in t.details.get("lots", []):
                lots[part["lot"]].redeemed += part["points"]
        elif t.code == EXPIRY and t.debit == account:
            lots[t.details["lot"]].expired += t.amount
    return lots


def resident_lots(ledger: Ledger, account: str) -> dict[str, Lot]:
    return replay(account, carbon_transfers(ledger, account=account))


def fifo(lots: dict[str, Lot], amount: int, now: datetime) -> tuple[list[dict[str, Any]], int]:
    """The parts of the oldest unexpired lots that pay ``amount``, and how many points they hold
    in all (less than ``amount`` means the resident is short). Due lots are never spent: they
    belong to the expiry account from their expiry date, whether or not ``expire`` has run."""
    parts: list[dict[str, Any]] = []
    left = amount
    usable = 0
    for lot in lots.values():
        if lot.remaining <= 0 or lot.due(now):
            continue
        usable += lot.remaining
        take = min(left, lot.remaining)
        if take:
            parts.append({"lot": lot.lot, "points": take})
            left -= take
    return parts, usable


__all__ = ["Lot", "carbon_transfers", "fifo", "parse", "replay", "resident_lots", "stamp"]
