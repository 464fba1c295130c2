"""The one table from ``Ledger`` methods to ``ledger`` commands.

Each :class:`Spec` names a method, the command that calls it, which of its parameters are
positional arguments, and how the result is printed; every other parameter becomes an
option spelled as the parameter is (``request_id`` -> ``--request-id``). The parameters
come from the method's signature, or, for a method taking ``**kwargs``, from the
marshmallow schema that validates them, so a name cannot drift between API and CLI
(``tests/test_cli_mapping.py`` checks both ways). ``ledger/cli/build.py`` turns the table
into click commands; ``docs/cli.md`` is generated from the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import click
from marshmallow import Schema

from .. import schemas
from .base import AwareDateTime


class JsonObject(click.ParamType):
    """A JSON object given on the command line (``--data '{"rate": 3}'``)."""

    name = "JSON"

    def convert(self, value: Any, param: Any, ctx: Any) -> dict[str, Any]:
        import json

        if isinstance(value, dict):
            return value
        try:
            data = json.loads(value)
        except ValueError as exc:
            self.fail(f"not JSON ({exc}).")
        if not isinstance(data, dict):
            self.fail("must be a JSON object ({...}).")
        return data


@dataclass(frozen=True)
class Param:
    """How one parameter name is offered, wherever it occurs (names mean one thing across methods)."""

    help: str
    type: Any = None  # None: the string typed reaches the library, whose schema names the rule broken
    metavar: Optional[str] = None
    flag: Optional[str] = None  # a boolean: "--name" or "--on/--off"
    multiple: bool = False


# Parameters shared by many methods, described once.
PARAMS: dict[str, Param] = {
    "account": Param("An account id."),
    "after": Param("Only what comes after this sequence number (a page's next).", click.INT, "SEQ"),
    "amount": Param("An integer amount in the unit's smallest step."),
    "as_of": Param("As of a sequence number or an ISO 8601 time with an offset.", metavar="SEQ|ISO-TIME"),
    "ceiling": Param("Highest balance allowed.", metavar="N"),
    "code": Param("A short code classifying the movement."),
    "credit": Param("The account credited."),
    "data": Param("The fact's data, a JSON object.", JsonObject()),
    "debit": Param("The account debited."),
    "details": Param("Structured details recorded with the movement, a JSON object.", JsonObject()),
    "expected_version": Param("Compare-and-set: the version the data was computed from (0: none yet).", click.INT),
    "expires_at": Param("Expire the hold at this time (ISO 8601 with an offset).", metavar="ISO-TIME"),
    "fact_type": Param("A fact type a plugin declares, e.g. tool_library.inventory.v1."),
    "floor": Param("Lowest balance allowed.", metavar="N"),
    "formats": Param("Only these exporters (repeatable); default: all.", multiple=True, metavar="NAME"),
    "hold_id": Param("A hold id.", metavar="HOLD_ID"),
    "items": Param("A JSON Lines file of batch items, - for stdin.", click.File("r", encoding="utf-8"), "FILE"),
    "key_path": Param("Where to write the signing key (default: DB.key).", click.Path(dir_okay=False)),
    "kind": Param("A scheme kind a plugin provides (time_bank, carbon ...)."),
    "ledger_id": Param("Ledger id, e.g. example.org/garden (default: generated)."),
    "limit": Param("At most this many.", click.INT, "N"),
    "memo": Param("Free text recorded with the movement."),
    "name": Param("A scheme name."),
    "new_size": Param("The larger tree's size (default: the latest checkpoint's).", click.INT),
    "now": Param("Expire holds due at or before this time (default: now).", AwareDateTime()),
    "old_size": Param("The smaller tree's size.", click.INT),
    "out": Param("A new or empty directory.", click.Path(file_okay=False)),
    "owner": Param("Who the account belongs to (free text)."),
    "personal": Param("Mark the body personal: withheld from public exports.", flag="--personal"),
    "public": Param("Withhold personal bodies (--private: keep them, an internal export).", flag="--public/--private"),
    "reason": Param("Why (recorded in the chain)."),
    "request_id": Param("Idempotency key: repeating the same command with it returns the first result."),
    "scheme": Param("A scheme name."),
    "seq": Param("A sequence number.", click.INT),
    "size": Param("A tree size: the first SIZE events (default: all).", click.INT),
    "status": Param("Only holds in this state.", click.Choice(["held", "posted", "voided", "expired"])),
    "step": Param("Every amount is a multiple of this.", metavar="N"),
    "subject": Param("What the fact is about (a scheme, a campaign, an account ...)."),
    "timeout": Param("Expire the hold this many seconds from now.", metavar="SECONDS"),
    "transfer_id": Param("A transfer id.", metavar="TRANSFER_ID"),
    "unit": Param("The unit amounts count in (minutes, points, cents)."),
    "until": Param("Only what comes at or before this sequence number.", click.INT, "SEQ"),
}

#: Parameters offered by no command, with why.
NOT_OFFERED: dict[str, str] = {
    "missing_ok": "a command names a thing that must exist; a missing one is an error (exit 1)",
    "raise_on_error": "ledger verify always exits 1 on a failed verification and prints every difference",
}


@dataclass(frozen=True)
class Spec:
    """One row of the table: ``Ledger.<method>`` is the command ``name`` (words: group, command)."""

    method: str
    name: str
    help: str
    arguments: tuple[str, ...] = ()  # parameters given positionally, in this order
    output: str = "emit"  # a key of ``build.OUTPUTS``: how the result is printed
    schema: Optional[type[Schema]] = None  # for ``**kwargs`` methods: where the keyword names come from
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # hidden older spellings per parameter
    also: tuple[str, ...] = ()  # further command names running the same (kept from earlier releases)
    handler: Optional[str] = None  # a function of ``handlers.py`` instead of call-and-print
    extra: tuple[str, ...] = ()  # CLI-only options the handler takes (``receipt --out``)
    not_found: Optional[str] = None  # message when the method returns None (format keys: its arguments)


COMMANDS: tuple[Spec, ...] = (
    # -- the ledger itself
    Spec("init", "init", "Create a ledger with a signing key; prints its id, key file and public key.",
         aliases={"ledger_id": ("--id",), "key_path": ("--key",)}, handler="init"),
    Spec("verify", "verify", "Check the chain, what was signed, and every read model against the chain.\n\n"
         "Prints the size and head; exits 1 naming the first bad seq, or listing each read-model cell that "
         "differs from what the chain's events say (table, key, column, expected, found).", handler="verify"),
    Spec("size", "size", "How many events the chain holds (the next sequence number).", output="value"),
    Spec("seq_at", "seq-at", "The last sequence number at or before AS_OF (a seq or an ISO time); -1 if none.",
         arguments=("as_of",), output="value"),
    Spec("seq_time", "seq-time", "The chain timestamp of event SEQ.", arguments=("seq",), output="value",
         not_found="no event has seq {seq}"),
    Spec("unit_totals", "totals", "Sum of balances per unit, 0 when sound.", output="totals"),
    # -- proofs, checkpoints, keys
    Spec("root", "root", "The RFC 6962 Merkle root (hex) of the first SIZE events (default: all).", output="value"),
    Spec("inclusion_proof", "inclusion-proof", "Hashes (hex) proving event SEQ is in the tree of SIZE events.",
         arguments=("seq",), output="hashes"),
    Spec("consistency_proof", "consistency-proof", "Hashes (hex) proving the tree of NEW_SIZE extends OLD_SIZE's.",
         arguments=("old_size", "new_size"), output="hashes"),
    Spec("checkpoint", "checkpoint", "Verify, then sign a checkpoint of the whole ledger; prints the signed note.",
         output="checkpoint"),
    Spec("latest_checkpoint", "latest-checkpoint", "The latest stored signed checkpoint; prints its note.",
         output="checkpoint", not_found="no checkpoint has been signed yet; run 'ledger checkpoint'"),
    Spec("receipt", "receipt", "A donor's receipt: proof that event SEQ is in the signed ledger. Always JSON.",
         arguments=("seq",), handler="receipt", extra=("out",)),
    Spec("consistency", "consistency", "Proof that the ledger's tree extends its tree of OLD_SIZE events. "
         "Always JSON.", arguments=("old_size", "new_size"), output="document"),
    Spec("rotate_key", "rotate-key", "Hand checkpoint signing to a new key, recorded in the chain."),
    Spec("public_key", "public-key", "The verifier key checkpoints are signed with now.", output="value"),
    Spec("export", "export", "Write the auditor's export directory: leaves, bodies, checkpoint, exporters.",
         aliases={"formats": ("--format",)}),
    Spec("exporters", "exporters", "Export formats: the built-in ones and those of loaded plugins.",
         output="exporters"),
    # -- schemes
    Spec("register_scheme", "scheme register", "Register scheme NAME counting in UNIT.\n\nIts issuer account is "
         "NAME:issuer. Accounts default to floor 0 (no overdraft) and no ceiling; --no-floor / --no-ceiling "
         "mean unlimited.", arguments=("name", "unit")),
    Spec("schemes", "scheme list", "List the registered schemes.", also=("schemes",)),
    Spec("scheme_info", "scheme show", "Show scheme NAME: unit, limits, issuer, kind, step.", arguments=("name",)),
    Spec("scheme_plugins", "scheme plugins", "Each scheme's kind, the plugin it was registered with, and whether "
         "it is writable here."),
    # -- accounts
    Spec("open_account", "account open", "Open ACCOUNT in a scheme.\n\nLimits default to the scheme's; "
         "--no-floor / --no-ceiling mean unlimited.", arguments=("account",), schema=schemas.OpenAccountSchema),
    Spec("account", "account show", "Show ACCOUNT's scheme, owner and limits.", arguments=("account",)),
    Spec("accounts", "account list", "List accounts, of one scheme or all.", also=("accounts",)),
    Spec("close_account", "account close", "Close an account for good; its balance and pending must be zero.",
         arguments=("account",)),
    Spec("change_limits", "account limits", "Record new limits for ACCOUNT.\n\nGive each limit as --floor N / "
         "--ceiling N, or --no-floor / --no-ceiling.", arguments=("account",)),
    # -- movements
    Spec("transfer", "transfer", "Move AMOUNT from DEBIT to CREDIT now.", arguments=("debit", "credit", "amount"),
         schema=schemas.TransferSchema, aliases={"transfer_id": ("--id",)}),
    Spec("hold", "hold", "Reserve AMOUNT from DEBIT for CREDIT.\n\nThe hold stays pending until it is posted, "
         "voided or expired.", arguments=("debit", "credit", "amount"), schema=schemas.HoldSchema,
         aliases={"hold_id": ("--id",)}),
    Spec("post", "post", "Post all of hold HOLD_ID, or AMOUNT of it (the rest is released).",
         arguments=("hold_id", "amount"), schema=schemas.PostSchema),
    Spec("void", "void", "Release hold HOLD_ID without moving anything.", arguments=("hold_id",),
         schema=schemas.VoidSchema),
    Spec("reverse", "reverse", "Undo a transfer or a posted hold.\n\nRecords a new transfer the other way that "
         "names TRANSFER_ID (or --hold-id HOLD_ID); the original is never edited.", arguments=("transfer_id",),
         schema=schemas.ReverseSchema, aliases={"hold_id": ("--hold",)}),
    Spec("batch", "batch", "Commit the items of FILE (JSON Lines, - for stdin) together or not at all.\n\n"
         'One item a line: {"type": "transfer", "debit": ..., "credit": ..., "amount": ...}; types are transfer, '
         "hold, post, void, reverse and fact (record-fact's arguments). Errors name the line.",
         arguments=("items",), handler="batch"),
    Spec("expire_holds", "expire-holds", "Expire held holds past their deadline; prints their ids, one a line."),
    Spec("record_fact", "record-fact", "Record a fact of FACT_TYPE about SUBJECT (a type a plugin declares).",
         arguments=("fact_type", "subject")),
    # -- reads
    Spec("balance", "balance", "An account's posted, pending, available.", arguments=("account",)),
    Spec("history", "history", "An account's movements, a page at a time.\n\nWith more to read, prints the "
         "--after value for the next page on stderr.", arguments=("account",), output="page"),
    Spec("hold_info", "hold-info", "Show hold HOLD_ID: its accounts, amount, status and deadline.",
         arguments=("hold_id",)),
    Spec("holds", "holds", "List holds, oldest first, by status and/or account."),
    Spec("transfer_info", "transfer-info", "Show transfer (or reversal) TRANSFER_ID.", arguments=("transfer_id",)),
    Spec("transfers", "transfers", "List transfers and reversals in sequence order, filtered."),
    Spec("fact", "fact", "The latest fact of FACT_TYPE about SUBJECT.", arguments=("fact_type", "subject"),
         not_found="no fact {fact_type} of {subject!r} has been recorded"),
    Spec("facts", "facts", "Every fact of FACT_TYPE (of one --subject), oldest first.", arguments=("fact_type",)),
)  # fmt: skip

#: Public members of ``Ledger`` no command calls, with why.
EXCLUDED: dict[str, str] = {
    "close": "each command opens the ledger and closes it when done",
    "signer": "the signing key's object; the CLI signs through checkpoint and rotate-key",
}

#: CLI-only options of handlers (not method parameters), described once.
EXTRA: dict[str, Param] = {
    "out": Param("Write the receipt here instead of printing it.", click.Path(dir_okay=False)),
}
