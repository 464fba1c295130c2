"""A hook name with a typo: loading must fail loudly, not ignore it."""

from ledger import hookimpl


@hookimpl
def ledger_validate_comand(command):
    return None
