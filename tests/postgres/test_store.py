"""The PostgreSQL store itself: append-only in the database, a least-privilege role, tampering
found, migration with the chain intact, and the CLI on a URL. (The rules, queries, exports
and reliability suites run on both stores through ``BACKENDS``.)"""

from __future__ import annotations

import filecmp
import json
import threading
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from ledger import Ledger, LedgerExists, StoreUnreachable
from ledger.cli import cli
from ledger.demo import run_demo
from ledger.migrate import migrate
from ledger.store.postgres import grant_statements
from ledger.testing import dump

LOG_TABLES = ("stored_events", "ledger_chain", "ledger_tree", "ledger_checkpoints", "ledger_requests")


@pytest.fixture
def season(postgres_url: str):
    with Ledger(postgres_url, create=True, ledger_id="pg.example/season") as led:
        led.register_scheme("time", "minutes", floor=-600)
        for name in ("alice", "bob"):
            led.open_account(name, "time", owner=name.title())
        led.transfer("time:issuer", "alice", 300, transfer_id="t1")
        led.transfer("alice", "bob", 120, transfer_id="t2", request_id="r2")
        led.hold("bob", "alice", 60, hold_id="h1")
        # Enough events for stored Merkle nodes (subtrees of 32 leaves and up), so every log
        # table has rows for the row-level triggers to refuse.
        led.batch([{"type": "transfer", "debit": "time:issuer", "credit": "bob", "amount": 1}] * 32)
        led.checkpoint()
        yield led


@pytest.mark.parametrize("table", LOG_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}", "TRUNCATE {t}"])
def test_the_log_tables_refuse_update_delete_and_truncate_in_the_database(season, postgres_url, table, statement):
    column = {"stored_events": "topic", "ledger_chain": "ts", "ledger_tree": "hash",
              "ledger_checkpoints": "note", "ledger_requests": "result"}[table]
    before = dump(postgres_url)
    with psycopg.connect(postgres_url) as conn, pytest.raises(psycopg.errors.RaiseException) as err:
        conn.execute(statement.format(t=table, c=column))
    verb = statement.split()[0]
    assert f"the ledger is append-only: {verb} on {table} is refused" in str(err.value)
    assert dump(postgres_url) == before


def test_a_role_without_update_or_delete_rights_runs_the_ledger_and_cannot_rewrite_it(season, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS ledger_app")
        admin.execute("CREATE ROLE ledger_app LOGIN")
        for sql in grant_statements("ledger_app"):
            admin.execute(sql)
    app_url = postgres_url.replace("ledger@", "ledger_app@")
    with Ledger(app_url) as led:  # every command works with these rights ...
        led.transfer("bob", "alice", 10, transfer_id="t3")
        led.post("h1", 60)
        assert led.verify().ok and led.balance("alice").posted == 250
    with psycopg.connect(app_url, autocommit=True) as conn:  # ... and the log cannot be touched
        for sql in ("ALTER TABLE ledger_chain DISABLE TRIGGER ALL", "DELETE FROM ledger_chain",
                    "UPDATE stored_events SET topic = 'x'", "TRUNCATE ledger_requests"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)


def test_tampering_by_a_superuser_who_disables_the_triggers_is_found_at_the_first_bad_seq(season, postgres_url):
    seq = season._rows("SELECT seq FROM ledger_transfers WHERE transfer_id = 't2'")[0][0]
    with psycopg.connect(postgres_url, autocommit=True) as attacker:
        attacker.execute("ALTER TABLE stored_events DISABLE TRIGGER ALL")
        attacker.execute(
            "UPDATE stored_events SET state = convert_to(replace(convert_from(state, 'UTF8'), '120', '012'), 'UTF8') "
            "WHERE notification_id = (SELECT notification_id FROM ledger_chain WHERE seq = %s)",
            (seq,),
        )
    report = season.verify()
    assert not report.ok and report.bad_seq == seq and "body" in report.reason, report


def test_sqlite_to_postgresql_and_back_keeps_every_byte_of_the_chain(tmp_path: Path, postgres_url: str, monkeypatch):
    """Every export file is byte-identical across the stores, and the key keeps signing after the move."""
    source = str(tmp_path / "demo.db")
    run_demo(source, out=lambda *a: None)
    report = migrate(f"sqlite:{source}", postgres_url)
    assert report.rows["stored_events"] == report.size > 400 and report.checkpoint_size == report.size
    monkeypatch.setenv("LEDGER_KEY", source + ".key")  # the key stays where it was: tell the new store
    back = str(tmp_path / "back.db")
    migrate(postgres_url, f"sqlite:{back}")
    exports = []
    for db in (source, postgres_url, back):
        with Ledger(db, key_path=source + ".key") as led:
            assert led.verify().ok and led.size() == report.size
            exports.append(led.export(tmp_path / f"e{len(exports)}", formats=[]).out)
    for name in ("leaves.jsonl", "bodies.jsonl", "checkpoint.txt"):
        first = Path(exports[0]) / name
        assert all(filecmp.cmp(first, Path(e) / name, shallow=False) for e in exports[1:]), name
    with Ledger(postgres_url) as led:  # the migrated ledger goes on, under the same key
        scheme = led._rows("SELECT scheme FROM ledger_schemes ORDER BY scheme")[0][0]
        led.open_account("newcomer", scheme)
        assert led.checkpoint().size == report.size + 1


def test_migrate_refuses_a_target_that_already_holds_a_ledger(season, postgres_url, tmp_path):
    source = str(tmp_path / "s.db")
    with Ledger(source, create=True):
        pass
    before = dump(postgres_url)
    with pytest.raises(LedgerExists):
        migrate(f"sqlite:{source}", postgres_url)
    assert dump(postgres_url) == before


def test_the_cli_takes_a_postgresql_url_everywhere(postgres_url, tmp_path):
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, [*args, "--db", postgres_url])
        assert result.exit_code == 0, result.output + result.stderr
        return result.stdout

    key = tmp_path / "cli.key"
    info = json.loads(run("init", "--key", str(key), "--ledger-id", "pg.example/cli", "--json"))
    assert info["ledger_id"] == "pg.example/cli" and key.exists()
    run("scheme", "register", "time", "minutes", "--floor", "-600")
    run("account", "open", "ana", "--scheme", "time")
    run("transfer", "time:issuer", "ana", "90", "--request-id", "once")
    run("transfer", "time:issuer", "ana", "90", "--request-id", "once")
    assert json.loads(run("balance", "ana", "--json"))["posted"] == 90
    assert run("verify").startswith("OK: chain of")
    result = runner.invoke(cli, ["transfer", "ana", "nobody", "5", "--db", postgres_url])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1


