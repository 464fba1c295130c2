"""``ledger_audit.derived`` on hand-made events: the §8.4 rules one at a time, and bodies it must refuse."""

from __future__ import annotations

import uuid
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_audit import ExportError, body_hash, canonical_bytes, make_leaf
from ledger_audit.derived import derive


def stream(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


class Events:
    """Events as (seq, leaf, body or None); leaves need not chain here, only parse."""

    def __init__(self) -> None:
        self.items: list[tuple[int, bytes, Optional[bytes]]] = []

    def add(self, etype: str, on: str, body: Any, *, withheld: bool = False) -> int:
        raw = body if isinstance(body, bytes) else canonical_bytes(body)
        seq = len(self.items)
        leaf = make_leaf(ledger="d.example/x", seq=seq, prev="0" * 64, ts=f"2026-01-01T00:00:00.{seq:06d}Z",
                         type=etype, stream=stream(on), version=1, body_hash=body_hash(raw))
        self.items.append((seq, leaf, None if withheld else raw))
        return seq

    def account(self, name: str, owner: str = "", *, withheld: bool = False) -> int:
        body = {"account_id": name, "scheme": "time", "unit": "min", "owner": owner, "floor": -600, "ceiling": None}
        return self.add("ledger.account.opened.v1", f"account:{name}", body, withheld=withheld)

    def transfer(
        self, tid: str, debit: str, credit: str, amount: Any, *, withheld: bool = False, change: Any = None
    ) -> int:
        body = {"transfer_id": tid, "debit": debit, "credit": credit, "amount": amount, "unit": "min", "code": "",
                "memo": "", "details": {}, "reverses": None, "request_id": None, **(change or {})}
        return self.add("ledger.transfer.recorded.v1", f"transfer:{tid}", body, withheld=withheld)

    def tables(self) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        for name, row in derive(self.items):
            out.setdefault(name, []).append(row)
        return out


def test_an_account_whose_opening_is_withheld_shows_only_its_id_and_balances_say_incomplete():
    ev = Events()
    ev.account("ann")
    ev.account("bo", "Bo Person", withheld=True)
    ev.transfer("t1", "ann", "bo", 5)
    ev.transfer("t2", "bo", "ann", 2, withheld=True)
    t = ev.tables()
    assert t["accounts"] == [("ann", "time", "min", "", -600, None, 0, 0, 1), ("bo", *[None] * 7, 0)]
    assert t["transfers"] == [("t1", "ann", "bo", 5, "min", "", "", "{}", None, 2)]
    assert t["balances"] == [("ann", "min", -5, 0, 0, 2, 0), ("bo", "min", 5, 0, 0, 2, 0)]
    assert t["unit_balances"] == [("min", 2, 0, 0)]
    assert [row[3] is None for row in t["events"]] == [False, True, False, True]


def test_a_withheld_limits_change_makes_only_that_account_incomplete():
    ev = Events()
    ev.account("ann")
    ev.account("cy")
    ev.add("ledger.account.limits_changed.v1", "account:ann", {"floor": 0, "ceiling": 9, "reason": ""}, withheld=True)
    ev.add("ledger.account.closed.v1", "account:cy", {"reason": "gone"})
    accounts = {row[0]: row for row in ev.tables()["accounts"]}
    assert (accounts["ann"][4], accounts["ann"][8]) == (-600, 0)  # as far as published bodies say, and flagged
    assert (accounts["cy"][6], accounts["cy"][8]) == (1, 1)
    assert {row[6] for row in ev.tables()["balances"]} == {1}  # no value-moving body is withheld


def test_a_withheld_hold_placement_hides_its_post_and_a_published_one_is_a_transfer():
    ev = Events()
    ev.account("ann")
    ev.account("bo")
    hold = {"hold_id": "h", "debit": "ann", "credit": "bo", "amount": 10, "unit": "min", "code": "c", "memo": "m",
            "details": {"b": 1, "a": [2]}, "expires_at": None, "request_id": None}
    ev.add("ledger.hold.placed.v1", "hold:h", hold)
    ev.add("ledger.hold.posted.v1", "hold:h", {"amount": 7, "released": 3, "request_id": None})
    ev.add("ledger.hold.placed.v1", "hold:secret", {**hold, "hold_id": "secret"}, withheld=True)
    ev.add("ledger.hold.posted.v1", "hold:secret", {"amount": 4, "released": 6, "request_id": None})
    t = ev.tables()
    assert t["transfers"] == [("hold:h", "ann", "bo", 7, "min", "c", "m", '{"a":[2],"b":1}', None, 3)]
    assert t["balances"] == [("ann", "min", -7, 0, 0, 3, 0), ("bo", "min", 7, 0, 0, 3, 0)]


@pytest.mark.parametrize(
    ("change", "member"),
    [({"amount": "5"}, "amount"), ({"amount": True}, "amount"), ({"debit": None}, "debit"),
     ({"details": []}, "details"), ({"reverses": 3}, "reverses")],
)
def test_a_published_body_with_a_member_of_the_wrong_type_is_malformed_at_its_seq(change, member):
    ev = Events()
    ev.account("ann")
    seq = ev.transfer("t1", "ann", "ann", 1, change=change)
    with pytest.raises(ExportError) as info:
        ev.tables()
    assert (info.value.kind, info.value.seq) == ("malformed", seq) and repr(member) in info.value.reason


def test_a_body_that_is_not_an_object_is_malformed():
    ev = Events()
    seq = ev.add("ledger.account.closed.v1", "account:x", b"[]")
    with pytest.raises(ExportError) as info:
        ev.tables()
    assert (info.value.kind, info.value.seq) == ("malformed", seq)


@given(etype=st.text(min_size=1, max_size=8))
def test_any_event_type_reaches_the_events_table_exactly(etype):
    ev = Events()
    ev.add(etype, "fact:x", {"data": 1})
    assert ev.tables()["events"][0][2] == etype
