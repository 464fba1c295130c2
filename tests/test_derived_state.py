"""Every number besides the chain is checked against it: read models, request log, what was signed.

Each test is a reproduction from issue 15, tried as an outside user would: someone with write
access to the database (the least-privileged PostgreSQL application role may UPDATE the
read models it maintains; a SQLite file's owner may do anything) changes a table, and the
ledger must notice — in ``verify``, before signing, and where the writer reads the row.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from ledger_audit import body_hash, canonical_bytes, leaf_hash
from marshmallow import Schema, fields

from ledger import CheckpointRefused, DuplicateRequest, Ledger, UnknownFactType, ValidationError
from ledger.errors import ReadModelDrift, RequestLogTampered, SchemePluginMissing

BACKENDS = ("sqlite", "postgres")


def tamper(db: str, sql: str, params: tuple = ()) -> None:
    """Run ``sql`` past the append-only triggers, as the database's owner could."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")  # triggers off for this session
            conn.execute(sql.replace("?", "%s"), params)
        return
    conn = sqlite3.connect(db, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql, params)
    conn.close()


def dump(led: Ledger) -> dict[str, Any]:
    tables = ("ledger_chain", "ledger_balances", "ledger_postings", "ledger_transfers", "ledger_requests",
              "ledger_checkpoints")
    return {t: sorted(map(repr, led._rows(f"SELECT * FROM {t}"))) for t in tables}


@pytest.fixture
def season(community: Ledger) -> Ledger:
    community.transfer("time:issuer", "alice", 70, transfer_id="t1")
    community.transfer("time:issuer", "bob", 200, transfer_id="t2", request_id="r-t2")
    community.hold("bob", "carol", 60, hold_id="h1")
    community.post("h1", 30, request_id="r-post")
    assert community.verify().ok
    return community


# -- drifted read models -----------------------------------------------------------------------


def test_a_drifted_balance_is_named_by_verify(season, db_path):
    tamper(db_path, "UPDATE ledger_balances SET credits_posted = 1070 WHERE account = 'alice'")
    report = season.verify()
    assert not report.ok and report.drift == 1
    assert [d.to_dict() for d in report.differences] == [
        {"table": "ledger_balances", "key": "alice", "column": "credits_posted", "expected": 70, "found": 1070}
    ]
    with pytest.raises(ReadModelDrift, match="ledger_balances row 'alice' column 'credits_posted' is 1070"):
        season.verify(raise_on_error=True)


def test_the_writer_does_not_trust_a_drifted_balance(season, db_path):
    # alice's events give her 70; a raised balance row must not let 1000 leave her account.
    tamper(db_path, "UPDATE ledger_balances SET credits_posted = 1070 WHERE account = 'alice'")
    before = dump(season)
    with pytest.raises(ReadModelDrift, match="'alice' column 'credits_posted' is 1070 but the chain says 70"):
        season.transfer("alice", "bob", 1000)
    assert dump(season) == before


@pytest.mark.parametrize(
    "sql, table, column",
    [
        ("UPDATE ledger_transfers SET amount = 7000 WHERE transfer_id = 't1'", "ledger_transfers", "amount"),
        ("UPDATE ledger_postings SET memo = 'forged' WHERE account = 'bob'", "ledger_postings", "memo"),
        ("UPDATE ledger_holds SET status = 'voided' WHERE hold_id = 'h1'", "ledger_holds", "status"),
        ("UPDATE ledger_accounts SET floor = NULL WHERE account = 'alice'", "ledger_accounts", "floor"),
        ("UPDATE ledger_accounts SET closed = 1 WHERE account = 'carol'", "ledger_accounts", "closed"),
        ("UPDATE ledger_schemes SET step = 15 WHERE scheme = 'time'", "ledger_schemes", "step"),
        ("DELETE FROM ledger_transfers WHERE transfer_id = 't2'", "ledger_transfers", "(row)"),
        ("UPDATE ledger_requests SET result = '{}' WHERE request_id = 'r-t2'", "ledger_requests", "result"),
        ("UPDATE ledger_tree SET hash = ? WHERE level = 5", "ledger_tree", "hash"),
    ],
)
def test_every_read_model_is_rebuilt_from_the_chain(season, db_path, sql, table, column):
    if table == "ledger_tree":
        for _ in range(40):  # a 32-leaf Merkle node must exist to be edited
            season.transfer("time:issuer", "carol", 1)
    tamper(db_path, sql, (b"\x00" * 32,) if "?" in sql else ())
    report = season.verify()
    assert not report.ok, report
    assert (report.differences[0].table, report.differences[0].column) == (table, column), report.differences


