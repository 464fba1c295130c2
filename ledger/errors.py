"""Every error the ledger raises on purpose, with its data as attributes.

Messages name the object, the rule and, where there is one, the remedy. A command
that raises any of these has written nothing.
"""

from __future__ import annotations

from typing import Any, Optional


class LedgerError(Exception):
    """Base class of every deliberate ledger error."""


class ValidationError(LedgerError, ValueError):
    """A command's input broke a rule before anything was decided.

    ``errors`` maps each offending field to the list of rules it broke; ``field``
    and ``rule`` are the first of them, for one-line reporting.
    """

    def __init__(self, command: str, errors: dict[str, list[str]]) -> None:
        self.command = command
        self.errors = errors
        self.field, rules = next(iter(errors.items()))
        self.rule = rules[0]
        detail = "; ".join(f"{field}: {' '.join(rules)}" for field, rules in errors.items())
        super().__init__(f"invalid {command}: {detail}")


class FloatRefused(ValidationError):
    """A float reached data that would be hashed; amounts are integers in the smallest unit."""


class UnknownAccount(LedgerError, KeyError):
    def __init__(self, account: str) -> None:
        self.account = account
        super().__init__(account)

    def __str__(self) -> str:
        return f"account {self.account!r} does not exist; open it first"


class AccountExists(LedgerError):
    def __init__(self, account: str) -> None:
        self.account = account
        super().__init__(f"account {account!r} already exists")


class AccountClosed(LedgerError):
    def __init__(self, account: str) -> None:
        self.account = account
        super().__init__(f"account {account!r} is closed and cannot be debited or credited")


class AccountNotEmpty(LedgerError):
    def __init__(self, account: str, balance: int, pending: int) -> None:
        self.account, self.balance, self.pending = account, balance, pending
        super().__init__(
            f"account {account!r} cannot be closed: balance {balance}, pending {pending}; settle it to zero first"
        )


class UnknownScheme(LedgerError, KeyError):
    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        super().__init__(scheme)

    def __str__(self) -> str:
        return f"scheme {self.scheme!r} is not registered"


class SchemeExists(LedgerError):
    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        super().__init__(f"scheme {scheme!r} is already registered")


class UnitMismatch(LedgerError):
    def __init__(self, debit: str, debit_unit: str, credit: str, credit_unit: str) -> None:
        self.debit, self.debit_unit, self.credit, self.credit_unit = debit, debit_unit, credit, credit_unit
        super().__init__(
            f"cannot move {debit_unit} from {debit!r} to {credit!r}, which holds {credit_unit}: "
            "a transfer stays within one unit"
        )


class LimitExceeded(LedgerError):
    """A movement would take an account below its floor or above its ceiling.

    ``limit`` is the floor or ceiling, ``kind`` is ``"floor"`` or ``"ceiling"``,
    ``by`` is how far past the limit the account would go.
    """

    def __init__(self, account: str, unit: str, kind: str, limit: int, by: int) -> None:
        self.account, self.unit, self.kind, self.limit, self.by = account, unit, kind, limit, by
        direction = "below its floor" if kind == "floor" else "above its ceiling"
        super().__init__(f"account {account!r} ({unit}) would go {direction} of {limit} by {by}")


class InsufficientFunds(LimitExceeded):
    """The floor is 0: the account simply does not hold enough."""


class UnknownTransfer(LedgerError, KeyError):
    def __init__(self, transfer_id: str) -> None:
        self.transfer_id = transfer_id
        super().__init__(transfer_id)

    def __str__(self) -> str:
        return f"transfer {self.transfer_id!r} does not exist"


class AlreadyReversed(LedgerError):
    def __init__(self, transfer_id: str) -> None:
        self.transfer_id = transfer_id
        super().__init__(f"transfer {transfer_id!r} has already been reversed")


class UnknownHold(LedgerError, KeyError):
    def __init__(self, hold_id: str) -> None:
        self.hold_id = hold_id
        super().__init__(hold_id)

    def __str__(self) -> str:
        return f"hold {self.hold_id!r} does not exist"


class HoldNotPending(LedgerError):
    def __init__(self, hold_id: str, status: str) -> None:
        self.hold_id, self.status = hold_id, status
        super().__init__(f"hold {hold_id!r} is already {status}; only a held hold can be posted or voided")


class HoldExpired(LedgerError):
    def __init__(self, hold_id: str, expires_at: str) -> None:
        self.hold_id, self.expires_at = hold_id, expires_at
        super().__init__(f"hold {hold_id!r} expired at {expires_at} and can no longer be posted")


class PostExceedsHold(LedgerError):
    def __init__(self, hold_id: str, amount: int, held: int) -> None:
        self.hold_id, self.amount, self.held = hold_id, amount, held
        super().__init__(f"cannot post {amount} from hold {hold_id!r}, which holds only {held}")


class IdExists(LedgerError):
    def __init__(self, kind: str, ident: str) -> None:
        self.kind, self.ident = kind, ident
        super().__init__(f"{kind} id {ident!r} is already taken; choose another or omit it")


class DuplicateRequest(LedgerError):
    """A request id was reused with different arguments."""

    def __init__(self, request_id: str, command: str) -> None:
        self.request_id, self.command = request_id, command
        super().__init__(
            f"request id {request_id!r} was already used for a different {command}; "
            "a request id names exactly one command"
        )


class ConcurrencyConflict(LedgerError):
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(f"the command lost {attempts} races with concurrent writers on the same streams; retry later")


class LedgerNotInitialised(LedgerError):
    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"{where} holds no ledger; run 'ledger init' (or Ledger.init) first")


