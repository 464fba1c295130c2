"""``Ledger``: the one object an app holds. Commands write; queries (``queries.py``) read.

Every command follows one path (``_execute``): validate with marshmallow, answer a
repeated request id from the request log, decide with aggregates, then one ``save``
that writes the events, their leaves and the read models in one transaction. If a
concurrent writer wins a race on the same stream, the command is decided again
from fresh state, a bounded number of times.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from eventsourcing import persistence as es
from eventsourcing.application import AggregateNotFoundError
from ledger_audit import CanonicalFormError

from . import schemas
from .app import LedgerApplication, is_postgres_url, redact, store_env
from .commands import Decision, Planner
from .domain import Genesis, Scheme
from .errors import (
    BatchTooLarge,
    ConcurrencyConflict,
    LedgerExists,
    LedgerNotInitialised,
    LedgerUnreadable,
    StoreBusy,
    StoreUnreachable,
    ValidationError,
)
from .export import ExportResult
from .export import export as export_directory
from .keys import create_key_file, key_path_for
from .plan import StaleRead
from .plugins import Command, Exporter, PluginHost, refuse_inside_hook
from .proofs import Proofs
from .queries import DECISION_READS, Queries
from .requests import DECIDING_REQUEST, RequestLog, request_event
from .requests import digest as request_digest
from .results import AccountInfo, FactResult, HoldResult, Record, SchemeInfo, TransferResult
from .store.chain import TS_FORMAT
from .store.writeset import RequestIdTaken, RequestRecord, WriteSet
from .target import check_new_ledger_target, holds_ledger, signer_files, sqlite_files

MAX_ATTEMPTS = 8
#: Items one batch may hold (docs/architecture.md): 10,000 transfers commit in about 2 s.
MAX_BATCH_ITEMS = 10_000
UNSET: Any = object()  # "not given": lets a scheme kind's defaults apply
RESULT_TYPES: dict[str, type[Record]] = {
    "transfer": TransferResult,
    "hold": HoldResult,
    "post": HoldResult,
    "fact": FactResult,
    "void": HoldResult,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def lock_env(db: str, lock_timeout: float) -> dict[str, str]:
    """How long a write waits for another writer's lock before ``StoreBusy`` (PostgreSQL: whole seconds)."""
    if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float)) or not 0 < lock_timeout <= 3600:
        raise ValidationError("open", {"lock_timeout": ["must be a number of seconds above 0, at most 3600."]})
    if is_postgres_url(db):
        return {"POSTGRES_LOCK_TIMEOUT": str(max(1, round(lock_timeout)))}
    return {"SQLITE_LOCK_TIMEOUT": str(lock_timeout)}


