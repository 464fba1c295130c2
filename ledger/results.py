"""What commands and queries return: small frozen records with ``to_dict`` for JSON output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any, Optional


class Record:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        names = _field_names(cls)
        return cls(**{k: v for k, v in data.items() if k in names})


@cache
def _field_names(cls: type) -> frozenset[str]:
    # Looked up once per class: a batch turns a thousand result dicts into records.
    return frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]


@dataclass(frozen=True)
class SchemeInfo(Record):
    name: str
    unit: str
    floor: Optional[int]
    ceiling: Optional[int]
    issuer: str
    seq: int
    kind: str = "basic"
    step: int = 1


@dataclass(frozen=True)
class AccountInfo(Record):
    account: str
    scheme: str
    unit: str
    owner: str
    floor: Optional[int]
    ceiling: Optional[int]
    closed: bool
    seq: int


@dataclass(frozen=True)
class TransferResult(Record):
    """A recorded transfer (also a reversal, whose ``reverses`` names the original)."""

    transfer_id: str
    debit: str
    credit: str
    amount: int
    unit: str
    seq: int
    reverses: Optional[str] = None
    code: str = ""
    memo: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HoldResult(Record):
    """A hold's state after a command: ``status`` is held, posted, voided or expired."""

    hold_id: str
    debit: str
    credit: str
    amount: int
    unit: str
    status: str
    posted: int
    expires_at: Optional[str]
    seq: int
    code: str = ""
    memo: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FactResult(Record):
    """One fact in its series: ``version`` counts the facts of this ``(fact_type, subject)``."""

    fact_type: str
    subject: str
    version: int
    data: dict[str, Any]
    seq: int


@dataclass(frozen=True)
class Balance(Record):
    """TigerBeetle's four totals; the signed figures are derived, never stored.

    ``posted`` = credits_posted - debits_posted (what the account holds);
    ``available`` = posted - debits_pending (what it may still spend);
    ``seq`` is the sequence number the figures are as of.
    """

    account: str
    unit: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    seq: int

    @property
    def posted(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        return self.posted - self.debits_pending

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "posted": self.posted, "available": self.available}


@dataclass(frozen=True)
class Entry(Record):
    """One line of an account's history: the movement and the totals after it."""

    seq: int
    ts: str
    kind: str
    ref: str
    counterparty: str
    memo: str
    posted: int
    pending: int
    balance: int


@dataclass(frozen=True)
class Page(Record):
    entries: list[Entry]
    next: Optional[int]

    def to_dict(self) -> dict[str, Any]:
        return {"entries": [e.to_dict() for e in self.entries], "next": self.next}


@dataclass(frozen=True)
class VerifyReport(Record):
    """``ok`` with the chain's size and head, or the first bad ``seq`` and why."""

    ok: bool
    size: int
    head: str
    bad_seq: Optional[int] = None
    reason: Optional[str] = None
    #: Read-model cells that differ from what the chain's events say (the first 100; ``drift``
    #: counts them all). Each has ``table``, ``key``, ``column``, ``expected``, ``found``.
    differences: tuple = ()
    drift: int = 0
    #: The Merkle root (hex) of the ``size`` events verified, computed from their leaves.
    root: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "differences"}
        return {**data, "differences": [d.to_dict() for d in self.differences]}
