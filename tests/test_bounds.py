"""Typed refusals at the edges of the API: a busy store, a batch too large, hostile sizes and times."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from ledger import Ledger, StoreBusy, ValidationError
from ledger.errors import BatchTooLarge
from ledger.ledger import MAX_BATCH_ITEMS
from ledger.testing import dump

BACKENDS = ("sqlite", "postgres")
EAST = timezone(timedelta(hours=14))
WEST = timezone(timedelta(hours=-14))


@pytest.fixture
def small(ledger):
    ledger.register_scheme("t", "m", floor=None)
    ledger.open_account("a", "t")
    ledger.open_account("b", "t")
    ledger.transfer("t:issuer", "a", 10)
    return ledger


def hold_the_writer_lock(db: str, release: threading.Event, held: threading.Event) -> None:
    if db.startswith("postgresql://"):
        import psycopg

        from ledger.store.postgres import ChainedPostgresRecorder

        with psycopg.connect(db) as conn:  # the ledger's own writer lock, as a writer takes it
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (ChainedPostgresRecorder.WRITER_LOCK,))
            held.set()
            release.wait(30)
            conn.rollback()
        return
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    release.wait(30)
    conn.rollback()
    conn.close()


def test_a_busy_store_is_a_typed_error_after_the_configured_wait(small, db_path):
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_the_writer_lock, args=(db_path, release, held))
    holder.start()
    try:
        assert held.wait(10)
        before = dump(db_path)
        with Ledger(db_path, lock_timeout=1) as led:
            with pytest.raises(StoreBusy, match=r"is busy: another writer held its write lock for the \d+\.\d s"):
                led.transfer("a", "b", 1)
            assert led.size() == small.size()
    finally:
        release.set()
        holder.join()
    assert dump(db_path) == before
    assert small.transfer("a", "b", 1).amount == 1  # and once the lock is free, writes go through


@pytest.mark.parametrize("value", [0, -1, 7200, True, "30"])
def test_a_lock_timeout_out_of_range_is_refused(db_path, value):
    with pytest.raises(ValidationError, match="lock_timeout: must be a number of seconds"):
        Ledger(db_path, create=True, lock_timeout=value)


def test_a_batch_over_the_bound_is_refused_with_the_remedy(small):
    item = {"type": "transfer", "debit": "a", "credit": "b", "amount": 1}
    size = small.size()
    with pytest.raises(BatchTooLarge, match=f"must hold at most {MAX_BATCH_ITEMS} items, not {MAX_BATCH_ITEMS + 1}"):
        small.batch([item] * (MAX_BATCH_ITEMS + 1))
    assert small.size() == size


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda led: led.transfers(limit=None), "limit"),
        (lambda led: led.transfers(after=2**63), "after"),
        (lambda led: led.consistency(None), "old_size"),
        (lambda led: led.consistency(10**6), "old_size"),
        (lambda led: led.consistency(0, 10**6), "new_size"),
        (lambda led: led.consistency(3, 2), "new_size"),
        (lambda led: led.balance("a", as_of=9223372036854775808), "as_of"),
        (lambda led: led.balance("a", as_of="9223372036854775808"), "as_of"),
        (lambda led: led.balance("a", as_of=datetime(1, 1, 1, tzinfo=EAST)), "as_of"),
        (lambda led: led.balance("a", as_of="0001-01-01T00:00:00+14:00"), "as_of"),
        (lambda led: led.expire_holds(datetime(9999, 12, 31, 23, 59, tzinfo=WEST)), "now"),
        (lambda led: led.hold("a", "b", 1, expires_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=WEST)), "expires_at"),
    ],
)
def test_hostile_sizes_and_times_are_validation_errors_and_write_nothing(small, db_path, call, field):
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        call(small)
    assert field in err.value.errors, err.value
    assert dump(db_path) == before  # consistency() refused before signing a checkpoint


# -- where a ledger may be created (issue 18, part 5) ------------------------------------------


def test_init_and_migrate_refuse_a_database_of_someone_elses(tmp_path, small):
    import sqlite3 as sq

    from ledger.migrate import migrate
    from ledger.target import TargetNotEmpty

    other = tmp_path / "other.db"
    with sq.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    before = other.read_bytes()
    for attempt in (lambda: Ledger.init(str(other)), lambda: Ledger(str(other), create=True),
                    lambda: migrate(small.db, str(other))):
        with pytest.raises(TargetNotEmpty, match=r"db: holds other tables \(people\)"):
            attempt()
    assert other.read_bytes() == before and not (tmp_path / "other.db-wal").exists()


@pytest.mark.parametrize("db, rule", [(":memory:", "in-memory"), ("file::memory:", "in-memory"),
                                      ("/nonexistent/x.db", "does not exist"), ("/dev/null", "not a regular file")])
def test_init_refuses_targets_that_are_not_a_new_file(db, rule):
    with pytest.raises(ValidationError, match=rule):
        Ledger.init(db)


def test_a_refused_init_leaves_no_file_behind(tmp_path):
    target = tmp_path / "new.db"
    with pytest.raises(ValidationError):
        Ledger.init(str(target), ledger_id="not a valid id!")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
