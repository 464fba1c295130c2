"""A closer run in a child process that the crash tests kill with SIGKILL.

``python crash_child.py DB NOW stall|run MARKER``: opens the ledger at DB (a file or a
``postgresql://`` URL) with its clock at NOW and closes campaign ``well``. With ``stall``, a plugin
stops inside the close's write transaction (after every post is inserted, before the commit) and
announces it by creating the file MARKER,
so the parent kills it exactly half-way; with ``run`` it prints ``closing`` and just closes.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from ledger_crowdfund import SETTLEMENT, Crowdfund, plugin

from ledger import Ledger, TransactionView, hookimpl
from ledger.testing import FakeClock


class Stall:
    """Holds the write transaction open forever once the settlement is being written."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    @hookimpl
    def ledger_check_transaction(self, view: TransactionView) -> None:
        if any(c.name == "record_fact" and c.args["fact_type"] == SETTLEMENT for c in view.commands):
            self.marker.touch()
            time.sleep(600)


def main(db: str, now: str, mode: str, marker: str) -> None:
    extra = [Stall(Path(marker))] if mode == "stall" else []
    with Ledger(db, clock=FakeClock(datetime.fromisoformat(now)), plugins=[plugin, *extra],
                load_entrypoints=False) as ledger:
        print("closing", flush=True)
        Crowdfund(ledger).close("well")
        print("closed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
