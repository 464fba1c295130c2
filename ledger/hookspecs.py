"""The plugin author's reference: every hook a credit-scheme plugin can implement.

A plugin is a module (or object) with functions decorated ``@ledger.hookimpl`` whose
names are the hooks below. It is found through the ``ledger.plugins`` entry-point
group or passed explicitly as ``Ledger(..., plugins=[module])``. Every ``Ledger`` has
its own plugin manager; nothing is registered globally. A misspelled hook name is an
error when the plugins are loaded, never a silent no-op.

Where each hook runs, in the life of one command::

    validate input (marshmallow) -> decide: ledger_validate_command (per item)
                                            ledger_before_commit (per item; may add items)
    ---- write transaction (SQLite write lock held) ----------------------------------
    insert events, chain leaves, move balances, check limits
                                 -> ledger_check_transaction (sees the new balances)
    ---- commit -----------------------------------------------------------------------
                                 -> ledger_after_commit

A :class:`ledger.RuleViolation` raised from the first three vetoes the command: nothing
is written. Any *other* exception raised there rolls everything back too and reaches
the caller as :class:`ledger.PluginError` naming the plugin and the hook. Exceptions
in ``ledger_after_commit`` are logged and never undo what was committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import pluggy

if TYPE_CHECKING:
    import click

    from .ledger import Ledger
    from .plugins import Command, Exporter, FactType, SchemeType, TransactionView

PROJECT = "ledger"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ledger_register_schemes() -> list[SchemeType]:
    """Declare the kinds of credit scheme this plugin provides.

    Called once when the plugins are loaded. A :class:`ledger.SchemeType` names the
    ``kind`` (e.g. ``"time_bank"``), its default ``unit``, smallest ``step`` and default
    account ``floor``/``ceiling``. A community then registers a scheme of that kind with
    ``Ledger.register_scheme(name, unit, kind=...)``; defaults it leaves out come from
    the type. Two plugins declaring one kind is an error at load time. A scheme's kind
    records which plugin provides it: a ``Ledger`` without that plugin reads and verifies
    the scheme but refuses to write in it (``SchemePluginMissing``).

    :return: a list of ``SchemeType`` (may be empty).

    Example::

        @hookimpl
        def ledger_register_schemes():
            return [SchemeType(kind="time_bank", unit="minutes", step=15, floor=-600)]
    """


@hookspec
def ledger_register_fact_types() -> list[FactType]:
    """Declare the kinds of fact (non-monetary events) this plugin records.

    A fact is a chained event such as a service catalogue, a rate table or a campaign
    launch: ``Ledger.record_fact(fact_type, subject, data)``. A :class:`ledger.FactType`
    names the versioned type (``"time_bank.catalogue.v1"``) and a marshmallow schema that
    validates ``data`` before anything is written. Recording a fact of an undeclared
    type is refused.

    :return: a list of ``FactType`` (may be empty).

    Example::

        class CatalogueSchema(Schema):
            services = fields.List(fields.String(), required=True)

        @hookimpl
        def ledger_register_fact_types():
            return [FactType("time_bank.catalogue.v1", CatalogueSchema, "the services members offer")]
    """


@hookspec
def ledger_validate_command(ledger: Ledger, command: Command) -> None:
    """Check a command against the plugin's rules before it is written.

    Called for every command, and for every item of a batch, after input validation and
    after the core's own checks (accounts exist, units match), before any event exists.
    Runs outside the write transaction and sees the ledger as of the last commit: read
    it with the ``Ledger`` query methods. While one command (or one batch) is decided,
    ``ledger.fact(type, subject)`` reads each series once and gives every later call the
    same answer, so checking each of 1,000 items against one fund costs one read. Limits
    that depend on balances belong in ``ledger_check_transaction``, which cannot race
    another writer.

    Look at ``command.name``, ``command.args`` and ``command.schemes`` (the scheme of
    every account involved, with its ``kind``) and ignore commands that are not yours.

    :param ledger: a read-only view of the ledger the command is for (``ReadOnlyLedger``):
        every query method; any write raises ``WriteFromHook`` and nothing is written.
    :param command: what is about to happen.
    :raise ledger.RuleViolation: to refuse it, with the rule's name and a message that
        says by how much (``"exchange of 540 minutes is over the bank's maximum of 480
        by 60"``). Every plugin's hook runs until one raises.

    Example::

        @hookimpl
        def ledger_validate_command(ledger, command):
            if command.name == "transfer" and "time_bank" in command.kinds():
                if command.args["amount"] > 480:
                    raise RuleViolation("max_exchange", f"{command.args['amount']} minutes is over 480")
    """


@hookspec
def ledger_before_commit(ledger: Ledger, command: Command) -> Optional[list[dict[str, Any]]]:
    """Add movements that must commit atomically with the command (a fee, a match).

    Called per command item after ``ledger_validate_command`` passed, with the same
    read-only ``ledger`` view (writing from here raises ``WriteFromHook``). Return batch items
    (``{"type": "transfer" | "hold" | "post" | "void" | "fact", ...}``, the same dicts
    ``Ledger.batch`` takes; give a fact you computed from a read its ``expected_version``)
    and they are decided, validated (with ``command.added_by`` set to your plugin's name)
    and written in the same transaction;
    if any of them fails, the whole command fails. Items you add do not trigger
    ``ledger_before_commit`` again, and may not carry a ``request_id`` (the command's own
    request id covers them).

    :param ledger: the read-only view of the ledger (as for ``ledger_validate_command``).
    :param command: the command (or batch item) about to be written.
    :return: a list of batch item dicts, or ``None``.

    Example::

        @hookimpl
        def ledger_before_commit(ledger, command):
            if command.name == "transfer" and command.args["credit"] == "shop":
                fee = command.args["amount"] // 100
                return [{"type": "transfer", "debit": "shop", "credit": "coop:fees", "amount": fee}] if fee else None
    """


@hookspec
def ledger_check_transaction(view: TransactionView) -> None:
    """Check invariants inside the write transaction, after balances have moved.

    The writer is serialised here (SQLite's write lock is held), so what you read through
    ``view.balance(account)`` and ``view.fact(fact_type, subject)`` cannot change under you,
    and includes what this transaction writes. ``view.commands`` lists the commands being
    written. Keep it quick: every writer waits for you.

    Optimistic concurrency also works for you: every hold, transfer id and fact series a
    command touches is a stream, so if another writer revised the same fact series (or
    settled the same hold) between your ``ledger_validate_command`` and the commit, the
    command is decided again from fresh state and your hooks are called again. Revising a
    fact series in ``ledger_before_commit`` (a stock count, a tally) therefore serialises
    every command that revises it.

    :param view: a :class:`ledger.TransactionView`: ``balance(account)``, ``fact(type, subject)``
        and ``commands``, as of this transaction.
    :raise ledger.RuleViolation: to roll the whole command back.

    Example::

        @hookimpl
        def ledger_check_transaction(view):
            if view.balance("coop:pool").posted < 0:
                raise RuleViolation("pool_never_negative", "the pool would go below zero")
    """


@hookspec
def ledger_after_commit(ledger: Ledger, command: Command, result: dict[str, Any]) -> None:
    """React to a committed command (notify, enqueue a job).

    Called once per top-level command after its transaction committed, with the result
    as a dict. An exception here is logged on the ``ledger.plugins`` logger and the
    committed command stands; the caller still gets its result. ``ledger`` is the read-only
    view: a write from here would fail after the caller's command succeeded, so it is refused
    (``WriteFromHook``, logged) — enqueue work for later instead.

    :param ledger: the read-only view of the ledger, as of after the commit.
    :param command: the top-level command that committed (not each batch item).
    :param result: what the caller got back, as a dict (``seq``, and the command's fields).

    Example::

        @hookimpl
        def ledger_after_commit(ledger, command, result):
            outbox.put({"command": command.name, "seq": result.get("seq")})
    """


@hookspec
def ledger_register_exporters() -> list[Exporter]:
    """Declare export formats (CSV, a SQLite database, an IATI file ...).

    ``Exporter.export(ledger, out, public)`` runs after ``out`` holds the export's
    ``leaves.jsonl`` and ``bodies.jsonl`` (the checkpoint's events, personal bodies
    ``null`` if ``public``) and must return every file it wrote: the signed manifest lists
    them with their SHA-256 (docs/chain-spec.md §8), and a file left unlisted fails the
    export. Describe the checkpoint, not the ledger now: others may write meanwhile, so
    read the export's own files (``ledger_audit.derived.read_events(out)``) or only events
    with ``seq`` below their count. ``csv/accounts.csv`` and the other core derived names
    are the built-in exporters' alone. An auditor can check a plugin's files only by digest.

    :return: a list of :class:`ledger.Exporter`; ``Ledger.exporters()`` collects them.

    Example::

        def export_hours(ledger, out, public):
            path = out / "hours.txt"
            path.write_text(f"{ledger.size()} events")
            return [path]

        @hookimpl
        def ledger_register_exporters():
            return [Exporter("hours", "a one-line summary", export_hours)]
    """


@hookspec
def ledger_register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``ledger`` command line, e.g. a ``time-bank`` group.

    Called when the CLI starts. Use ``ledger.cli.db_option``, ``ledger.cli.output_options``,
    ``ledger.cli.open_ledger`` and ``ledger.cli.emit`` so your commands take ``--db`` and
    ``--json`` and print errors like the built-in ones.

    :param cli: the root ``ledger`` click group; add your group or commands to it.

    Example::

        @hookimpl
        def ledger_register_commands(cli):
            @cli.group("time-bank")
            def time_bank():
                "Time bank commands."

            @time_bank.command("members")
            @db_option()
            @output_options
            def members(db, as_json):
                with open_ledger(db) as ledger:
                    emit(ledger.accounts(scheme="time"), as_json)
    """
