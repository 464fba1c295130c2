"""Any sequence of time-bank operations, valid or not, keeps the bank zero-sum and the chain sound.

A small model of the balances predicts which operations the rules must accept; an operation it
predicts invalid must be refused and leave the database byte for byte unchanged.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from hypothesis import event, given
from hypothesis import strategies as st

from ledger import LedgerError

from .conftest import MEMBERS, FakeClock, dump, new_bank, open_ledger

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

CATEGORIES = {"garden", "care", "repair"}
PRICES = {"hot meal": 60}  # the only redeemable service of SERVICES
FLOOR, CEILING, MAX_EXCHANGE = -600, 3000, 480


@dataclass(frozen=True)
class Op:
    kind: str
    who: str
    other: Optional[str] = None
    minutes: int = 0
    what: str = ""


members = st.sampled_from(MEMBERS)


def draw_op(data: st.DataObject, bal: dict[str, int]) -> Op:
    """An operation mostly within what the accounts hold (so gifts and grants do happen), with a
    margin of 30 minutes, unknown categories and services, and wrong parties to draw invalid ones."""
    kind = data.draw(st.sampled_from(["exchange", "donate", "grant", "redeem"]))
    if kind == "exchange":
        category = data.draw(st.sampled_from(["garden", "care", "repair", "plumbing"]))
        return Op(kind, data.draw(members), data.draw(members), data.draw(st.integers(1, 520)), category)
    if kind == "donate":
        donor = data.draw(st.sampled_from([*MEMBERS, "community"]))
        minutes = data.draw(st.integers(1, max(bal[donor], 0) + 30))
        return Op(kind, donor, data.draw(st.sampled_from([*MEMBERS, None])), minutes)
    if kind == "grant":
        return Op(kind, data.draw(members), minutes=data.draw(st.integers(1, max(bal["community"], 0) + 30)))
    return Op(kind, data.draw(members), what=data.draw(st.sampled_from(["hot meal", "bike check", "massage"])))


def expected(op: Op, bal: dict[str, int]) -> Optional[dict[str, int]]:
    """The balances after ``op`` if the bank's rules and limits allow it, else ``None``."""
    def within(account: str, value: int) -> bool:
        floor, ceiling = (0, None) if account == "community" else (FLOOR, CEILING)
        return value >= floor and (ceiling is None or value <= ceiling)

    if op.kind == "exchange":
        payer, payee, ok = op.other, op.who, op.what in CATEGORIES and op.minutes <= MAX_EXCHANGE
    elif op.kind == "donate":
        payer, payee = op.who, op.other or "community"
        ok = op.who != "community" and bal[op.who] >= op.minutes
    elif op.kind == "grant":
        payer, payee, ok = "community", op.who, True
    else:
        payer, payee, ok = op.who, "community", op.what in PRICES
    amount = PRICES.get(op.what, 0) if op.kind == "redeem" else op.minutes
    assert payer is not None
    if not ok or payer == payee:
        return None
    after = {**bal, payer: bal[payer] - amount, payee: bal[payee] + amount}
    return after if within(payer, after[payer]) and within(payee, after[payee]) else None


def apply(bank: Any, op: Op) -> None:
    if op.kind == "exchange":
        bank.record_exchange(op.who, op.other, op.minutes, op.what, "a service")
    elif op.kind == "donate":
        bank.donate(op.who, op.minutes, to=op.other)
    elif op.kind == "grant":
        bank.grant(op.who, op.minutes, "community work")
    else:
        bank.redeem(op.who, op.what)


@given(st.data(), st.integers(0, 14))
def test_any_sequence_keeps_the_bank_zero_sum_and_the_chain_verifying(data, steps):
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "ledger.db")
        with open_ledger(path, FakeClock()) as led:
            bank = new_bank(led)
            bal = {m: 0 for m in (*MEMBERS, "community")}
            for _ in range(steps):
                op = draw_op(data, bal)
                after = expected(op, bal)
                event(f"{op.kind} {'accepted' if after is not None else 'refused'}")  # shows both paths run
                if after is not None:
                    apply(bank, op)
                    bal = after
                    continue
                before = dump(path)
                try:
                    apply(bank, op)
                except LedgerError:
                    pass
                else:
                    raise AssertionError(f"{op} should have been refused")
                assert dump(path) == before
            accounts = led.accounts("riverside")
            assert sum(led.balance(a.account).posted for a in accounts) == 0
            assert {m: led.balance(bank.account(m)).posted for m in bal} == bal
            assert led.unit_totals()["minutes"] == {"posted": 0, "pending": 0, "accounts": len(accounts)}
            for member in bal:
                s = bank.member_statement(member)
                ins = s.earned_by_exchanges + s.received_as_grants + s.received_donations + s.received_for_redemptions
                outs = s.spent_on_exchanges + s.paid_as_grants + s.donated + s.spent_on_redemptions
                assert ins - outs == s.balance == bal[member]
            assert led.verify().ok
