"""The ``ledger`` command line: one command per ``Ledger`` method, errors as one ``Error:`` line."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger import Ledger, LedgerNotInitialised
from ledger.cli import cli

LEDGER_ID = "test.commons-ledger.local/cli"


def run(db: str, *args: str) -> click.testing.Result:
    """Invoke the CLI with the database given through LEDGER_DB, as a shell user would."""
    return CliRunner().invoke(cli, list(args), env={"LEDGER_DB": db}, catch_exceptions=False)


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


def as_json(db: str, *args: str):
    return json.loads(ok(db, *args, "--json"))


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A ledger made through the CLI: a time bank with alice, bob and an unlimited org."""
    path = str(tmp_path / "cli.db")
    ok(path, "init", "--id", LEDGER_ID)
    ok(path, "scheme", "register", "time", "minutes", "--floor", "-600", "--ceiling", "3000")
    ok(path, "scheme", "register", "carbon", "points")
    ok(path, "account", "open", "alice", "--scheme", "time", "--owner", "Alice")
    ok(path, "account", "open", "bob", "--scheme", "time")
    ok(path, "account", "open", "org", "--scheme", "time", "--no-floor", "--no-ceiling")
    ok(path, "account", "open", "alice.pts", "--scheme", "carbon")
    return path


def all_commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(all_commands(command, f"{prefix}{name} "))
        else:
            found[prefix + name] = command
    return found


def test_every_command_takes_db_and_the_shared_output_options():
    commands = all_commands(cli)
    assert {"init", "transfer", "scheme register", "account limits", "expire-holds", "verify", "demo"} <= set(commands)
    for name, command in commands.items():
        params = {p.name for p in command.params}
        # 'plugins' describes the installation, not a ledger: it takes no --db;
        # 'migrate' names two stores, --from and --to.
        expected = {"as_json"} if name in ("plugins", "migrate") else {"db", "as_json"}
        assert expected <= params, name


def test_init_prints_ledger_id_key_path_and_public_key(tmp_path):
    path = str(tmp_path / "new.db")
    info = as_json(path, "init", "--id", LEDGER_ID)
    assert info["ledger_id"] == LEDGER_ID
    assert info["db"] == path
    assert info["key_path"] == f"{path}.key"
    assert Path(info["key_path"]).stat().st_mode & 0o777 == 0o600
    assert info["public_key"].startswith(f"{LEDGER_ID}+")


def test_init_writes_the_key_where_asked(tmp_path):
    path, key = str(tmp_path / "new.db"), str(tmp_path / "signer.key")
    assert as_json(path, "init", "--key", key)["key_path"] == key
    assert Path(key).exists() and not Path(f"{path}.key").exists()


def test_init_refuses_a_file_that_holds_a_ledger(db):
    result = run(db, "init")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {db} already holds a ledger\n")


def test_commands_on_a_file_without_a_ledger_say_to_init_first(tmp_path):
    path = str(tmp_path / "empty.db")
    result = run(path, "verify")
    assert (result.exit_code, result.stderr) == (1, f"Error: {LedgerNotInitialised(path)}\n")


def test_scheme_register_and_list(db):
    assert as_json(db, "scheme", "list") == [
        {"name": "carbon", "unit": "points", "floor": 0, "ceiling": None, "issuer": "carbon:issuer", "seq": 3, "kind": "basic", "step": 1},
        {"name": "time", "unit": "minutes", "floor": -600, "ceiling": 3000, "issuer": "time:issuer", "seq": 1, "kind": "basic", "step": 1},
    ]
    assert ok(db, "scheme", "list") == (
        "name    unit     floor  ceiling  issuer         seq  kind   step\n"
        "carbon  points       0        -  carbon:issuer    3  basic     1\n"
        "time    minutes   -600     3000  time:issuer      1  basic     1\n"
    )


def test_scheme_register_with_no_floor(db):
    info = as_json(db, "scheme", "register", "gifts", "items", "--no-floor")
    assert (info["floor"], info["ceiling"]) == (None, None)


