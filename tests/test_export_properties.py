"""Properties of the derived files over random ledgers (hypothesis, real SQLite files).

For any sequence of commands: a private export's derived tables equal the ledger's own
read models row for row (the derivation and the write path are two computations of
one definition), and equal what ``ledger_audit.readmodels`` (the drift check's fold)
rebuilds from the same bodies; both exports verify, with every core derived file
recomputed; and no owner name or memo of a personal command appears in any file of the
public export.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from export_rows import sqlite_rows, store_rows
from hypothesis import given
from hypothesis import strategies as st
from ledger_audit import verify_export
from ledger_audit.derived import CORE_FILES, derive, read_events
from ledger_audit.readmodels import ReadModelReplay

from ledger import Ledger, LedgerError
from ledger.testing import FakeClock

ACCOUNTS = ("ana", "ben", "cai", "dee")
# Text that CSV must quote or escape, and text beyond ASCII: every cell must round-trip.
TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\'\r\n\t;=é\u2028🌱')), max_size=12)

op = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(ACCOUNTS), st.booleans()),
    st.tuples(st.just("transfer"), st.sampled_from(("time:issuer", *ACCOUNTS)), st.sampled_from(ACCOUNTS),
              st.integers(1, 400), TEXT, st.booleans()),
    st.tuples(st.just("hold"), st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.integers(1, 50), TEXT,
              st.booleans()),
    st.tuples(st.just("settle"), st.integers(0, 20), st.sampled_from(("post", "part", "void", "expire"))),
    st.tuples(st.just("limits"), st.sampled_from(ACCOUNTS), st.integers(-800, -1)),
    st.tuples(st.just("close"), st.sampled_from(ACCOUNTS)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
)


def run(led: Ledger, clock: FakeClock, ops: list[tuple]) -> tuple[set[str], set[str]]:
    """Apply ``ops`` (refused ones write nothing); return the owner names and memos marked personal."""
    names, memos, holds, transfers = set(), set(), [], []
    for step in ops:
        try:
            kind = step[0]
            if kind == "open":
                owner = f"Owner Of {step[1].title()}" if step[2] else ""
                led.open_account(step[1], "time", owner=owner)
                names.add(owner) if owner else None
            elif kind == "transfer":
                _, debit, credit, amount, memo, personal = step
                memo = f"secret:{memo}" if personal else memo  # TEXT has no ':', so only these say "secret:"
                transfers.append(led.transfer(debit, credit, amount, memo=memo, personal=personal).transfer_id)
                memos.add(memo) if personal else None
            elif kind == "hold":
                _, debit, credit, amount, memo, personal = step
                memo = f"secret:{memo}" if personal else memo
                holds.append(led.hold(debit, credit, amount, memo=memo, personal=personal, timeout=60).hold_id)
                memos.add(memo) if personal else None
            elif kind == "settle" and holds:
                hold = holds[step[1] % len(holds)]
                if step[2] == "post":
                    led.post(hold)
                elif step[2] == "part":
                    led.post(hold, 1)
                elif step[2] == "void":
                    led.void(hold)
                else:
                    clock.advance(seconds=61)
                    led.expire_holds()
            elif kind == "limits":
                led.change_limits(step[1], floor=step[2], ceiling=None, reason="")
            elif kind == "close":
                led.close_account(step[1], reason="")
            elif kind == "reverse" and transfers:
                led.reverse(transfers[step[1] % len(transfers)], reason="undo")
        except LedgerError:
            pass
    return names, memos


@given(ops=st.lists(op, max_size=25))
def test_derived_files_agree_with_the_ledger_verify_and_keep_personal_data_out(ops):
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with Ledger(str(root / "l.db"), create=True, ledger_id="prop.example/coop", clock=clock) as led:
            led.register_scheme("time", "minutes", floor=-600, ceiling=3000)
            names, memos = run(led, clock, ops)
            private = Path(led.export(str(root / "private"), public=False, formats=["csv", "sqlite"]).out)
            public = Path(led.export(str(root / "public"), formats=["csv", "sqlite"]).out)
            assert {k: v for k, v in sqlite_rows(private / "ledger.sqlite").items() if k != "events"} == store_rows(led)
            for out in (private, public):
                assert verify_export(out, led.public_key).derived == tuple(CORE_FILES)
            secrets = [s.encode() for s in names | memos] + ([b"secret:"] if memos else [])
            for path in public.rglob("*"):
                if path.is_file():  # the bytes of every file, ledger.sqlite's pages included
                    data = path.read_bytes()
                    assert not [s for s in secrets if s in data], path
            assert derived_rows(private) == replayed_rows(private)
            private_bodies = (private / "bodies.jsonl").read_text(encoding="utf-8")
            assert all(name in private_bodies for name in names)  # they were there to withhold


def derived_rows(export: Path) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {"schemes": [], "accounts": [], "transfers": [], "balances": []}
    for name, row in derive(read_events(export)):
        if name == "accounts":
            row = row[:8]  # the read model has no ``complete``: a private export's rows all are
        elif name == "balances":
            row = row[:5]  # nor ``as_of_seq`` (its seq is the last change, openings included)
        if name in rows:
            rows[name].append(row)
    return rows


def replayed_rows(export: Path) -> dict[str, list[tuple]]:
    """The drift check's fold over the same bodies, in the derived tables' shape."""
    replay = ReadModelReplay()
    transfers = []
    for seq, leaf, body in read_events(export):
        fields = json.loads(leaf)
        emitted = replay.feed(seq, fields["type"], fields["stream"], fields["version"], json.loads(body))
        transfers += [row for table, row in emitted if table == "ledger_transfers"]
    tables = replay.tables()
    balances = [(a, u, cp - dp, dpend, cpend) for a, u, dp, cp, dpend, cpend, _ in tables["ledger_balances"]]
    return {
        "schemes": list(tables["ledger_schemes"]),
        "accounts": list(tables["ledger_accounts"]),
        "transfers": transfers,
        "balances": balances,
    }
