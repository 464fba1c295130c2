"""A tool library: members lend tools against a deposit of tokens, held until the tool is back.

The whole plugin: a scheme kind, a fact type for the inventory, one rule, one CLI command.
It imports nothing from the ledger but its public names.
"""

from __future__ import annotations

from typing import Any

import click
from marshmallow import Schema, fields, validate

from ledger import Command, FactType, Ledger, RuleViolation, SchemeType, hookimpl
from ledger.cli import db_option, emit, open_ledger, output_options

__version__ = "0.1.0"
KIND = "tool_library"
INVENTORY = "tool_library.inventory.v1"
BORROW = "tool_library.borrow"


class ToolSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 80))
    deposit = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000))


class InventorySchema(Schema):
    tools = fields.List(fields.Nested(ToolSchema), required=True)


@hookimpl
def ledger_register_schemes() -> list[SchemeType]:
    return [SchemeType(kind=KIND, unit="tokens", floor=0, description="deposits held while a tool is out")]


@hookimpl
def ledger_register_fact_types() -> list[FactType]:
    return [FactType(name=INVENTORY, schema=InventorySchema, description="the tools a library lends")]


@hookimpl
def ledger_validate_command(ledger: Ledger, command: Command) -> None:
    """A deposit hold must name a tool of the library's inventory and be exactly its deposit."""
    if command.name != "hold" or KIND not in command.kinds() or command.args["code"] != BORROW:
        return
    library = command.schemes[command.args["credit"]].name
    inventory = ledger.fact(INVENTORY, library)
    tools = {t["name"]: t["deposit"] for t in (inventory.data["tools"] if inventory else [])}
    tool = command.args["details"].get("tool")
    if tool not in tools:
        raise RuleViolation("inventory", f"{library} has no tool {tool!r} to lend")
    if command.args["amount"] != tools[tool]:
        raise RuleViolation(
            "deposit", f"the deposit for {tool!r} is {tools[tool]} tokens, not {command.args['amount']}"
        )


def borrow(ledger: Ledger, library: str, member: str, tool: str, deposit: int, days: int = 14) -> Any:
    """Hold the member's deposit for the library until the tool comes back (or the hold expires)."""
    return ledger.hold(member, f"{library}:desk", deposit, code=BORROW, timeout=days * 86400,
                       details={"tool": tool}, memo=f"borrowed {tool}")


@hookimpl
def ledger_register_commands(cli: click.Group) -> None:
    @cli.command("tool-borrow")
    @click.argument("library")
    @click.argument("member")
    @click.argument("tool")
    @click.argument("deposit", type=int)
    @db_option()
    @output_options
    def tool_borrow(library: str, member: str, tool: str, deposit: int, db: str, as_json: bool) -> None:
        """Lend TOOL to MEMBER against DEPOSIT tokens (tool library plugin)."""
        with open_ledger(db) as ledger:
            emit(borrow(ledger, library, member, tool, deposit), as_json)