class Ledger(Queries, Proofs):
    """A hash-chained double-entry ledger in one SQLite file.

    ``Ledger(db)`` opens an existing ledger; ``Ledger(db, create=True)`` creates it
    first if the file holds none (writing genesis and a signing key beside it).
    ``clock`` returns the ledger's notion of now (an aware datetime) for hold
    deadlines; tests pass a fake one. ``lock_timeout`` is how many seconds a write waits
    for another writer before raising ``StoreBusy`` (nothing written). ``plugins`` are
    registered in addition to those installed under the ``ledger.plugins`` entry-point
    group (``load_entrypoints=False`` to use only the given ones).
    """

    def __init__(
        self,
        db: str = "ledger.db",
        *,
        create: bool = False,
        ledger_id: Optional[str] = None,
        key_path: Optional[str] = None,
        clock: Callable[[], datetime] = utc_now,
        plugins: Iterable[Any] = (),
        load_entrypoints: bool = True,
        lock_timeout: float = 30,
    ) -> None:
        self.db = str(db)
        self.clock = clock
        self.plugins = PluginHost(plugins, load_entrypoints=load_entrypoints)
        self.key_path = Path(key_path) if key_path else key_path_for(self.db)
        if not create and not is_postgres_url(self.db) and not Path(self.db).exists():
            # Opening must not leave an empty database file behind in the wrong directory.
            raise LedgerNotInitialised(self.db)
        made: list[Path] = []
        if create:
            # Never into someone else's database; and a refused creation takes its files away.
            tables = check_new_ledger_target(self.db, "init")
            if not tables:  # a new file, or an empty database: everything there now is ours to remove
                files = [] if is_postgres_url(self.db) else sqlite_files(self.db)
                made = [*files, self.key_path, *signer_files(self.key_path)]
            made = [p for p in made if not p.exists()]
        try:
            self._start(create, ledger_id, lock_timeout)
        except BaseException:
            for path in made:
                path.unlink(missing_ok=True)
            raise

    def _start(self, create: bool, ledger_id: Optional[str], lock_timeout: float) -> None:
        try:
            # Only creating a ledger runs DDL: a production role may read and append, not alter.
            env = {**store_env(self.db), **lock_env(self.db, lock_timeout), "CREATE_TABLE": "yes" if create else "no"}
            self._app = LedgerApplication(env=env)
        except (sqlite3.DatabaseError, es.PersistenceError) as exc:
            if is_postgres_url(self.db) and isinstance(exc, (es.OperationalError, es.InterfaceError)):
                raise StoreUnreachable(redact(self.db), str(exc)) from None
            raise LedgerUnreadable(redact(self.db), str(exc)) from None
        self._recorder = self._app.recorder
        self._requests = RequestLog(self._rows, self._recorder.event_id, self._recorder.dialect)
        self._planner = Planner(self)
        #: ``ledger_accounts`` rows already read, by account (see ``Movements._pair``).
        self._account_rows: dict[str, tuple] = {}
        try:
            self._open_or_create(create, ledger_id)
        except (sqlite3.DatabaseError, es.PersistenceError) as exc:
            self.close()
            raise LedgerUnreadable(redact(self.db), str(exc)) from None
        except BaseException:
            self.close()  # a refused open must not leave connections behind
            raise

    def _open_or_create(self, create: bool, ledger_id: Optional[str]) -> None:
        tables = self._recorder.has_tables()
        genesis = self._rows("SELECT leaf FROM ledger_chain WHERE seq = 0") if tables else []
        if genesis:
            leaf = genesis[0][0]
            try:
                if not isinstance(leaf, (bytes, memoryview)):  # bytes(n) of an int would allocate n bytes
                    raise TypeError(f"stored as {type(leaf).__name__}")
                self.ledger_id = json.loads(bytes(leaf))["ledger"]
            except (TypeError, ValueError, KeyError) as exc:
                reason = f"its genesis leaf (seq 0) is unreadable ({exc}); the file was edited"
                raise LedgerUnreadable(redact(self.db), reason) from None
            if ledger_id is not None and ledger_id != self.ledger_id:
                raise LedgerExists(f"{redact(self.db)} (ledger {self.ledger_id!r}, not {ledger_id!r})")
        elif tables and self._rows("SELECT 1 FROM ledger_chain LIMIT 1"):
            reason = "the chain has leaves but no genesis leaf (seq 0): the file was edited"
            raise LedgerUnreadable(redact(self.db), reason)
        elif create:
            self._create(ledger_id or f"commons-ledger.local/{uuid.uuid4().hex}")
        else:
            raise LedgerNotInitialised(redact(self.db))

    @classmethod
    def init(cls, db: str, ledger_id: Optional[str] = None, **kwargs: Any) -> Ledger:
        """Create a new ledger in ``db``; refuse if the file already holds one."""
        check_new_ledger_target(str(db), "init")
        if holds_ledger(str(db)):  # read without creating anything: a refused init leaves no file
            raise LedgerExists(redact(str(db)))
        return cls(db, create=True, ledger_id=ledger_id, **kwargs)

    def _create(self, ledger_id: str) -> None:
        ledger_id = schemas.load(schemas.InitSchema, "init", {"ledger_id": ledger_id})["ledger_id"]
        verifier = create_key_file(self.key_path, ledger_id)
        self._app.save(Genesis(ledger_id=ledger_id, public_key=verifier, format=1))
        self.ledger_id = ledger_id

    def close(self) -> None:
        self._recorder.close_readers()
        self._app.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands -------------------------------------------------------------------

    def register_scheme(
        self,
        name: str,
        unit: Optional[str] = None,
        *,
        kind: str = "basic",
        step: Any = UNSET,
        floor: Any = UNSET,
        ceiling: Any = UNSET,
        request_id: Optional[str] = None,
    ) -> SchemeInfo:
        """Register a credit scheme with its unit, default account limits and issuer account.

        ``kind`` names a scheme type a plugin provides (``"time_bank"``); its defaults fill
        whatever is left out. Without a plugin kind (``"basic"``) the unit is required,
        ``step`` is 1, ``floor`` 0 and ``ceiling`` unlimited. ``floor``/``ceiling`` are
        the defaults for accounts opened in the scheme (``None`` = no limit); every amount
        is a multiple of ``step``. The issuer account ``<name>:issuer`` has no limits:
        minting debits it.
        """
        given = dict(unit=unit, step=step, floor=floor, ceiling=ceiling)
        raw = {"name": name, "kind": kind, "request_id": request_id}
        raw.update({k: v for k, v in given.items() if v is not UNSET and not (k == "unit" and v is None)})
        args = schemas.load(schemas.RegisterSchemeSchema, "register_scheme", raw)
        return SchemeInfo.from_dict(self._execute("register_scheme", args, lambda: self._planner.register_scheme(args)))

    def open_account(self, account: str, scheme: str, **kwargs: Any) -> AccountInfo:
        """Open ``account`` in ``scheme``. Keywords: ``owner``, ``floor``, ``ceiling``
        (absent = the scheme's default, ``None`` = unlimited), ``request_id``."""
        args = schemas.load(schemas.OpenAccountSchema, "open_account", dict(account=account, scheme=scheme, **kwargs))
        return AccountInfo.from_dict(self._execute("open_account", args, lambda: self._planner.open_account(args)))

    def change_limits(
        self,
        account: str,
        *,
        floor: Optional[int],
        ceiling: Optional[int],
        reason: str,
        request_id: Optional[str] = None,
    ) -> AccountInfo:
        """Record new limits for an account (``None`` = unlimited; both are always given, so
        nothing changes by omission). Movements that make the account worse are checked
        against them; an account already past a new limit stays where it is."""
        args = schemas.load(
            schemas.ChangeLimitsSchema,
            "change_limits",
            dict(account=account, floor=floor, ceiling=ceiling, reason=reason, request_id=request_id),
        )
        return AccountInfo.from_dict(self._execute("change_limits", args, lambda: self._planner.change_limits(args)))

    def close_account(self, account: str, *, reason: str = "", request_id: Optional[str] = None) -> AccountInfo:
        """Close an account whose balance and pending amounts are zero; it can then never move again."""
        data = dict(account=account, reason=reason, request_id=request_id)
        args = schemas.load(schemas.CloseAccountSchema, "close_account", data)
        return AccountInfo.from_dict(self._execute("close_account", args, lambda: self._planner.close_account(args)))

    def transfer(self, debit: str, credit: str, amount: int, **kwargs: Any) -> TransferResult:
        """Move ``amount`` from ``debit`` to ``credit`` now. Keywords: ``transfer_id``,
        ``code``, ``memo``, ``request_id``."""
        args = schemas.load(
            schemas.TransferSchema, "transfer", dict(debit=debit, credit=credit, amount=amount, **kwargs)
        )
        return TransferResult.from_dict(self._execute("transfer", args, lambda: self._planner.one("transfer", args)))

    def hold(self, debit: str, credit: str, amount: int, **kwargs: Any) -> HoldResult:
        """Reserve ``amount`` for a later ``post`` or ``void``. Keywords: ``hold_id``,
        ``expires_at`` or ``timeout`` (seconds), ``code``, ``memo``, ``request_id``."""
        args = schemas.load(schemas.HoldSchema, "hold", dict(debit=debit, credit=credit, amount=amount, **kwargs))
        return HoldResult.from_dict(self._execute("hold", args, lambda: self._planner.one("hold", args)))

    def post(self, hold_id: str, amount: Optional[int] = None, **kwargs: Any) -> HoldResult:
        """Post all of a hold, or ``amount`` of it (the rest is released)."""
        args = schemas.load(schemas.PostSchema, "post", dict(hold_id=hold_id, amount=amount, **kwargs))
        return HoldResult.from_dict(self._execute("post", args, lambda: self._planner.one("post", args)))

    def void(self, hold_id: str, **kwargs: Any) -> HoldResult:
        """Release a hold without moving anything. Keywords: ``reason``, ``request_id``."""
        args = schemas.load(schemas.VoidSchema, "void", dict(hold_id=hold_id, **kwargs))
        return HoldResult.from_dict(self._execute("void", args, lambda: self._planner.one("void", args)))

    def reverse(
        self, transfer_id: Optional[str] = None, *, hold_id: Optional[str] = None, reason: str, **kwargs: Any
    ) -> TransferResult:
        """Undo a transfer (or a posted hold) with a new transfer the other way that names it.

        The reversal's ``reverses`` is the original's transfer id (``hold:<id>`` for what a
        posted hold moved), its id is ``<original>:reversal``, and it carries the original's
        code and details. The original is never edited; each can be reversed once; the
        reversal is checked against limits like any movement.
        """
        data = dict(transfer_id=transfer_id, hold_id=hold_id, reason=reason, **kwargs)
        args = schemas.load(schemas.ReverseSchema, "reverse", data)
        return TransferResult.from_dict(self._execute("reverse", args, lambda: self._planner.one("reverse", args)))

    def batch(self, items: Iterable[dict[str, Any]], *, request_id: Optional[str] = None) -> list[Record]:
        """Commit transfers, holds, posts, voids, reversals and facts together or not at all.

        Each item is a dict with ``type`` (``transfer``, ``hold``, ``post``, ``void``,
        ``reverse``, ``fact``) and that command's arguments (a fact's are ``record_fact``'s);
        limits are checked after each item in order.
        """
        loaded = self._load_batch(list(items))
        args = {"items": loaded, "request_id": request_id}
        result = self._execute("batch", args, lambda: self._planner.batch(loaded))
        return [RESULT_TYPES[item["type"]].from_dict(item) for item in result["items"]]

    def expire_holds(self, now: Optional[datetime] = None, *, limit: int = 500) -> list[str]:
        """Expire every held hold whose deadline is at or before ``now``; return their ids.

        Expiry is an explicit event per hold, so its fate is in the chain. Runs in
        commits of at most ``limit`` holds until none is due.
        """
        args = schemas.load(schemas.ExpireSchema, "expire_holds", {"now": now or self.clock(), "limit": limit})
        now, limit = args["now"], args["limit"]
        expired: list[str] = []
        while True:
            due = self._rows(
                "SELECT hold_id FROM ledger_holds WHERE status = 'held' AND expires_at <= ? "
                "ORDER BY expires_at LIMIT ?",
                (now.astimezone(UTC).strftime(TS_FORMAT), limit),
            )
            if not due:
                return expired
            ids = [row[0] for row in due]
            result = self._execute("expire", {}, lambda ids=ids: self._planner.expire(ids, now))
            if not result["expired"]:
                return expired  # what was due was settled by someone else meanwhile
            expired += result["expired"]

    def record_fact(
        self,
        fact_type: str,
        subject: str,
        data: dict[str, Any],
        *,
        expected_version: Optional[int] = None,
        request_id: Optional[str] = None,
    ) -> FactResult:
        """Record a fact (catalogue, rate table, campaign state ...) declared by a plugin.

        ``data`` is validated by the fact type's schema; facts of one ``(fact_type,
        subject)`` form a series whose latest is :meth:`fact`. ``expected_version`` makes
        it a compare-and-set: the version the new data was computed from (0: no fact yet);
        if the series has moved on, the command is decided again (and, in a batch or from
        a plugin hook, the plugin computes again from fresh state).
        """
        raw = dict(
            fact_type=fact_type, subject=subject, data=data, expected_version=expected_version, request_id=request_id
        )
        args = schemas.load(schemas.RecordFactSchema, "record_fact", raw)
        return FactResult.from_dict(self._execute("record_fact", args, lambda: self._planner.record_fact(args)))

    def scheme_plugins(self) -> list[dict[str, Any]]:
        """Each registered scheme: its kind, the plugin its kind was registered with, and whether
        this ``Ledger`` can write in it (a kind's plugin must be loaded; see ``SchemePluginMissing``)."""
        out = []
        for scheme in self.schemes():
            recorded = getattr(self._load(Scheme.create_id(scheme.name)), "plugin", None)
            writable = scheme.kind == "basic" or scheme.kind in self.plugins.scheme_types
            out.append({"scheme": scheme.name, "kind": scheme.kind, "plugin": recorded, "writable": writable})
        return out

    def exporters(self) -> dict[str, Exporter]:
        """Export formats declared by the loaded plugins (and the built-in ``sqlite``, ``csv``), by name."""
        return self.plugins.exporters()

    def export(self, out: str, *, public: bool = True, formats: Optional[list[str]] = None) -> ExportResult:
        """Sign a checkpoint of the ledger and write the auditor's export directory ``out``.

        ``public`` withholds bodies marked personal (the chain still verifies);
        ``formats`` picks exporters (default: all). See docs/chain-spec.md §8.
        """
        return export_directory(self, Path(out), public=public, formats=formats)

    def _load_batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not items:
            raise ValidationError("batch", {"items": ["must hold at least one item."]})
        if len(items) > MAX_BATCH_ITEMS:
            # One batch is one transaction held under the writer lock: every other writer waits for it.
            raise BatchTooLarge("batch", {"items": [
                f"must hold at most {MAX_BATCH_ITEMS} items, not {len(items)}: import in chunks, each a batch "
                "with its own request_id, so that a retry after a failure resumes where it stopped."
            ]})
        return self._load_items(items, "batch")

    def _load_items(self, items: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
        """Validate batch items (also those a plugin adds); errors name ``items[i].field``."""
        loaded = []
        for i, item in enumerate(items):
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in schemas.BATCH_ITEMS:
                raise ValidationError(where, {f"items[{i}].type": [f"must be one of {sorted(schemas.BATCH_ITEMS)}."]})
            body = {k: v for k, v in item.items() if k != "type"}
            try:
                loaded.append({"type": kind, **schemas.load(schemas.BATCH_ITEMS[kind], kind, body)})
            except ValidationError as exc:
                raise type(exc)(where, {f"items[{i}].{f}": r for f, r in exc.errors.items()}) from None
        return loaded

    # -- the one write path -----------------------------------------------------------

    def _execute(self, command: str, args: dict[str, Any], decide: Callable[[], Decision]) -> dict[str, Any]:
        refuse_inside_hook(command)  # a hook that kept a Ledger object must not write through it
        request_id = args.get("request_id")
        digest = self._digest(command, args) if request_id is not None else ""
        if request_id is not None:
            replay = self._replay(request_id, command, digest)
            if replay is not None:
                return replay
        for _ in range(MAX_ATTEMPTS):
            reads, deciding = DECISION_READS.set({}), DECIDING_REQUEST.set(request_id)
            try:
                aggregates, ws = decide()
            except StaleRead:
                continue  # a fact series moved between a plugin's read and our load: decide again
            finally:
                DECISION_READS.reset(reads)
                DECIDING_REQUEST.reset(deciding)
            if not aggregates and request_id is None:
                return ws.finish({}) if ws.finish else {}
            if request_id is not None:
                # The request event closes the command: its stream makes the id unique in the
                # database, its body lets the chain rebuild the answer (ledger/requests.py).
                request = request_event(request_id, command, digest, ws.result_refs)
                aggregates = [*aggregates, request]
                ws.requests.append(RequestRecord(request_id, command, digest, (request.id, request.version)))
            started = time.monotonic()
            try:
                self._app.save(*aggregates, writeset=ws)
            except es.OperationalError as exc:
                if "lock" not in str(exc).lower():  # "database is locked" (SQLite), "lock timeout" (PostgreSQL)
                    raise
                raise StoreBusy(redact(self.db), time.monotonic() - started, str(exc).strip()) from None
            except es.IntegrityError:
                # A concurrent writer won a stream or a unique row. If it was this very request
                # (a duplicate sent twice at once), answer with its result rather than deciding
                # again against the state it left.
                if request_id is not None:
                    replay = self._replay(request_id, command, digest)
                    if replay is not None:
                        return replay
                continue
            except RequestIdTaken:
                replay = self._replay(request_id, command, digest)
                assert replay is not None  # the winner committed it before we could write
                return replay
            except CanonicalFormError as exc:
                raise ValidationError(command, {exc.path: [exc.rule]}) from None
            for account, *_ in ws.account_updates:
                self._account_rows.pop(account, None)  # closed now, perhaps: read it afresh
            if self.plugins.has("ledger_after_commit"):
                call = Command(command, {k: v for k, v in args.items()})
                self.plugins.notify("ledger_after_commit", ledger=self._planner.view, command=call, result=ws.result)
            return ws.result
        raise ConcurrencyConflict(MAX_ATTEMPTS)

    @staticmethod
    def _digest(command: str, args: dict[str, Any]) -> str:
        return request_digest(command, args)

    def _replay(self, request_id: str, command: str, digest: str) -> Optional[dict[str, Any]]:
        return self._requests.answer(request_id, command, digest)

    def _load(self, aggregate_id: uuid.UUID) -> Any:
        """Load an aggregate, or ``None`` if the stream does not exist."""
        try:
            return self._app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _ts(self, when: datetime) -> str:
        return when.astimezone(UTC).strftime(TS_FORMAT)

    def _deadline(self, args: dict[str, Any]) -> Optional[datetime]:
        if args.get("timeout") is not None:
            return self.clock() + timedelta(seconds=args["timeout"])
        return args.get("expires_at")


__all__ = ["Ledger", "WriteSet"]
