"""Malformed commands through the Python API and the CLI: a typed error or one clean line, and
the database unchanged. Corrupt files: a clear error, never a traceback."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Ledger, LedgerError, LedgerUnreadable
from ledger.cli import cli
from ledger.testing import dump

ACCOUNTS = ["ana", "ben", "t:issuer"]
weird_text = st.text(st.characters(blacklist_categories=()), max_size=40) | st.sampled_from(
    ["", " ", "ana'; DROP TABLE stored_events; --", "ana\x00", "\u202eana", "a" * 200, "ana\n", "%s", "?", "\ud800"]
)
bad_amounts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    # An integer string ("12") is a valid amount by design (ledger.schemas.StrictInt: what a CLI passes).
    st.sampled_from([math.nan, math.inf, -math.inf, 0, -1, 2**53, 2**64, 10**100, True, False, None, "1e3", "0"]),
    st.integers(max_value=0),
    st.integers(min_value=2**53),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=10).filter(lambda t: not re.fullmatch(r"-?[0-9]+", t) or int(t) < 1),
)


ALL_CASES = ("amount", "debit", "credit", "memo", "details", "extra")
CLI_CASES = ("amount", "debit", "credit", "memo")  # what a command line can carry


@st.composite
def bad_transfers(draw, cases: tuple[str, ...] = ALL_CASES) -> dict:
    args = {"debit": draw(st.sampled_from(ACCOUNTS)), "credit": "ben", "amount": 5}
    if args["debit"] == "ben":
        args["debit"] = "ana"
    case = draw(st.sampled_from(cases))
    if case == "amount":
        args["amount"] = draw(bad_amounts)
    elif case in ("debit", "credit"):
        args[case] = draw(weird_text.filter(lambda t: t not in ACCOUNTS))
    elif case == "memo":
        args["memo"] = draw(st.sampled_from(["x" * 1001, "bad \ud800 surrogate", "z" * 100_000]))
    elif case == "details":
        args["details"] = draw(st.sampled_from([{"kg": 1.5}, {"n": math.nan}, {"big": 2**60}, {1: "x"}, "text",
                                                {"deep": [[[[[[[[[[1.0]]]]]]]]]]}]))
    else:
        args[draw(st.sampled_from(["colour", "amount_", "DEBIT"]))] = draw(weird_text)
    return args


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path_factory) -> str:
    """One ledger per store for the whole module; ``dump`` compares its whole contents."""
    home = tmp_path_factory.mktemp("bad")
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        path = server.create_database()
    else:
        path = str(home / "bad.db")
    with Ledger(path, create=True, key_path=str(home / "bad.key")) as led:
        led.register_scheme("t", "m", floor=0)
        led.open_account("ana", "t")
        led.open_account("ben", "t")
        led.transfer("t:issuer", "ana", 100)
    return path


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(args=bad_transfers())
def test_malformed_commands_through_the_api_get_a_typed_error_and_change_nothing(db, args):
    before = dump(db)
    with Ledger(db) as led:
        with pytest.raises(LedgerError):
            led.transfer(**args)
    assert dump(db) == before


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(
    args=bad_transfers(CLI_CASES)
    .filter(lambda a: not any("\ud800" in str(v) or "\x00" in str(v) for v in a.values()))
    # On a command line every amount is text: "12" (or 12 drawn as text) is a valid amount there.
    .filter(lambda a: not (str(a["amount"]).isascii() and str(a["amount"]).isdigit() and 0 < int(a["amount"]) < 2**53))
)
def test_malformed_commands_through_the_cli_exit_with_one_error_line(db, args):
    before = dump(db)
    argv = ["transfer", str(args["debit"]), str(args["credit"]), str(args["amount"]), "--db", db]
    if "memo" in args:
        argv += ["--memo", args["memo"]]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code != 0
    if result.exit_code == 1:  # a library error (2 = a usage error, also one line)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert dump(db) == before


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty-header"])
def test_a_damaged_database_file_gives_a_clear_error(tmp_path: Path, damage: str):
    good = tmp_path / "good.db"
    with Ledger(str(good), create=True) as led:
        led.register_scheme("t", "m", floor=None)
        led.open_account("a", "t")
        for _ in range(50):
            led.transfer("t:issuer", "a", 1, memo="x" * 500)
    data = good.read_bytes()
    bad = tmp_path / "bad.db"
    bad.write_bytes({"garbage": b"not a database " * 400, "truncated": data[: len(data) // 3],
                     "empty-header": b"\0" * 100 + data[100:]}[damage])
    try:
        led = Ledger(str(bad))
    except LedgerUnreadable as err:
        assert str(err).startswith(f"{bad} cannot be read as a ledger database (")
        return
    with led:  # the header survived: the damage must surface as a failed verify, not a crash
        report = led.verify()
    assert not report.ok and "damaged" in report.reason
    result = CliRunner().invoke(cli, ["verify", "--db", str(bad)])
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")


def test_a_garbage_export_gives_a_clear_error(tmp_path: Path):
    import subprocess
    import sys

    out = tmp_path / "export"
    out.mkdir()
    (out / "leaves.jsonl").write_bytes(b"\xff\xfe garbage\n{not json}\n")
    (out / "bodies.jsonl").write_bytes(b"null\n")
    (out / "checkpoint.txt").write_text("nonsense")
    from ledger.signing import generate_signer

    key = generate_signer("x.example/l")[1]
    done = subprocess.run([sys.executable, "-m", "ledger_audit", "verify", str(out), "--key", key],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout.strip().splitlines()[0].startswith("FAIL malformed"), done.stdout + done.stderr