def test_a_planted_balance_row_and_posting_for_an_unknown_account_are_extra_rows(season, db_path):
    tamper(db_path, "INSERT INTO ledger_balances VALUES ('mallory', 'minutes', 0, 500, 0, 0, 3)")
    report = season.verify()
    assert str(report.differences[0]).startswith("ledger_balances row 'mallory' is not derived from any event")


def test_a_least_privileged_role_cannot_break_the_rules_unseen(postgres_url, clock):
    """What ``grant_statements`` lets the application role change, verify sees (PostgreSQL only)."""
    import psycopg

    from ledger.store.postgres import grant_statements

    with Ledger(postgres_url, create=True, ledger_id="t.local/role", clock=clock) as led:
        led.register_scheme("time", "minutes", floor=0)
        led.open_account("carol", "time")
        led.open_account("dan", "time")
        led.transfer("time:issuer", "carol", 50, request_id="r-1")
        led.close_account("dan", reason="moved away")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS ledger_app")
        admin.execute("CREATE ROLE ledger_app LOGIN")
        for sql in grant_statements("ledger_app"):
            admin.execute(sql)
    app_url = postgres_url.replace("ledger@", "ledger_app@")
    with psycopg.connect(app_url, autocommit=True) as app:  # what that role's rights allow
        app.execute("UPDATE ledger_accounts SET floor = NULL WHERE account = 'carol'")
        app.execute("UPDATE ledger_accounts SET closed = 0 WHERE account = 'dan'")
        app.execute("INSERT INTO ledger_requests VALUES ('r-planted', 'transfer', 'x', '{}', 5)")
    with Ledger(app_url) as led:
        report = led.verify()
        found = {(d.table, d.key, d.column) for d in report.differences}
        assert found == {
            ("ledger_accounts", "carol", "floor"),
            ("ledger_accounts", "dan", "closed"),
            ("ledger_requests", 5, "(row)"),
        }, report
        with pytest.raises(RequestLogTampered):
            led.transfer("carol", "time:issuer", 5, request_id="r-planted")


# -- the request log ---------------------------------------------------------------------------


def test_a_planted_request_row_is_not_answered(season, db_path):
    digest = season._digest("transfer", {"debit": "alice", "credit": "bob", "amount": 5})
    tamper(db_path, "INSERT INTO ledger_requests VALUES ('r-new', 'transfer', ?, '{}', 5)", (digest,))
    with pytest.raises(RequestLogTampered, match="request id 'r-new' is in the request log but"):
        season.transfer("alice", "bob", 5, request_id="r-new")
    assert season.balance("bob").posted == 170


def test_an_altered_answer_is_not_replayed(season, db_path):
    tamper(db_path, "UPDATE ledger_requests SET result = replace(result, '200', '900') WHERE request_id = 'r-t2'")
    with pytest.raises(RequestLogTampered, match="its stored answer differs from what the chain's events say"):
        season.transfer("time:issuer", "bob", 200, transfer_id="t2", request_id="r-t2")


def test_every_command_with_a_request_id_replays_from_the_chain(season):
    first = season.post("h1", 30, request_id="r-post")
    assert first.status == "posted" and first.posted == 30
    assert season.transfer("time:issuer", "bob", 200, transfer_id="t2", request_id="r-t2").amount == 200
    assert season.verify().ok


# -- batch items' request ids ----------------------------------------------------------------


def test_two_batch_items_with_one_request_id_are_refused(season):
    item = dict(type="transfer", debit="bob", credit="alice", amount=5, request_id="b-1")
    before = dump(season)
    with pytest.raises(ValidationError, match=r"items\[1\].request_id: repeats the request id of items\[0\]"):
        season.batch([item, dict(item)])
    assert dump(season) == before


def test_a_batch_item_replays_a_committed_request(season):
    season.transfer("bob", "alice", 5, request_id="b-2")
    item = dict(type="transfer", debit="bob", credit="alice", amount=5, request_id="b-2")
    (replayed, fresh) = season.batch([item, dict(type="transfer", debit="bob", credit="alice", amount=1)])
    assert season.balance("alice").posted == 76  # 70 + 5 once + 1
    assert replayed.seq < fresh.seq
    assert season.transfer("bob", "alice", 5, request_id="b-2") == replayed
    assert season.verify().ok


def test_a_standalone_command_replays_a_batch_item(season):
    (made,) = season.batch([dict(type="transfer", debit="bob", credit="alice", amount=3, request_id="b-3")])
    assert season.transfer("bob", "alice", 3, request_id="b-3") == made
    assert season.balance("alice").posted == 73


