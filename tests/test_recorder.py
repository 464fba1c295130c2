"""The chained recorder: leaves, append-only triggers, genesis, canonical bodies."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime

import pytest
from ledger_audit import GENESIS_PREV, CanonicalFormError, leaf_hash, parse_canonical

from ledger import KeyFileExists, Ledger, LedgerExists, LedgerNotInitialised
from ledger.app import LedgerApplication, sqlite_env
from ledger.domain import Account
from ledger.migrate import migrate
from ledger.store.chain import GenesisMissing
from ledger.store.transcoder import CanonicalJSONTranscoder


def test_every_event_has_a_leaf_linked_to_the_previous_one(community, db_path):
    community.transfer("time:issuer", "alice", 5)
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT c.seq, c.leaf, c.hash, e.originator_version, e.topic, e.state "
        "FROM ledger_chain c JOIN stored_events e ON e.rowid = c.notification_id ORDER BY c.seq"
    ).fetchall()
    assert [r[0] for r in rows] == list(range(len(rows)))
    prev, last_ts = GENESIS_PREV, ""
    for seq, leaf, digest, version, topic, state in rows:
        envelope = parse_canonical(leaf)
        assert (envelope["seq"], envelope["prev"], envelope["version"], envelope["type"]) == (seq, prev, version, topic)
        assert digest == leaf_hash(leaf)
        assert envelope["ts"] >= last_ts
        parse_canonical(state)  # stored bodies are canonical JSON as stored
        prev, last_ts = digest.hex(), envelope["ts"]
    genesis = parse_canonical(rows[0][5])
    assert genesis["ledger_id"] == "test.commons-ledger.local/unit"
    assert genesis["public_key"].startswith("test.commons-ledger.local/unit+")


@pytest.mark.parametrize("table", ["stored_events", "ledger_chain", "ledger_requests", "ledger_tree", "ledger_checkpoints"])
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_the_database_refuses_to_change_history(community, db_path, table, verb):
    community.transfer("time:issuer", "alice", 5, request_id="r")
    community.batch([{"type": "transfer", "debit": "time:issuer", "credit": "bob", "amount": 1}] * 32)
    community.checkpoint()
    conn = sqlite3.connect(db_path)
    assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0  # a row for the trigger to refuse
    column = {"stored_events": "topic", "ledger_chain": "ts", "ledger_requests": "command", "ledger_tree": "hash",
              "ledger_checkpoints": "note"}[table]
    sql = f"UPDATE {table} SET {column} = 'x'" if verb == "UPDATE" else f"DELETE FROM {table}"
    with pytest.raises(sqlite3.IntegrityError) as err:
        conn.execute(sql)
    assert str(err.value) == f"the ledger is append-only: {verb} on {table} is refused"


def test_the_first_event_of_a_ledger_must_be_genesis(tmp_path):
    app = LedgerApplication(env=sqlite_env(str(tmp_path / "x.db")))
    try:
        with pytest.raises(GenesisMissing, match="must be ledger.genesis.v1, not ledger.account.opened.v1"):
            app.save(Account(account_id="a", scheme="s", unit="u", owner="", floor=None, ceiling=None))
    finally:
        app.close()


def test_the_transcoder_refuses_floats_and_writes_canonical_bytes():
    transcoder = CanonicalJSONTranscoder()
    assert transcoder.encode({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    with pytest.raises(CanonicalFormError) as err:
        transcoder.encode({"amount": 1.5})
    assert str(err.value) == "$.amount: float 1.5 refused: use an integer in the smallest unit or a decimal string"


def test_opening_without_a_ledger_and_creating_twice_fail_clearly(tmp_path):
    path = str(tmp_path / "none.db")
    with pytest.raises(LedgerNotInitialised) as err:
        Ledger(path)
    assert str(err.value) == f"{path} holds no ledger; run 'ledger init' (or Ledger.init) first"
    Ledger.init(path, ledger_id="x.example/one").close()
    with pytest.raises(LedgerExists):
        Ledger.init(path)
    with pytest.raises(LedgerExists):
        Ledger(path, ledger_id="x.example/other")


def test_signing_key_file_is_private_and_outside_the_database(tmp_path):
    path = str(tmp_path / "k.db")
    Ledger.init(path).close()
    mode = stat.S_IMODE(os.stat(path + ".key").st_mode)
    assert mode == 0o600
    assert b"PRIVATE+KEY" not in open(path, "rb").read()


def test_an_existing_key_file_is_never_overwritten(tmp_path):
    path = str(tmp_path / "k.db")
    (tmp_path / "k.db.key").write_text("someone else's key\n")
    with pytest.raises(KeyFileExists) as err:
        Ledger.init(path)
    assert str(err.value) == (
        f"signing key file {path}.key already exists; a new ledger never overwrites a key. "
        "Move it away or pass another key path"
    )
    assert (tmp_path / "k.db.key").read_text() == "someone else's key\n"


# The read-model layout of files written before 0.2: transfers keyed by id with four indexes,
# postings with a rowid, a ts index on the chain. Same columns in the same order as today's.
FIRST_LAYOUT = [
    """CREATE TABLE ledger_chain (seq INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL UNIQUE,
        ts TEXT NOT NULL, leaf BLOB NOT NULL, hash BLOB NOT NULL)""",
    "CREATE INDEX ledger_chain_ts ON ledger_chain (ts)",
    """CREATE TABLE ledger_postings (account TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
        ref TEXT NOT NULL, counterparty TEXT NOT NULL, memo TEXT NOT NULL, posted INTEGER NOT NULL,
        pending INTEGER NOT NULL, debits_posted INTEGER NOT NULL, credits_posted INTEGER NOT NULL,
        debits_pending INTEGER NOT NULL, credits_pending INTEGER NOT NULL, PRIMARY KEY (account, seq))""",
    """CREATE TABLE ledger_transfers (transfer_id TEXT PRIMARY KEY, debit TEXT NOT NULL, credit TEXT NOT NULL,
        amount INTEGER NOT NULL, unit TEXT NOT NULL, code TEXT NOT NULL, memo TEXT NOT NULL,
        details TEXT NOT NULL, reverses TEXT, seq INTEGER NOT NULL)""",
    "CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit, seq)",
    "CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit, seq)",
    "CREATE INDEX ledger_transfers_seq ON ledger_transfers (seq)",
]


def test_files_in_the_first_layout_keep_working(tmp_path):
    """New files get fewer B-trees per transfer (docs/performance.md); older files keep theirs and work."""
    old, new = str(tmp_path / "old.db"), str(tmp_path / "new.db")
    with sqlite3.connect(old) as conn:
        for statement in FIRST_LAYOUT:
            conn.execute(statement)
    results = []
    for path in (old, new):
        with Ledger(path, create=True, ledger_id="test.commons-ledger.local/layout") as led:
            led.register_scheme("time", "minutes", floor=-600)
            for name in ("alice", "bob", "carol"):
                led.open_account(name, "time")
            first = led.transfer("alice", "bob", 30, transfer_id="t1")
            led.transfer("bob", "carol", 10)
            led.reverse("t1", reason="wrong member")
            assert led.verify().ok
            results.append(
                (
                    [(t.debit, t.credit, t.amount, t.seq) for t in led.transfers(account="bob")],
                    [(e.seq, e.posted) for e in led.history("bob").entries],
                    led.balance("bob", as_of=first.seq).posted,
                    led.seq_at(datetime.now(UTC)),
                    led.transfer_info("t1:reversal").reverses,
                )
            )
    assert results[0] == results[1]
    with sqlite3.connect(old) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ledger_chain_ts", "ledger_transfers_debit"} <= indexes  # the old layout was kept, not rebuilt
    # `ledger migrate` carries an old file into the new layout, chain and answers unchanged.
    copy = str(tmp_path / "copy.db")
    migrate(old, copy)
    with sqlite3.connect(copy) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not indexes & {"ledger_chain_ts", "ledger_transfers_debit", "ledger_transfers_credit", "ledger_transfers_seq"}
    with Ledger(copy, key_path=str(tmp_path / "old.db.key")) as led:
        assert led.verify().ok
        assert [(t.debit, t.credit, t.amount, t.seq) for t in led.transfers(account="bob")] == results[0][0]
        led.transfer("carol", "alice", 1)  # and it keeps growing in the new layout
        assert led.verify().ok
