"""Tampering with the SQLite file through a raw connection is found at the first bad seq.

An attacker with the file drops the append-only triggers first, as these tests do.
"""

from __future__ import annotations

import sqlite3

import pytest

from ledger import ChainBroken


@pytest.fixture
def season(community):
    community.transfer("time:issuer", "alice", 300, transfer_id="t1")
    community.transfer("alice", "bob", 120, transfer_id="t2")
    community.hold("bob", "carol", 60, hold_id="h1")
    community.post("h1", 30)
    community.transfer("carol", "alice", 15, transfer_id="t3")
    assert community.verify().ok
    return community


def attacker(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def seq_of_transfer(conn: sqlite3.Connection, transfer_id: str) -> int:
    return conn.execute("SELECT seq FROM ledger_transfers WHERE transfer_id = ?", (transfer_id,)).fetchone()[0]


def rowid_of(conn: sqlite3.Connection, seq: int) -> int:
    return conn.execute("SELECT notification_id FROM ledger_chain WHERE seq = ?", (seq,)).fetchone()[0]


def test_byte_flip_in_a_body_is_found(season, db_path):
    conn = attacker(db_path)
    seq = seq_of_transfer(conn, "t2")
    rowid = rowid_of(conn, seq)
    state = bytearray(conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()[0])
    state[state.index(b'"amount":120') + 10] ^= 0x01  # 120 -> 130 in the stored bytes
    conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(state), rowid))
    report = season.verify()
    assert (report.ok, report.bad_seq, report.reason) == (False, seq, "body does not hash to the leaf's body_hash")
    with pytest.raises(ChainBroken, match=f"chain breaks at seq {seq}: body does not hash"):
        season.verify(raise_on_error=True)


def test_byte_flip_in_a_leaf_is_found(season, db_path):
    conn = attacker(db_path)
    leaf = bytearray(conn.execute("SELECT leaf FROM ledger_chain WHERE seq = 7").fetchone()[0])
    leaf[-3] ^= 0x01
    conn.execute("UPDATE ledger_chain SET leaf = ? WHERE seq = 7", (bytes(leaf),))
    assert season.verify().bad_seq == 7


@pytest.mark.parametrize("table", ["stored_events", "ledger_chain", "both"])
def test_deleted_row_is_found(season, db_path, table):
    conn = attacker(db_path)
    seq = seq_of_transfer(conn, "t2")
    if table in ("stored_events", "both"):
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid_of(conn, seq),))
    if table in ("ledger_chain", "both"):
        conn.execute("DELETE FROM ledger_chain WHERE seq = ?", (seq,))
    assert season.verify().bad_seq == seq


def test_deleting_the_tail_event_is_found(season, db_path):
    conn = attacker(db_path)
    last = season.size() - 1
    conn.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid_of(conn, last),))
    assert (season.verify().bad_seq, season.verify().reason) == (
        last,
        "a leaf has no stored event (an event row was deleted)",
    )


def test_swapped_bodies_are_found_at_the_earlier_seq(season, db_path):
    conn = attacker(db_path)
    a, b = seq_of_transfer(conn, "t1"), seq_of_transfer(conn, "t3")
    ra, rb = rowid_of(conn, a), rowid_of(conn, b)
    sa = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (ra,)).fetchone()[0]
    sb = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (rb,)).fetchone()[0]
    conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (sb, ra))
    conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (sa, rb))
    assert season.verify().bad_seq == a


def test_swapped_leaves_are_found_at_the_earlier_seq(season, db_path):
    conn = attacker(db_path)
    conn.execute("UPDATE ledger_chain SET seq = -1 WHERE seq = 5")
    conn.execute("UPDATE ledger_chain SET seq = 5 WHERE seq = 6")
    conn.execute("UPDATE ledger_chain SET seq = 6 WHERE seq = -1")
    assert season.verify().bad_seq == 5


def test_inserted_event_without_a_leaf_is_found(season, db_path):
    conn = attacker(db_path)
    size = season.size()
    row = conn.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid DESC"
    ).fetchone()
    conn.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", (row[0], row[1] + 1, row[2], row[3]))
    report = season.verify()
    assert (report.bad_seq, report.reason) == (
        size,
        "a stored event has no leaf (a row was inserted or a leaf deleted)",
    )


def test_leaf_inserted_in_the_middle_is_found(season, db_path):
    conn = attacker(db_path)
    size = season.size()
    for seq in range(size - 1, 3, -1):  # make room at seq 4 by renumbering the tail
        conn.execute("UPDATE ledger_chain SET seq = ? WHERE seq = ?", (seq + 1, seq))
    leaf, digest = conn.execute("SELECT leaf, hash FROM ledger_chain WHERE seq = 3").fetchone()
    nid = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] + 1
    conn.execute("INSERT INTO ledger_chain VALUES (4, ?, '2026-01-01T00:00:00.000000Z', ?, ?)", (nid, leaf, digest))
    assert season.verify().bad_seq == 4


def test_a_rewritten_amount_in_the_read_model_is_a_named_difference(season, db_path):
    # Balances are derived: editing them leaves the chain intact, and verify() rebuilds them
    # from the chain's bodies and names the cell that drifted.
    conn = attacker(db_path)
    conn.execute("UPDATE ledger_balances SET credits_posted = credits_posted + 1000 WHERE account = 'alice'")
    report = season.verify()
    assert not report.ok and report.bad_seq is None and report.drift == 1
    (diff,) = report.differences
    assert (diff.table, diff.key, diff.column, diff.found - diff.expected) == (
        "ledger_balances", "alice", "credits_posted", 1000)
