"""Tracing invariants under random histories (the loaded hypothesis profile): every expense's
traced shares add up to it exactly, and no donation is traced for more than its amount, also
when some expenses were corrected by a reversal."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_grants import Grants, NotTraceable, Tracer

from ledger.testing import FakeClock

from .conftest import open_ledger

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

# Each step: ("donate", donor index, amount) or ("spend", fund index, share of the fund's balance in 1/100).
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("donate"), st.integers(0, 2), st.integers(1, 10_000), st.integers(0, 1)),
        st.tuples(st.just("spend"), st.integers(0, 1), st.integers(1, 100), st.integers(0, 1)),
        st.tuples(st.just("move"), st.integers(0, 1), st.integers(1, 100), st.integers(0, 1)),
        st.tuples(st.just("undo"), st.integers(0, 24), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


@given(steps=STEPS)
def test_traced_shares_sum_to_each_expense_and_never_exceed_a_donation(tmp_path_factory, steps):
    path = str(tmp_path_factory.mktemp("prop") / f"{uuid.uuid4().hex}.db")
    with open_ledger(path, FakeClock()) as led:
        led.register_scheme("eur", kind="grants")
        donors = ("d0", "d1", "d2")
        for account in (*donors, "payee"):
            led.open_account(account, "eur")
        for donor in donors:
            led.transfer("eur:issuer", donor, 10**9)
        grants = Grants(led)
        funds = ("f0", "f1")
        for fund in funds:
            grants.open_fund(fund, "eur", currency="EUR")
        donations, expenses, undone = {}, [], []
        for n, (kind, who, size, target) in enumerate(steps):
            if kind == "undo":
                if expenses:
                    undone.append(expenses.pop(who % len(expenses)).transfer_id)
                    grants.reverse(undone[-1], reason="entered in error")
                continue
            if kind == "donate":
                donations[grants.donate(donors[who], funds[target], size, transfer_id=f"t{n}").transfer_id] = size
                continue
            amount = led.balance(funds[who]).posted * size // 100
            if amount == 0:
                continue
            if kind == "spend":
                expenses.append(grants.spend(funds[who], "payee", amount, purpose="any", day="2026-07-01",
                                             evidence="doc-1", transfer_id=f"t{n}"))
            elif funds[who] != funds[target]:
                grants.move(funds[who], funds[target], amount)
        tracer = Tracer(led)
        for expense_id in undone:
            with pytest.raises(NotTraceable):
                tracer.expense(expense_id)
        traced: dict[str, int] = {}
        for expense in expenses:
            trace = tracer.expense(expense.transfer_id)
            assert sum(s.amount for s in trace.sources) == expense.amount
            assert trace.unfunded == 0
            for share in trace.sources:
                assert share.transfer_id in donations
                traced[share.transfer_id] = traced.get(share.transfer_id, 0) + share.amount
        for donation, amount in donations.items():
            assert traced.get(donation, 0) <= amount
            forward = tracer.donation(donation)
            assert sum(u.amount for u in forward.uses) + sum(forward.unspent.values()) == amount
            assert sum(u.amount for u in forward.uses if u.code == "grants.expense") == traced.get(donation, 0)
