"""The commons ledger: an append-only, hash-chained, double-entry ledger for community credits.

The public API, all importable from ``ledger``:

* :class:`Ledger` - the one object an app holds. Commands: ``register_scheme``,
  ``open_account``, ``change_limits``, ``close_account``, ``transfer``, ``hold``,
  ``post``, ``void``, ``reverse``, ``batch``, ``expire_holds``. Queries: ``balance``
  (also ``as_of`` a seq or a time), ``history``, ``account``, ``accounts``,
  ``schemes``, ``unit_totals``, ``size``, ``verify``.
* Results: :class:`TransferResult`, :class:`HoldResult`, :class:`Balance`,
  :class:`Entry`, :class:`Page`, :class:`AccountInfo`, :class:`SchemeInfo`,
  :class:`VerifyReport`.
* Errors: everything in :mod:`ledger.errors`, rooted at :class:`LedgerError`.

Amounts are integers in the unit's smallest step; floats are refused.
"""

from .errors import (
    AccountClosed,
    AccountExists,
    AccountNotEmpty,
    AlreadyReversed,
    ChainBroken,
    ConcurrencyConflict,
    DuplicateRequest,
    FloatRefused,
    HoldExpired,
    HoldNotPending,
    IdExists,
    InsufficientFunds,
    KeyFileExists,
    LedgerError,
    LedgerExists,
    LedgerNotInitialised,
    LimitExceeded,
    PostExceedsHold,
    SchemeExists,
    UnitMismatch,
    UnknownAccount,
    UnknownHold,
    UnknownScheme,
    UnknownTransfer,
    ValidationError,
)
from .ledger import Ledger
from .results import AccountInfo, Balance, Entry, HoldResult, Page, SchemeInfo, TransferResult, VerifyReport

__version__ = "0.1.0"

__all__ = [
    "AccountClosed",
    "AccountExists",
    "AccountInfo",
    "AccountNotEmpty",
    "AlreadyReversed",
    "Balance",
    "ChainBroken",
    "ConcurrencyConflict",
    "DuplicateRequest",
    "Entry",
    "FloatRefused",
    "HoldExpired",
    "HoldNotPending",
    "HoldResult",
    "IdExists",
    "InsufficientFunds",
    "KeyFileExists",
    "Ledger",
    "LedgerError",
    "LedgerExists",
    "LedgerNotInitialised",
    "LimitExceeded",
    "Page",
    "PostExceedsHold",
    "SchemeExists",
    "SchemeInfo",
    "TransferResult",
    "UnitMismatch",
    "UnknownAccount",
    "UnknownHold",
    "UnknownScheme",
    "UnknownTransfer",
    "ValidationError",
    "VerifyReport",
]
