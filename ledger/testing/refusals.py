"""``assert_refused``: a command is refused with the expected error, and nothing at all is written."""

from __future__ import annotations

import difflib
import re
from typing import Any, Callable, Optional

from ..errors import LedgerError
from ..ledger import Ledger
from .dumps import dump


def assert_refused(
    fn: Callable[[], Any],
    error_type: type[BaseException] = LedgerError,
    match: Optional[str] = None,
    *,
    ledger: Ledger,
) -> BaseException:
    """Call ``fn``; it must raise ``error_type`` whose message ``re.search``-es ``match``, and
    leave ``ledger``'s chain size and every row of every table exactly as they were.

    Returns the error, so a test can assert more (the rule's name, ``.plugin``). Works on either
    store (``ledger.db`` is a file or a ``postgresql://`` URL). Plain ``AssertionError`` with its
    own message, so it reads the same outside pytest's assertion rewriting.
    """
    size, before = ledger.size(), dump(ledger.db)
    try:
        fn()
    except error_type as exc:
        caught = exc
    else:
        raise AssertionError(f"expected {error_type.__name__}, but the command was not refused")
    if match is not None and not re.search(match, str(caught)):
        raise AssertionError(f"{type(caught).__name__} {str(caught)!r} does not match {match!r}")
    if ledger.size() != size:
        raise AssertionError(f"the refused command wrote to the chain: size {size} became {ledger.size()}")
    after = dump(ledger.db)
    if after != before:
        diff = "\n".join(list(difflib.unified_diff(before, after, "before", "after", lineterm=""))[:40])
        raise AssertionError(f"the refused command changed the database:\n{diff}")
    return caught


__all__ = ["assert_refused"]