class LedgerUnreadable(LedgerError):
    """The file is not a readable ledger database (garbage, truncated, corrupted)."""

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"{where} cannot be read as a ledger database ({reason}); restore it from a backup")


class StoreUnreachable(LedgerUnreadable):
    """A PostgreSQL server could not be reached or refused the connection (URL, server, credentials)."""

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        message = f"{where} cannot be reached ({reason}); check the URL, the server and the credentials"
        LedgerError.__init__(self, message)


class LedgerExists(LedgerError):
    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"{where} already holds a ledger")


class KeyFileExists(LedgerError):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"signing key file {path} already exists; a new ledger never overwrites a key. "
            "Move it away or pass another key path"
        )


class RuleViolation(LedgerError):
    """A scheme's rule refuses a command. Raised by plugins; ``plugin`` is filled in by the ledger.

    ``rule`` is a short stable name (``"max_exchange"``), ``message`` says what was wrong
    and by how much.
    """

    def __init__(self, rule: str, message: str, *, plugin: str | None = None) -> None:
        self.rule, self.message, self.plugin = rule, message, plugin
        super().__init__(rule, message)

    def __str__(self) -> str:
        return f"rule {self.rule!r} refused the command: {self.message}"


class PluginError(LedgerError):
    """A plugin failed unexpectedly; the command it was part of wrote nothing."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        self.plugin, self.hook, self.error = plugin, hook, error
        super().__init__(f"plugin {plugin!r} failed in {hook}: {type(error).__name__}: {error}")


class UnknownFactType(LedgerError):
    def __init__(self, fact_type: str, plugin: Optional[str] = None) -> None:
        self.fact_type, self.plugin = fact_type, plugin
        hint = f"; it is {plugin}'s, which is not installed here: install it to record it" if plugin else ""
        super().__init__(f"fact type {fact_type!r} is not declared by any loaded plugin{hint}")


class FactVersionConflict(LedgerError):
    """``record_fact(expected_version=...)`` found the series at another version."""

    def __init__(self, fact_type: str, subject: str, expected: int, current: int) -> None:
        self.fact_type, self.subject, self.expected, self.current = fact_type, subject, expected, current
        super().__init__(
            f"fact {fact_type} of {subject!r} is at version {current}, not {expected}: "
            "it changed since you read it; read it again and recompute"
        )


class UnknownSchemeKind(LedgerError):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"scheme kind {kind!r} is not provided by any loaded plugin")


class KeyFileMissing(LedgerError):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"signing key file {path} is missing; checkpoints are signed with the key 'ledger init' wrote")


class CheckpointRefused(LedgerError):
    """The signer will not sign: the tree does not extend the last checkpoint it signed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"checkpoint refused: {reason}")


class ChainBroken(LedgerError):
    """``Ledger.verify(raise_on_error=True)`` found the first bad sequence number."""

    def __init__(self, seq: int, reason: str) -> None:
        self.seq, self.reason = seq, reason
        super().__init__(f"chain breaks at seq {seq}: {reason}")


def describe(value: Any) -> str:
    """Short, safe rendering of a user value inside an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class ReadModelDrift(LedgerError):
    """A stored read-model row disagrees with what the chain's events say it must be.

    Raised by a write that finds it (nothing is written) and by ``verify(raise_on_error=True)``;
    ``ledger verify`` lists every difference. Repair: rebuild the read models from the chain.
    """

    def __init__(self, table: str, key: object, column: str, expected: object, found: object) -> None:
        self.table, self.key, self.column, self.expected, self.found = table, key, column, expected, found
        super().__init__(
            f"read model {table} row {key!r} column {column!r} is {found!r} but the chain says {expected!r}; "
            "the table was changed outside the ledger: nothing was written"
        )


class RequestLogTampered(LedgerError):
    """A request-log row that the chain does not back: its answer is refused, not replayed."""

    def __init__(self, request_id: str, reason: str) -> None:
        self.request_id, self.reason = request_id, reason
        super().__init__(
            f"request id {request_id!r} is in the request log but {reason}: the log was changed outside the "
            "ledger, so it is not answered from it (ledger verify lists every difference)"
        )


class SchemePluginMissing(LedgerError):
    """A write touches a scheme whose kind's plugin is not installed: its rules could not be applied."""

    def __init__(self, scheme: str, kind: str, plugin: str) -> None:
        self.scheme, self.kind, self.plugin = scheme, kind, plugin
        super().__init__(
            f"scheme {scheme!r} is of kind {kind!r}, provided by {plugin}, which is not installed here: "
            f"install it to write in this scheme (reading and verifying work without it)"
        )


class WriteFromHook(LedgerError):
    """A plugin hook tried to write: hooks only read (``ledger_before_commit`` returns items instead)."""

    def __init__(self, plugin: str, hook: str, method: str) -> None:
        self.plugin, self.hook, self.method = plugin, hook, method
        super().__init__(
            f"plugin {plugin!r} called {method}() from {hook}: hooks see a read-only ledger; "
            "to add movements, return batch items from ledger_before_commit; nothing was written"
        )


class StoreBusy(LedgerError):
    """Another writer held the store's write lock for longer than this ledger waits; nothing was written."""

    def __init__(self, where: str, waited: float, detail: str) -> None:
        self.where, self.waited, self.detail = where, waited, detail
        super().__init__(
            f"{where} is busy: another writer held its write lock for the {waited:.1f} s this command waited "
            f"({detail}); nothing was written, retry later (with the same request_id, it is safe)"
        )


class BatchTooLarge(ValidationError):
    """A batch of more items than ``MAX_BATCH_ITEMS``: split the import into chunks."""