def test_account_open_show_and_list(db):
    assert as_json(db, "account", "show", "alice") == {
        "account": "alice",
        "scheme": "time",
        "unit": "minutes",
        "owner": "Alice",
        "floor": -600,
        "ceiling": 3000,
        "closed": False,
        "seq": 5,
    }
    assert [a["account"] for a in as_json(db, "account", "list", "--scheme", "time")] == [
        "alice",
        "bob",
        "org",
        "time:issuer",
    ]
    assert (as_json(db, "account", "show", "org")["floor"], as_json(db, "account", "show", "org")["ceiling"]) == (
        None,
        None,
    )


def test_account_limits_and_close(db):
    info = as_json(db, "account", "limits", "bob", "--floor", "-100", "--no-ceiling", "--reason", "new member")
    assert (info["floor"], info["ceiling"]) == (-100, None)
    assert as_json(db, "account", "close", "bob", "--reason", "moved away")["closed"] is True
    result = run(db, "transfer", "alice", "bob", "5")
    assert result.stderr == "Error: account 'bob' is closed and cannot be debited or credited\n"


def test_transfer_then_balance(db):
    moved = as_json(db, "transfer", "alice", "bob", "30", "--id", "t1", "--memo", "gardening", "--code", "service")
    assert moved == {
        "transfer_id": "t1",
        "debit": "alice",
        "credit": "bob",
        "amount": 30,
        "unit": "minutes",
        "seq": 9,
        "reverses": None,
        "code": "service",
        "memo": "gardening",
        "details": {},
    }
    assert as_json(db, "balance", "alice") == {
        "account": "alice",
        "unit": "minutes",
        "debits_posted": 30,
        "credits_posted": 0,
        "debits_pending": 0,
        "credits_pending": 0,
        "seq": 9,
        "posted": -30,
        "available": -30,
    }
    assert as_json(db, "balance", "alice", "--as-of", "8")["posted"] == 0
    assert as_json(db, "balance", "alice", "--as-of", "2000-01-01T00:00:00+00:00")["seq"] == -1
    assert ok(db, "balance", "bob").splitlines()[-2:] == ["posted           30", "available        30"]


def test_a_repeated_request_id_returns_the_first_result(db):
    first = as_json(db, "transfer", "alice", "bob", "30", "--request-id", "r1")
    assert as_json(db, "transfer", "alice", "bob", "30", "--request-id", "r1") == first
    assert as_json(db, "balance", "bob")["posted"] == 30
    result = run(db, "transfer", "alice", "bob", "31", "--request-id", "r1")
    assert result.stderr == (
        "Error: request id 'r1' was already used for a different transfer; a request id names exactly one command\n"
    )


def test_hold_post_void_expire_and_reverse(db):
    held = as_json(db, "hold", "alice", "bob", "60", "--id", "h1", "--timeout", "3600")
    assert (held["status"], held["posted"]) == ("held", 0)
    assert as_json(db, "balance", "alice")["available"] == -60
    posted = as_json(db, "post", "h1", "45")
    assert (posted["status"], posted["posted"]) == ("posted", 45)
    ok(db, "hold", "alice", "bob", "10", "--id", "h2")
    assert as_json(db, "void", "h2", "--reason", "cancelled")["status"] == "voided"
    ok(db, "hold", "alice", "bob", "10", "--id", "h3", "--expires-at", "2099-01-01T00:00:00+00:00")
    assert ok(db, "expire-holds") == ""
    assert ok(db, "expire-holds", "--now", "2099-01-01T00:00:00Z") == "h3\n"
    reversal = as_json(db, "reverse", "--hold", "h1", "--reason", "session cancelled")
    assert (reversal["transfer_id"], reversal["reverses"], reversal["amount"]) == ("hold:h1:reversal", "hold:h1", 45)
    assert as_json(db, "balance", "alice")["posted"] == 0
    assert as_json(db, "totals") == {
        "minutes": {"posted": 0, "pending": 0, "accounts": 4},
        "points": {"posted": 0, "pending": 0, "accounts": 2},
    }


def test_reverse_a_transfer_once(db):
    ok(db, "transfer", "alice", "bob", "30", "--id", "t1")
    assert as_json(db, "reverse", "t1", "--reason", "typo")["reverses"] == "t1"
    result = run(db, "reverse", "t1", "--reason", "typo again")
    assert (result.exit_code, result.stderr) == (1, "Error: transfer 't1' has already been reversed\n")


