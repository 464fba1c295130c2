"""A grant's movements read back from the ledger, as of a sequence number, with their corrections.

A correction is a reversal (``Ledger.reverse``): a new transfer the other way whose ``reverses``
names the original and which carries the original's code and details. Read models that must say
what *is* (a report's expense list, the tracing pools) leave out both the reversed movement and
its reversal; read models that must say what *happened* (the IATI file) show both.
"""

from __future__ import annotations

from typing import Optional

from ledger import Ledger, TransferResult

from .facts import Grant
from .names import EXPENSE, GRANT_CODES, RETURN, TRANCHE

PAGE = 1000


def account_transfers(ledger: Ledger, account: str, until: Optional[int] = None) -> list[TransferResult]:
    """Every transfer touching ``account`` (either side) up to ``until``, in chain order."""
    rows: list[TransferResult] = []
    after: Optional[int] = None
    while True:
        page = ledger.transfers(account=account, after=after, until=until, limit=PAGE)
        rows += page
        if len(page) < PAGE:
            return rows
        after = page[-1].seq


def cancelled(transfers: list[TransferResult]) -> set[str]:
    """Ids of the transfers a correction cancels: each reversed original and its reversal.

    In chain order; a reversal of a reversal re-instates the original (the core reverses each
    transfer at most once, so the pairs never overlap otherwise).
    """
    dead: set[str] = set()
    origin = {t.transfer_id: t.reverses for t in transfers if t.reverses is not None}
    for t in transfers:
        if t.reverses is None:
            continue
        if t.reverses in dead and origin.get(t.reverses) is not None:
            dead.discard(origin[t.reverses])  # undoing a correction brings the original back
            dead.add(t.transfer_id)
        else:
            dead.update((t.reverses, t.transfer_id))
    return dead


def grant_movements(ledger: Ledger, grant: Grant, until: Optional[int] = None) -> list[TransferResult]:
    """The grant's tranches, expenses and returns and their reversals, in chain order."""
    return [t for t in account_transfers(ledger, grant.fund, until)
            if t.code in GRANT_CODES and t.details.get("grant") == grant.grant]


def signed(t: TransferResult) -> int:
    """The movement's amount, negative for a reversal (a correction takes it back)."""
    return -t.amount if t.reverses is not None else t.amount


def totals(movements: list[TransferResult]) -> dict[str, int]:
    """Disbursed, spent and returned, net of corrections, recomputed from the movements."""
    out = {"disbursed": 0, "spent": 0, "returned": 0}
    names = {TRANCHE: "disbursed", EXPENSE: "spent", RETURN: "returned"}
    for t in movements:
        out[names[t.code]] += signed(t)
    return out


__all__ = ["account_transfers", "cancelled", "grant_movements", "signed", "totals"]