def test_a_missing_database_or_server_is_a_clear_error_without_the_password(postgres_server):
    url = postgres_server.database_url("nosuchdb").replace("ledger@", "ledger:s3cret@")
    threads = set(threading.enumerate())
    with pytest.raises(StoreUnreachable) as err:
        Ledger(url)
    # The half-built store's connection pool is closed at once, not left to the garbage collector.
    assert not [t.name for t in set(threading.enumerate()) - threads if t.is_alive()]
    assert "s3cret" not in str(err.value) and str(err.value).startswith("postgresql://ledger:***@127.0.0.1:")
    assert "check the URL, the server and the credentials" in str(err.value)
    result = CliRunner().invoke(cli, ["verify", "--db", url])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "s3cret" not in result.stderr


def test_a_second_genesis_is_refused_inside_the_lock(season):
    """Two creators racing on one empty database: the loser must not chain a second genesis."""
    from ledger.domain import Genesis

    before = season.size()
    with pytest.raises(LedgerExists):  # another id: another stream, so only the chain can refuse it
        season._app.save(Genesis(ledger_id="pg.example/another", public_key="pg.example/another+00+AA", format=1))
    assert season.size() == before and season.verify().ok


def test_writers_read_the_true_head_whatever_the_servers_default_isolation(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        name = postgres_url.rsplit("/", 1)[1]
        admin.execute(f"ALTER DATABASE \"{name}\" SET default_transaction_isolation = 'repeatable read'")
    with Ledger(postgres_url, create=True) as led:
        led.register_scheme("t", "m", floor=None)
        for w in range(4):
            led.open_account(f"w{w}", "t")
        errors = []

        def work(w: int) -> None:
            try:
                for _ in range(20):
                    led.transfer("t:issuer", f"w{w}", 1)
            except Exception as exc:  # collected: the assertion below names it
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and led.verify().ok
        assert led.unit_totals()["m"]["accounts"] == 5 and led.balance("t:issuer").posted == -80


def test_url_parameters_reach_the_connection(postgres_url):
    with Ledger(postgres_url + "?application_name=ledger-test", create=True) as led:
        assert led._rows("SELECT current_setting('application_name')")[0][0] == "ledger-test"
        assert led._rows("SELECT 'a%b', ?", ("x",))[0] == ("a%b", "x")  # a literal % survives
        assert led._rows("SELECT 'a%b'")[0][0] == "a%b"