def test_a_batch_item_with_a_different_body_under_a_used_id_is_refused(season):
    season.transfer("bob", "alice", 5, request_id="b-4")
    before = dump(season)
    with pytest.raises(DuplicateRequest, match="request id 'b-4' was already used for a different transfer"):
        season.batch([dict(type="transfer", debit="bob", credit="alice", amount=6, request_id="b-4")])
    assert dump(season) == before


# -- what was signed ---------------------------------------------------------------------------


def test_deleting_the_last_events_after_a_checkpoint_fails_verify(season, db_path):
    season.checkpoint()
    size = season.size()
    tamper(db_path, "DELETE FROM ledger_chain WHERE seq = ?", (size - 1,))
    tamper(db_path, f"DELETE FROM stored_events WHERE {season._recorder.event_id} = "
           "(SELECT MAX(" + season._recorder.event_id + ") FROM stored_events)")
    report = season.verify()
    assert not report.ok
    assert f"the chain holds {size - 1} events but a stored checkpoint of size {size} was signed" in report.reason


def test_the_signers_memory_outside_the_database_catches_a_shorter_chain(season, db_path):
    season.checkpoint()
    size = season.size()
    tamper(db_path, "DELETE FROM ledger_checkpoints")  # hide what was signed from the database too
    tamper(db_path, "DELETE FROM ledger_chain WHERE seq = ?", (size - 1,))
    tamper(db_path, f"DELETE FROM stored_events WHERE {season._recorder.event_id} = "
           "(SELECT MAX(" + season._recorder.event_id + ") FROM stored_events)")
    report = season.verify()
    assert not report.ok and "the signer's memory of size" in report.reason


def test_checkpoint_and_export_refuse_to_sign_a_ledger_that_does_not_verify(season, db_path, tmp_path):
    tamper(db_path, "UPDATE ledger_balances SET credits_posted = 1070 WHERE account = 'alice'")
    before = dump(season)
    with pytest.raises(CheckpointRefused, match="the ledger does not verify: 1 read-model cell"):
        season.checkpoint()
    with pytest.raises(CheckpointRefused):
        season.export(str(tmp_path / "out"))
    assert dump(season) == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.sqlite_only  # bytea has no TEXT form; the PostgreSQL cell mutations are in tests/reliability
def test_a_body_stored_as_text_is_a_named_failure_and_is_not_signed(season, db_path):
    tamper(db_path, "UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = 5")
    report = season.verify()
    assert not report.ok and report.bad_seq == 4 and "stored as str, not as bytes" in report.reason
    with pytest.raises(CheckpointRefused, match="does not verify at seq 4"):
        season.checkpoint()


@pytest.mark.sqlite_only
def test_a_history_rewritten_at_the_same_size_is_not_signed_again(season, db_path):
    """The attacker rewrites the last event and recomputes its body hash, leaf and leaf hash, and
    the read model it feeds: the chain verifies on its own, but not against what was signed."""
    signed = season.checkpoint()
    last = signed.size - 1
    conn = sqlite3.connect(db_path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    leaf, rowid = conn.execute("SELECT leaf, notification_id FROM ledger_chain WHERE seq = ?", (last,)).fetchone()
    body = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()[0]
    data = json.loads(body)
    assert data["request_id"] == "r-post"
    data["digest"] = "0" * 64
    new_body = canonical_bytes(data)
    fields = json.loads(leaf)
    fields["body_hash"] = body_hash(new_body)
    new_leaf = canonical_bytes(fields)
    conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (new_body, rowid))
    conn.execute("UPDATE ledger_chain SET leaf = ?, hash = ? WHERE seq = ?", (new_leaf, leaf_hash(new_leaf), last))
    conn.execute("UPDATE ledger_requests SET digest = ? WHERE request_id = 'r-post'", ("0" * 64,))
    conn.close()
    with pytest.raises(CheckpointRefused, match=f"a stored checkpoint of size {signed.size} signed another root"):
        season.checkpoint()


# -- a scheme kind needs its plugin -------------------------------------------------------------


class TallySettings(Schema):
    cap = fields.Integer(required=True)


class Tally:
    """A scheme kind with a settings fact: without its plugin, neither may be written."""

    from ledger import FactType, SchemeType, hookimpl

    @hookimpl
    def ledger_register_schemes(self):
        return [self.SchemeType(kind="tally", unit="marks", floor=None)]

    @hookimpl
    def ledger_register_fact_types(self):
        return [self.FactType("tally.settings.v1", TallySettings)]


