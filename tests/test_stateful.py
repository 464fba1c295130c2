"""Random command sequences, valid and invalid, against a model of what the ledger must hold.

After every step: each unit sums to zero (posted and pending), no account is outside
its floor or ceiling, balances equal the model's, and the chain verifies. A command
that fails must have changed nothing: the model is only updated on success, so any
partial write shows up as a difference.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger import Ledger, LedgerError

MEMBERS = {"minutes": ["m1", "m2", "m3"], "points": ["p1", "p2"]}
ISSUERS = {"minutes": "time:issuer", "points": "carbon:issuer"}
LIMITS = {"minutes": (-120, 240), "points": (0, None)}
ALL = [a for unit in MEMBERS for a in MEMBERS[unit] + [ISSUERS[unit]]]
UNIT = {a: u for u in MEMBERS for a in MEMBERS[u] + [ISSUERS[u]]}
amounts = st.one_of(st.integers(1, 150), st.sampled_from([0, -3, 2**53]))


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def open_ledger(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.ledger = Ledger(f"{self.dir}/l.db", create=True, clock=lambda: self.now)
        self.ledger.register_scheme("time", "minutes", floor=LIMITS["minutes"][0], ceiling=LIMITS["minutes"][1])
        self.ledger.register_scheme("carbon", "points", floor=0)
        for unit, members in MEMBERS.items():
            for m in members:
                self.ledger.open_account(m, "time" if unit == "minutes" else "carbon")
        self.posted = dict.fromkeys(ALL, 0)
        self.pending = dict.fromkeys(ALL, 0)  # debits pending, per account
        self.incoming = dict.fromkeys(ALL, 0)  # credits pending, per account
        self.holds: dict[str, tuple[str, str, int, datetime | None]] = {}
        self.transfers: dict[str, tuple[str, str, int]] = {}
        self.reversed: set[str] = set()
        self.n = 0

    def teardown(self) -> None:
        self.ledger.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _fits(self, debit: str, credit: str, amount: int, pending: bool) -> bool:
        floor, ceiling = LIMITS[UNIT[debit]]
        avail = self.posted[debit] - self.pending[debit] - amount
        if debit not in ISSUERS.values() and floor is not None and avail < floor:
            return False
        potential = self.posted[credit] + self.incoming[credit] + amount
        return credit in ISSUERS.values() or ceiling is None or potential <= LIMITS[UNIT[credit]][1]

    def _expect_ok(self, valid: bool, call) -> object | None:
        size = self.ledger.size()
        try:
            result = call()
        except LedgerError:
            assert self.ledger.size() == size
            assert not valid, "a valid command was refused"
            return None
        assert valid, "an invalid command was accepted"
        return result

    @rule(debit=st.sampled_from(ALL), credit=st.sampled_from(ALL), amount=amounts)
    def transfer(self, debit: str, credit: str, amount: int) -> None:
        valid = (
            debit != credit
            and UNIT[debit] == UNIT[credit]
            and 1 <= amount < 2**53
            and self._fits(debit, credit, amount, False)
        )
        self.n += 1
        tid = f"t{self.n}"
        if self._expect_ok(valid, lambda: self.ledger.transfer(debit, credit, amount, transfer_id=tid)):
            self.posted[debit] -= amount
            self.posted[credit] += amount
            self.transfers[tid] = (debit, credit, amount)

    @rule(debit=st.sampled_from(ALL), credit=st.sampled_from(ALL), amount=amounts, timeout=st.sampled_from([None, 60]))
    def hold(self, debit: str, credit: str, amount: int, timeout: int | None) -> None:
        valid = (
            debit != credit
            and UNIT[debit] == UNIT[credit]
            and 1 <= amount < 2**53
            and self._fits(debit, credit, amount, True)
        )
        self.n += 1
        hid = f"h{self.n}"
        if self._expect_ok(valid, lambda: self.ledger.hold(debit, credit, amount, hold_id=hid, timeout=timeout)):
            self.pending[debit] += amount
            self.incoming[credit] += amount
            deadline = self.now + timedelta(seconds=timeout) if timeout else None
            self.holds[hid] = (debit, credit, amount, deadline)

    def _release(self, hid: str) -> tuple[str, str, int]:
        debit, credit, amount, _ = self.holds.pop(hid)
        self.pending[debit] -= amount
        self.incoming[credit] -= amount
        return debit, credit, amount

    @rule(data=st.data())
    def post(self, data: st.DataObject) -> None:
        hid = data.draw(st.sampled_from(sorted(self.holds) or ["missing"]))
        part = data.draw(st.one_of(st.none(), st.integers(1, 200)))
        hold = self.holds.get(hid)
        valid = hold is not None and (hold[3] is None or self.now < hold[3]) and (part is None or part <= hold[2])
        if self._expect_ok(valid, lambda: self.ledger.post(hid, part)):
            debit, credit, amount = self._release(hid)
            moved = amount if part is None else part
            self.posted[debit] -= moved
            self.posted[credit] += moved

    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        hid = data.draw(st.sampled_from(sorted(self.holds) or ["missing"]))
        if self._expect_ok(hid in self.holds, lambda: self.ledger.void(hid)):
            self._release(hid)

    @rule(minutes=st.integers(0, 90))
    def time_passes_and_holds_expire(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        due = sorted(h for h, (*_, deadline) in self.holds.items() if deadline is not None and deadline <= self.now)
        assert sorted(self.ledger.expire_holds()) == due
        for hid in due:
            self._release(hid)

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(sorted(self.transfers) or ["missing"]))
        original = self.transfers.get(tid)
        valid = (
            original is not None
            and tid not in self.reversed
            and self._fits(original[1], original[0], original[2], False)
        )
        if self._expect_ok(valid, lambda: self.ledger.reverse(tid, reason="correction")):
            debit, credit, amount = original
            self.posted[credit] -= amount
            self.posted[debit] += amount
            self.reversed.add(tid)

    @invariant()
    def every_unit_sums_to_zero_and_matches_the_model(self) -> None:
        if not hasattr(self, "ledger"):
            return
        for totals in self.ledger.unit_totals().values():
            assert (totals["posted"], totals["pending"]) == (0, 0)
        for account in ALL:
            b = self.ledger.balance(account)
            assert (b.posted, b.debits_pending, b.credits_pending) == (
                self.posted[account],
                self.pending[account],
                self.incoming[account],
            ), account
            floor, ceiling = LIMITS[UNIT[account]]
            if account not in ISSUERS.values():
                assert floor is None or b.available >= floor
                assert ceiling is None or b.posted + b.credits_pending <= ceiling

    @invariant()
    def chain_verifies(self) -> None:
        if hasattr(self, "ledger"):
            assert self.ledger.verify().ok


TestLedgerMachine = LedgerMachine.TestCase