def test_history_pages_with_after(db):
    for amount in ("10", "20", "30"):
        ok(db, "transfer", "alice", "bob", amount)
    first = run(db, "history", "alice", "--limit", "2")
    assert [line.split()[0] for line in first.stdout.splitlines()] == ["seq", "9", "10"]
    assert first.stderr == "more: --after 10\n"
    page = as_json(db, "history", "alice", "--after", "10")
    assert ([e["seq"] for e in page["entries"]], page["next"]) == ([11], None)
    assert [e["balance"] for e in page["entries"]] == [-60]


def test_totals_table(db):
    ok(db, "transfer", "alice", "bob", "30")
    assert ok(db, "totals") == (
        "unit     posted  pending  accounts\nminutes       0        0         4\npoints        0        0         2\n"
    )


def test_verify_prints_size_and_head(db):
    with Ledger(db) as ledger:
        report = ledger.verify()
    assert ok(db, "verify") == f"OK: chain of {report.size} events verified, head {report.head}; read models match it\n"
    assert as_json(db, "verify") == report.to_dict()


def test_verify_names_the_first_bad_seq_of_a_tampered_file(db):
    ok(db, "transfer", "alice", "bob", "120", "--id", "t1")
    conn = sqlite3.connect(db, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    seq, rowid = conn.execute(
        "SELECT c.seq, c.notification_id FROM ledger_chain c JOIN ledger_transfers t ON t.seq = c.seq "
        "WHERE t.transfer_id = 't1'"
    ).fetchone()
    state = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()[0]
    conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b"120", b"130"), rowid))
    conn.close()
    result = run(db, "verify")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: chain breaks at seq {seq}: body does not hash to the leaf's body_hash\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["transfer", "alice", "bob", "1.5"], "invalid transfer: amount: must be an integer in the unit's smallest step."),
        (["transfer", "alice", "bob", "0"], "invalid transfer: amount: must be between 1 and 2**53-1."),
        (["transfer", "alice", "alice", "5"], "invalid transfer: credit: must differ from the debit account."),
        (["transfer", "alice", "x", "5"], "account 'x' does not exist; open it first"),
        (["transfer", "alice", "alice.pts", "5"], "cannot move minutes from 'alice' to 'alice.pts', which holds points: "
         "a transfer stays within one unit"),
        (["transfer", "alice", "bob", "601"], "account 'alice' (minutes) would go below its floor of -600 by 1"),
        (["transfer", "org", "bob", "3001"], "account 'bob' (minutes) would go above its ceiling of 3000 by 1"),
        (["hold", "alice", "bob", "5", "--timeout", "60", "--expires-at", "2099-01-01T00:00:00Z"],
         "invalid hold: timeout: give expires_at or timeout, not both."),
        (["hold", "alice", "bob", "5", "--expires-at", "tomorrow"],
         "invalid hold: expires_at: must be a timezone-aware datetime (ISO 8601 with an offset)."),
        (["post", "nope"], "hold 'nope' does not exist"),
        (["void", "nope"], "hold 'nope' does not exist"),
        (["reverse", "--reason", "why"], "invalid reverse: transfer_id: give exactly one of transfer_id or hold_id."),
        (["reverse", "nope", "--reason", "why"], "transfer 'nope' does not exist"),
        (["balance", "alice", "--as-of", "yesterday"],
         "invalid balance: as_of: must be a sequence number or an ISO 8601 time."),
        (["balance", "alice", "--as-of", "2026-01-01T00:00:00"], "invalid balance: as_of: must be timezone-aware."),
        (["history", "alice", "--limit", "0"], "invalid history: limit: must be an integer from 1 to 1000."),
        (["account", "open", "bob", "--scheme", "time"], "account 'bob' already exists"),
        (["account", "open", "carol", "--scheme", "nope"], "scheme 'nope' is not registered"),
        (["account", "show", "carol"], "account 'carol' does not exist; open it first"),
        (["account", "open", "carol", "--scheme", "time", "--floor", "-1.5"],
         "invalid open_account: floor: must be an integer in the unit's smallest step."),
        (["scheme", "register", "Time", "minutes"], "invalid register_scheme: name: must be 1-32 characters of "
         "lowercase letters, digits and _, starting with a letter"),
        (["scheme", "register", "time", "minutes"], "scheme 'time' is already registered"),
    ],
)  # fmt: skip
def test_library_errors_are_one_line_and_exit_1(db, args, message):
    result = run(db, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["transfer", "alice", "bob"], "Missing argument 'AMOUNT'."),
        (["account", "open", "carol"], "Missing option '--scheme'."),
        (["account", "limits", "bob", "--ceiling", "10", "--reason", "x"], "Missing option '--floor' (or '--no-floor')."),
        (["account", "limits", "bob", "--floor", "1", "--no-floor", "--no-ceiling", "--reason", "x"],
         "give --floor or --no-floor, not both."),
        (["expire-holds", "--now", "2099-01-01"], "Invalid value for '--now': '2099-01-01' is not a timezone-aware "
         "ISO 8601 time (e.g. 2026-01-31T12:00:00+00:00)."),
        (["history", "alice", "--limit", "many"], "Invalid value for '--limit': 'many' is not a valid integer."),
        (["transfer", "alice", "bob", "5", "--bogus"], "No such option '--bogus'."),
        (["nosuch"], "No such command 'nosuch'."),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_and_keep_exit_2(db, args, message):
    result = run(db, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


def test_db_may_be_given_to_the_group_and_a_commands_own_wins(db, tmp_path):
    other = str(tmp_path / "other.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "account", "show", "bob", "--json"]).exit_code == 0
    result = runner.invoke(cli, ["--db", other, "account", "show", "bob", "--db", db])
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, "account  bob")
    result = runner.invoke(cli, ["--db", db, "account", "show", "bob"], env={"LEDGER_DB": other})
    assert result.exit_code == 0


def test_sub_groups_added_from_outside_get_one_line_errors(db):
    @click.group("plug")
    def plug() -> None:
        """A plugin's commands."""

    @plug.command("boom")
    def boom() -> None:
        with Ledger(db) as ledger:
            ledger.account("ghost")

    cli.add_command(plug)
    try:
        result = run(db, "plug", "boom")
        missing = run(db, "plug", "boom", "extra")
    finally:
        del cli.commands["plug"]
    assert (result.exit_code, result.stderr) == (1, "Error: account 'ghost' does not exist; open it first\n")
    assert (missing.exit_code, missing.stderr) == (2, "Error: Got unexpected extra argument (extra)\n")


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("init", "scheme", "account", "transfer", "hold", "post", "void", "reverse", "expire-holds"):
        assert f"\n  {name} " in result.stdout


def python_m_ledger(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_DB"}
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args, "--db", db], capture_output=True, text=True, env=env, check=False
    )