def test_a_scheme_is_not_writable_without_its_kinds_plugin(db_path, clock):
    with Ledger(db_path, create=True, ledger_id="t.local/kinds", plugins=[Tally()], load_entrypoints=False) as led:
        led.register_scheme("marks", kind="tally")
        led.open_account("ana", "marks")
        led.transfer("marks:issuer", "ana", 5)
    with Ledger(db_path, load_entrypoints=False) as led:
        with pytest.raises(SchemePluginMissing, match="scheme 'marks' is of kind 'tally', provided by "):
            led.transfer("marks:issuer", "ana", 500)
        with pytest.raises(SchemePluginMissing):
            led.open_account("ben", "marks")
        with pytest.raises(UnknownFactType, match="'tally.settings.v1' is not declared by any loaded plugin; it is "):
            led.record_fact("tally.settings.v1", "marks", {"cap": 10})
        assert led.balance("ana").posted == 5 and led.verify().ok
        assert led.scheme_plugins() == [{"scheme": "marks", "kind": "tally", "plugin": led.scheme_plugins()[0]["plugin"],
                                         "writable": False}]


def _race_batch(db: str, key: str, barrier, out) -> None:
    with Ledger(db, key_path=key) as led:
        barrier.wait()
        item = dict(type="transfer", debit="bob", credit="alice", amount=9, request_id="b-race")
        out.put(led.batch([item])[0].seq)


