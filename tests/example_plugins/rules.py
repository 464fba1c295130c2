"""Refuses transfers above 100 with a RuleViolation, and can be told to misbehave."""

from ledger import RuleViolation, hookimpl

FAIL = {"validate": False, "in_transaction": False, "after_commit": False}
SEEN = []


@hookimpl
def ledger_validate_command(command):
    if FAIL["validate"]:
        raise KeyError("boom")
    if command.name == "transfer" and command.args["amount"] > 100:
        over = command.args["amount"] - 100
        raise RuleViolation("max_transfer", f"transfer of {command.args['amount']} is over the maximum of 100 by {over}")


@hookimpl
def ledger_check_transaction(view):
    if FAIL["in_transaction"]:
        raise RuntimeError("disk on fire")
    for command in view.commands:
        if command.name == "transfer" and view.balance(command.args["credit"]).posted > 500:
            raise RuleViolation("hoarding", f"{command.args['credit']} would hold more than 500")


@hookimpl
def ledger_after_commit(command, result):
    SEEN.append((command.name, result.get("seq")))
    if FAIL["after_commit"]:
        raise ValueError("notification service down")