def test_python_dash_m_ledger_end_to_end(tmp_path):
    db = str(tmp_path / "real.db")
    for args in (
        ["init", "--id", LEDGER_ID],
        ["scheme", "register", "time", "minutes", "--floor", "-600", "--ceiling", "3000"],
        ["account", "open", "alice", "--scheme", "time"],
        ["account", "open", "bob", "--scheme", "time"],
        ["transfer", "alice", "bob", "45", "--memo", "bike repair"],
    ):
        done = python_m_ledger(*args, db=db)
        assert (done.returncode, done.stderr) == (0, ""), args
    done = python_m_ledger("balance", "bob", "--json", db=db)
    assert done.returncode == 0
    balance = json.loads(done.stdout)
    assert (balance["posted"], balance["available"], balance["unit"]) == (45, 45, "minutes")
    done = python_m_ledger("verify", db=db)
    assert done.returncode == 0 and done.stdout.startswith("OK: chain of 6 events verified, head ")

    bad = python_m_ledger("transfer", "alice", "bob", "1.5", db=db)
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr == "Error: invalid transfer: amount: must be an integer in the unit's smallest step.\n"
    unknown = python_m_ledger("transfer", "alice", "x", "5", db=db)
    assert (unknown.returncode, unknown.stderr) == (1, "Error: account 'x' does not exist; open it first\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["receipt", "1", "--out", "/dev/full"], "Error: cannot use"),
        (["export", "--out", "/proc/self/no-such-dir"], "Error: invalid export: out: cannot be created"),
        (["verify", "--db", "postgresql://[::1"], "is not a valid PostgreSQL URL"),
    ],
)
def test_unwritable_outputs_and_unparsable_urls_are_one_line_errors(db, args, message):
    checkpoints = Ledger(db).latest_checkpoint()
    result = run(db, *args)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output
    if args[0] == "export":  # refused before signing (a receipt's checkpoint, once signed, is true and stays)
        assert Ledger(db).latest_checkpoint() == checkpoints
