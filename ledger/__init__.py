"""The commons ledger: an append-only, hash-chained, double-entry ledger for community credits.

The public API, all importable from ``ledger``:

* :class:`Ledger` - the one object an app holds. Commands: ``register_scheme``,
  ``open_account``, ``change_limits``, ``close_account``, ``transfer``, ``hold``,
  ``post``, ``void``, ``reverse``, ``batch``, ``expire_holds``. Queries: ``balance``
  (also ``as_of`` a seq or a time), ``history``, ``account``, ``accounts``,
  ``schemes``, ``unit_totals``, ``size``, ``verify`` (the chain, what was signed, and every
  read model rebuilt from the chain: :class:`ReadModelDrift` names a differing cell).
* Results: :class:`TransferResult`, :class:`HoldResult`, :class:`Balance`,
  :class:`Entry`, :class:`Page`, :class:`AccountInfo`, :class:`SchemeInfo`,
  :class:`VerifyReport`.
* Errors: everything in :mod:`ledger.errors`, rooted at :class:`LedgerError`.
* Plugins: :data:`hookimpl` (the one import a plugin needs), :class:`SchemeType`,
  :class:`FactType`, :class:`Exporter`, :class:`Command`, :class:`TransactionView`,
  :class:`RuleViolation`, :class:`PluginError`; hooks get a :class:`ReadOnlyLedger`
  (a write raises :class:`WriteFromHook`); a scheme whose kind's plugin is not loaded is
  not writable (:class:`SchemePluginMissing`); the hooks are documented in
  :mod:`ledger.hookspecs`. Facts: ``record_fact``, ``fact``, ``facts``.
  :func:`validate` (schema, command name, data) checks a plugin's own input with a
  marshmallow schema and raises :class:`ValidationError` in the ledger's shape.
* The scheme kit (:mod:`ledger.kit`): :class:`Scheme` (a facade's base), :class:`Record`
  (results with ``to_dict``), :class:`NotInScheme`, :func:`step_id`.

Amounts are integers in the unit's smallest step; floats are refused.
"""

from .checkpoints import SignedCheckpoint
from .errors import (
    AccountClosed,
    AccountExists,
    AccountNotEmpty,
    AlreadyReversed,
    ChainBroken,
    CheckpointRefused,
    ConcurrencyConflict,
    DuplicateRequest,
    FactVersionConflict,
    FloatRefused,
    HoldExpired,
    HoldNotPending,
    IdExists,
    InsufficientFunds,
    KeyFileExists,
    KeyFileMissing,
    LedgerError,
    LedgerExists,
    LedgerNotInitialised,
    LedgerUnreadable,
    LimitExceeded,
    PluginError,
    PostExceedsHold,
    ReadModelDrift,
    RequestLogTampered,
    RuleViolation,
    SchemeExists,
    SchemePluginMissing,
    StoreBusy,
    StoreUnreachable,
    UnitMismatch,
    UnknownAccount,
    UnknownFactType,
    UnknownHold,
    UnknownScheme,
    UnknownSchemeKind,
    UnknownTransfer,
    ValidationError,
    WriteFromHook,
)
from .hookspecs import hookimpl
from .kit import NotInScheme, Record, Scheme, step_id
from .ledger import Ledger
from .plugins import Command, Exporter, FactType, ReadOnlyLedger, SchemeType, TransactionView
from .results import (
    AccountInfo,
    Balance,
    Entry,
    FactResult,
    HoldResult,
    Page,
    SchemeInfo,
    TransferResult,
    VerifyReport,
)
from .schemas import load as validate

__version__ = "0.1.0"

__all__ = [
    "StoreBusy",
    "NotInScheme",
    "Record",
    "Scheme",
    "step_id",
    "ReadModelDrift",
    "ReadOnlyLedger",
    "RequestLogTampered",
    "SchemePluginMissing",
    "WriteFromHook",
    "CheckpointRefused",
    "FactVersionConflict",
    "KeyFileMissing",
    "SignedCheckpoint",
    "Command",
    "Exporter",
    "FactResult",
    "FactType",
    "PluginError",
    "RuleViolation",
    "SchemeType",
    "TransactionView",
    "UnknownFactType",
    "UnknownSchemeKind",
    "hookimpl",
    "validate",
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
    "LedgerUnreadable",
    "StoreUnreachable",
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