def test_one_batch_item_request_id_from_two_processes_moves_the_money_once(season, db_path):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race_batch, args=(db_path, str(season.key_path), barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    seqs = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert seqs[0] == seqs[1]  # the loser was answered with the winner's item
    assert season.balance("alice").posted == 79 and season.verify().ok


# -- what an outside review found ------------------------------------------------------------


def test_a_request_row_moved_onto_its_transfer_cannot_forge_an_answer(season, db_path):
    seq = season.transfer_info("t2").seq
    tamper(db_path, "UPDATE ledger_requests SET seq = ?, result = ? WHERE request_id = 'r-t2'",
           (seq, '{"amount": 999999, "transfer_id": "FAKE"}'))
    with pytest.raises(RequestLogTampered, match="request id 'r-t2'"):
        season.transfer("time:issuer", "bob", 200, transfer_id="t2", request_id="r-t2")
    tamper(db_path, "UPDATE ledger_requests SET result = 'not json' WHERE request_id = 'r-t2'")
    with pytest.raises(RequestLogTampered):
        season.transfer("time:issuer", "bob", 200, transfer_id="t2", request_id="r-t2")


@pytest.mark.parametrize(
    "command, seq, first, topic, body, ok",
    [
        ("transfer", 5, None, "ledger.transfer.recorded.v1", {"request_id": "r"}, True),
        ("transfer", 5, 9, "ledger.transfer.recorded.v1", {"request_id": None}, True),  # a plugin's fee item
        ("transfer", 5, 9, "ledger.transfer.recorded.v1", {"request_id": "other"}, False),
        ("transfer", 9, 9, "ledger.transfer.recorded.v1", {"request_id": "r"}, False),  # not below the first
        ("transfer", 5, None, "ledger.account.opened.v1", {"account_id": "a"}, False),
        ("open_account", 5, None, "ledger.account.opened.v1", {"account_id": "a"}, True),
        ("open_account", 5, None, "ledger.transfer.recorded.v1", {"request_id": "r"}, False),
        ("batch", 5, None, "ledger.fact.revised.v1", {"data": {}}, True),
        ("transfer", "5", None, "ledger.transfer.recorded.v1", {"request_id": "r"}, False),
        ("transfer", 5, None, "ledger.genesis.v1", {}, False),
    ],
)
def test_which_request_rows_from_before_requests_were_chained_may_stand(command, seq, first, topic, body, ok):
    from ledger_audit.readmodels import legacy_request

    assert legacy_request("r", command, seq, first, topic, body) is ok


def test_the_writer_does_not_trust_a_balance_rewound_to_an_earlier_posting(season, db_path):
    first = season.history("bob").entries[0]
    row = season._rows("SELECT debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_postings "
                       "WHERE account = 'bob' AND seq = ?", (first.seq,))[0]
    tamper(db_path, "UPDATE ledger_balances SET debits_posted = ?, credits_posted = ?, debits_pending = ?, "
           "credits_pending = ?, seq = ? WHERE account = 'bob'", (*row, first.seq))
    with pytest.raises(ReadModelDrift, match="ledger_balances row 'bob' column 'seq'"):
        season.transfer("bob", "alice", 150)


def test_a_planted_transfer_row_cannot_be_reversed_into_money(season, db_path):
    tamper(db_path, "INSERT INTO ledger_transfers VALUES ('gift', 'carol', 'time:issuer', 2500, 'minutes', '', '', "
           "'{}', NULL, 999999)")
    with pytest.raises(Exception) as err:
        season.reverse("gift", reason="undo")
    assert type(err.value).__name__ == "UnknownTransfer"
    assert season.balance("carol").posted == 30


def test_a_checkpoint_lost_by_the_database_is_stored_again_from_the_signers_memory(season, db_path):
    signed = season.checkpoint()
    tamper(db_path, "DELETE FROM ledger_checkpoints")  # as a crash between signing and storing leaves it
    report = season.verify()
    assert not report.ok and "names a checkpoint the database does not keep" in report.reason
    assert season.checkpoint().note == signed.note and season.verify().ok


def test_checkpoint_refuses_a_damaged_chain_before_reading_it(season, db_path, backend):
    season.checkpoint()
    tamper(db_path, "DELETE FROM ledger_checkpoints")
    if backend == "sqlite":
        tamper(db_path, "UPDATE ledger_chain SET hash = 'x' WHERE seq = 3")
    else:
        tamper(db_path, "UPDATE ledger_chain SET hash = '\\x00'::bytea WHERE seq = 3")
    with pytest.raises(CheckpointRefused, match="does not verify at seq 3"):
        season.checkpoint()


def test_a_rotation_or_another_checkpoint_while_verifying_is_verified_again(season, db_path, monkeypatch):
    other = Ledger(db_path, key_path=str(season.key_path))
    real = Ledger._verify_walk
    moves = iter([lambda: other.rotate_key(), lambda: (other.transfer("bob", "alice", 1), other.checkpoint())])

    def verify_then_move(self, *args):
        result = real(self, *args)
        move = next(moves, None)
        if move is not None:
            move()  # commits after this walk, before the signature
        return result

    monkeypatch.setattr(Ledger, "_verify_walk", verify_then_move)
    signed = season.checkpoint()
    monkeypatch.undo()
    other.close()
    assert signed.size == season.size() and season.verify().ok


def test_a_batch_request_id_may_not_be_an_items(season):
    item = dict(type="transfer", debit="bob", credit="alice", amount=5, request_id="same")
    with pytest.raises(ValidationError, match=r"items\[0\].request_id: is the batch's own request id"):
        season.batch([item], request_id="same")


def test_a_batch_of_replayed_items_still_records_its_own_request_id(season):
    season.transfer("bob", "alice", 5, request_id="b-5")
    season.batch([dict(type="transfer", debit="bob", credit="alice", amount=5, request_id="b-5")], request_id="outer")
    with pytest.raises(DuplicateRequest, match="request id 'outer'"):
        season.batch([dict(type="transfer", debit="bob", credit="alice", amount=6)], request_id="outer")
    assert season.verify().ok


def test_a_broken_chain_still_reports_its_verified_head(season, db_path):
    tamper(db_path, "UPDATE ledger_chain SET ts = '2020-01-01T00:00:00.000000Z' WHERE seq = 3")
    report = season.verify()
    (last,) = season._rows("SELECT hash FROM ledger_chain WHERE seq = ?", (report.size - 1,))[0]
    assert (report.ok, report.bad_seq) == (False, 3) and report.head == bytes(last).hex() != ""


def test_a_hold_deadline_beyond_the_calendar_is_a_validation_error(season):
    from datetime import datetime, timedelta, timezone

    with pytest.raises(ValidationError, match="expires_at: must be a time within years 1 to 9999 in UTC"):
        season.hold("bob", "alice", 5, expires_at=datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))))


@pytest.mark.parametrize("member, value", [("name", None), ("name", 7), ("account_id", True), ("hold_id", ["h"])])
def test_a_rewritten_body_with_a_strange_key_is_a_replay_error(member, value):
    from ledger_audit.readmodels import ReadModelReplay, ReplayError

    bodies = {
        "name": ("ledger.scheme.registered.v1", dict(name="s", kind="basic", unit="u", step=1, floor=0, ceiling=None,
                                                      issuer="s:issuer")),
        "account_id": ("ledger.account.opened.v1", dict(account_id="a", scheme="s", unit="u", owner="", floor=0,
                                                         ceiling=None)),
        "hold_id": ("ledger.hold.placed.v1", dict(hold_id="h", debit="a", credit="b", amount=1, unit="u", code="",
                                                   memo="", details={}, expires_at=None)),
    }
    topic, body = bodies[member]
    with pytest.raises(ReplayError, match=f"must have {member!r} as a string"):
        ReadModelReplay().feed(1, topic, "s", 1, {**body, member: value})

