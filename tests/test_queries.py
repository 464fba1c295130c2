"""Balances as of a seq or a time, and paginated history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger import Ledger, UnknownAccount, ValidationError

# Every test here runs on both stores: the same rules, the same errors.
BACKENDS = ("sqlite", "postgres")


def test_balance_as_of_a_sequence_number(community):
    first = community.transfer("time:issuer", "alice", 100)
    second = community.transfer("alice", "bob", 40)
    assert community.balance("alice", as_of=first.seq - 1).posted == 0
    assert community.balance("alice", as_of=first.seq).posted == 100
    assert community.balance("alice", as_of=second.seq).posted == 60
    assert community.balance("alice", as_of=second.seq).seq == second.seq


def test_balance_as_of_a_time_uses_the_chain_timestamps(community):
    community.transfer("time:issuer", "alice", 100)
    midway = datetime.now(UTC)
    community.transfer("alice", "bob", 40)
    assert community.balance("alice", as_of=midway).posted == 100
    assert community.balance("alice", as_of=datetime(2000, 1, 1, tzinfo=UTC)).posted == 0
    with pytest.raises(ValidationError, match="as_of: must be timezone-aware."):
        community.balance("alice", as_of=datetime(2030, 1, 1))


def test_history_pages_through_every_movement_in_order(community):
    for amount in range(1, 8):
        community.transfer("time:issuer", "alice", amount, memo=f"#{amount}")
    page = community.history("alice", limit=3)
    seen = []
    while True:
        seen += page.entries
        if page.next is None:
            break
        page = community.history("alice", after=page.next, limit=3)
    assert [e.posted for e in seen] == list(range(1, 8))
    assert [e.balance for e in seen] == [sum(range(1, n + 1)) for n in range(1, 8)]
    assert all(e.counterparty == "time:issuer" and e.kind == "transfer" for e in seen)
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)


def test_history_rejects_bad_limits_and_unknown_accounts(community):
    with pytest.raises(ValidationError, match="limit: must be an integer from 1 to 1000."):
        community.history("alice", limit=0)
    with pytest.raises(UnknownAccount):
        community.history("nobody")


def test_holds_and_transfers_can_be_looked_up(community):
    from ledger import UnknownHold, UnknownTransfer

    community.transfer("carbon:issuer", "alice.pts", 10, transfer_id="t")
    community.hold("alice.pts", "bob.pts", 4, hold_id="a")
    community.hold("alice.pts", "carol.pts", 3, hold_id="b")
    community.post("a", 2)
    assert community.transfer_info("t").amount == 10
    assert (community.hold_info("a").status, community.hold_info("a").posted) == ("posted", 2)
    assert [h.hold_id for h in community.holds(status="held")] == ["b"]
    assert [h.hold_id for h in community.holds(account="bob.pts")] == ["a"]
    with pytest.raises(UnknownHold):
        community.hold_info("zz")
    with pytest.raises(UnknownTransfer):
        community.transfer_info("zz")


def test_balance_as_of_accepts_strings_from_a_command_line(community):
    first = community.transfer("time:issuer", "alice", 100)
    assert community.balance("alice", as_of=str(first.seq)).posted == 100
    assert community.balance("alice", as_of="2000-01-01T00:00:00Z").posted == 0
    with pytest.raises(ValidationError) as err:
        community.balance("alice", as_of="yesterday")
    assert str(err.value) == "invalid balance: as_of: must be a sequence number or an ISO 8601 time."


def test_public_key_is_the_one_named_in_genesis(community):
    assert community.public_key.startswith("test.commons-ledger.local/unit+")
    assert open(community.key_path).read().startswith("PRIVATE+KEY+test.commons-ledger.local/unit+")


def test_opening_a_missing_file_leaves_no_file_behind(tmp_path):
    from ledger import Ledger, LedgerNotInitialised

    with pytest.raises(LedgerNotInitialised):
        Ledger(str(tmp_path / "typo.db"))
    assert list(tmp_path.iterdir()) == []


def test_expire_holds_validates_its_clock(community):
    from datetime import datetime

    with pytest.raises(ValidationError, match="now: must be a timezone-aware datetime"):
        community.expire_holds(datetime(2030, 1, 1))


def test_a_path_with_uri_metacharacters_verifies_and_exports(tmp_path):
    path = tmp_path / "club #1 ?50%.db"
    with Ledger(str(path), create=True) as led:
        led.register_scheme("t", "m", floor=None)
        led.open_account("a", "t")
        led.transfer("t:issuer", "a", 3)
        assert led.verify().ok and led.export(tmp_path / "out", formats=[]).size == led.size()
    stray = [p.name for p in tmp_path.iterdir() if p.name != "out" and not p.name.startswith(path.name)]
    assert stray == []  # a raw "file:" URI would have opened (and created) "club " instead


def test_seq_at_a_time_agrees_with_scanning_every_leaf(community):
    """seq_at searches the monotone leaf times; the answer is the scan's, repeats and gaps included."""
    stamps = ["2027-01-01T00:00:00.000001Z"] * 3 + ["2027-01-01T00:00:00.000002Z", "2027-01-01T00:00:05.000000Z"] * 2
    stamps += [f"2027-01-02T00:00:{s:02d}.000000Z" for s in range(0, 60, 7)]
    feed = iter(stamps)
    community._recorder.chain.clock = lambda: next(feed)
    for _ in stamps:
        community.transfer("time:issuer", "alice", 1)
    leaf_times = [r[0] for r in community._rows("SELECT ts FROM ledger_chain ORDER BY seq")]
    assert leaf_times == sorted(leaf_times)
    probes = set(leaf_times) | {"2000-01-01T00:00:00.000000Z", "2027-01-01T00:00:00.000000Z", "2027-01-01T00:00:03.000000Z"}
    probes |= {"2099-01-01T00:00:00.000000Z", "2027-01-02T00:00:20.500000Z"}
    for ts in sorted(probes):
        expected = max((seq for seq, t in enumerate(leaf_times) if t <= ts), default=-1)
        when = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert community.seq_at(when) == expected, ts


def test_transfers_of_one_account_are_those_naming_it_on_either_side(community):
    pairs = [("time:issuer", "alice"), ("alice", "bob"), ("bob", "carol"), ("carol", "alice"), ("time:issuer", "bob")]
    for i in range(25):
        debit, credit = pairs[i % len(pairs)]
        community.transfer(debit, credit, 1 + i % 3, code=f"c{i % 2}")
    everything = community.transfers(limit=1000)
    for account in ("alice", "bob", "carol", "time:issuer", "dave"):
        for after, until, limit in ((None, None, 1000), (10, None, 4), (5, 30, 1000), (None, 20, 3)):
            window = [t for t in everything if (after is None or t.seq > after) and (until is None or t.seq <= until)]
            mine = [t for t in window if account in (t.debit, t.credit)]
            got = community.transfers(account=account, after=after, until=until, limit=limit)
            assert got == mine[:limit]
            coded = community.transfers(account=account, code="c1", after=after, until=until)
            assert coded == [t for t in mine if t.code == "c1"]
