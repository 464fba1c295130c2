"""The commands added with the method table: each does what its method does, and refuses as it does."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from ledger import Ledger
from ledger.cli import cli

LEDGER_ID = "test.commons-ledger.local/cli-commands"
INVENTORY = "tool_library.inventory.v1"  # the example plugin's fact type, installed by ./scripts/test


BACKENDS = ("sqlite", "postgres")


def run(db: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={"LEDGER_DB": db}, input=stdin, catch_exceptions=False)


def ok(db: str, *args: str, stdin: str | None = None) -> str:
    result = run(db, *args, stdin=stdin)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


def as_json(db: str, *args: str, stdin: str | None = None):
    return json.loads(ok(db, *args, "--json", stdin=stdin))


def refused(db: str, *args: str, code: int = 1) -> str:
    result = run(db, *args)
    assert (result.exit_code, result.stdout) == (code, ""), result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("Error: ").rstrip("\n")


@pytest.fixture
def db(db_path: str) -> str:
    """alice and bob in a time bank; a transfer t1, a held hold h1, a voided h2 (on each store)."""
    path = db_path
    with Ledger(path, create=True, ledger_id=LEDGER_ID) as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.register_scheme("carbon", "points")
        for name in ("alice", "bob"):
            led.open_account(name, "time")
        led.transfer("alice", "bob", 30, transfer_id="t1", code="garden")
        led.hold("alice", "bob", 20, hold_id="h1")
        led.hold("bob", "alice", 5, hold_id="h2")
        led.void("h2")
    return path


# -- batch -----------------------------------------------------------------------------


def jsonl(*items: dict) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def test_batch_from_a_file_commits_every_line(db, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(
        jsonl({"type": "transfer", "debit": "alice", "credit": "bob", "amount": 5, "transfer_id": "b1"})
        + "\n"  # a blank line is skipped
        + jsonl({"type": "hold", "debit": "bob", "credit": "alice", "amount": 3, "hold_id": "b2"})
    )
    results = as_json(db, "batch", str(path), "--request-id", "batch-1")
    assert [(r.get("transfer_id"), r.get("hold_id")) for r in results] == [("b1", None), (None, "b2")]
    assert as_json(db, "batch", str(path), "--request-id", "batch-1") == results  # replayed, not repeated
    assert as_json(db, "balance", "bob")["posted"] == 35


def test_batch_from_stdin_prints_a_table_per_kind(db):
    out = ok(db, "batch", "-", stdin=jsonl({"type": "post", "hold_id": "h1"}, {"type": "transfer", "debit": "bob",
                                                                            "credit": "alice", "amount": 1}))
    assert out.splitlines()[0].split()[:2] == ["hold_id", "debit"]
    assert "transfer_id" in out.splitlines()[2]
    assert as_json(db, "hold-info", "h1")["status"] == "posted"


def test_batch_errors_name_the_line_and_write_nothing(db, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(jsonl({"type": "transfer", "debit": "alice", "credit": "bob", "amount": 5}) + "\n"
                    + jsonl({"type": "transfer", "debit": "alice", "credit": "bob", "amount": 1.5}))  # fmt: skip
    assert refused(db, "batch", str(path)) == (
        f"{path} line 3: invalid transfer: amount: must be an integer in the unit's smallest step; floats are refused."
    )
    path.write_text(jsonl({"type": "void", "hold_id": "h1"}) + "{not json\n")
    assert refused(db, "batch", str(path)).startswith(f"{path} line 2: not JSON (")
    path.write_text("[1, 2]\n")
    assert refused(db, "batch", str(path)) == f'{path} line 1: not a JSON object: each line is one item, {{"type": ...}}'
    assert as_json(db, "balance", "bob")["posted"] == 30
    assert as_json(db, "hold-info", "h1")["status"] == "held"


def test_batch_error_under_json_carries_the_line(db, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(jsonl({"type": "nope"}))
    result = run(db, "batch", str(path), "--json")
    assert (result.exit_code, result.stdout) == (1, "")
    error = json.loads(result.stderr)["error"]
    assert (error["type"], error["line"], error["file"]) == ("BatchLineError", 1, str(path))
    assert list(error["errors"]) == ["type"]


def test_batch_of_a_missing_file_is_a_usage_error(db, tmp_path):
    assert "No such file or directory" in refused(db, "batch", str(tmp_path / "missing.jsonl"), code=2)


# -- facts --------------------------------------------------------------------------------


def test_record_fact_then_fact_and_facts(db):
    first = as_json(db, "record-fact", INVENTORY, "lib", "--data", '{"tools": [{"name": "drill", "deposit": 5}]}')
    assert (first["version"], first["data"]["tools"][0]["name"]) == (1, "drill")
    second = as_json(db, "record-fact", INVENTORY, "lib", "--data", '{"tools": []}', "--expected-version", "1")
    ok(db, "record-fact", INVENTORY, "shed", "--data", '{"tools": []}')
    assert as_json(db, "fact", INVENTORY, "lib") == second
    assert [(f["subject"], f["version"]) for f in as_json(db, "facts", INVENTORY)] == [("lib", 1), ("lib", 2),
                                                                                       ("shed", 1)]  # fmt: skip
    assert [f["version"] for f in as_json(db, "facts", INVENTORY, "--subject", "lib")] == [1, 2]
    assert ok(db, "fact", INVENTORY, "lib").splitlines()[3] == 'data       {"tools": []}'


def test_fact_refusals(db):
    assert refused(db, "fact", INVENTORY, "nobody") == f"no fact {INVENTORY} of 'nobody' has been recorded"
    assert refused(db, "record-fact", INVENTORY, "lib", "--data", '{"tools": []}', "--expected-version", "3") == (
        f"fact {INVENTORY} of 'lib' is at version 0, not 3: it changed since you read it; read it again and recompute"
    )
    assert refused(db, "record-fact", INVENTORY, "lib", "--data", "[1]", code=2) == (
        "Invalid value for '--data': must be a JSON object ({...})."
    )
    assert refused(db, "facts", code=2) == "Missing argument 'FACT_TYPE'."


# -- single reads and lists -----------------------------------------------------------------


def test_hold_info_and_transfer_info(db):
    assert as_json(db, "hold-info", "h1")["amount"] == 20
    assert as_json(db, "transfer-info", "t1")["code"] == "garden"
    assert refused(db, "hold-info", "nope") == "hold 'nope' does not exist"
    assert refused(db, "transfer-info", "nope") == "transfer 'nope' does not exist"


def test_scheme_show_and_scheme_plugins(db):
    assert as_json(db, "scheme", "show", "time")["floor"] == -600
    assert refused(db, "scheme", "show", "nope") == "scheme 'nope' is not registered"
    assert as_json(db, "scheme", "plugins")[0] == {"scheme": "carbon", "kind": "basic", "plugin": None, "writable": True}


def test_chain_size_seq_at_and_seq_time(db):
    with Ledger(db) as led:
        size, ts = led.size(), led.seq_time(1)
    assert as_json(db, "size") == size
    assert ok(db, "seq-time", "1") == f"{ts}\n"
    assert as_json(db, "seq-at", "2000-01-01T00:00:00+00:00") == -1
    assert refused(db, "seq-time", "999") == "no event has seq 999"
    assert refused(db, "seq-at", "yesterday") == "invalid balance: as_of: must be a sequence number or an ISO 8601 time."


def test_root_and_proofs_match_the_library(db):
    with Ledger(db) as led:
        root, proof, consistency = led.root(4), led.inclusion_proof(2), led.consistency_proof(3, 6)
    assert ok(db, "root", "--size", "4") == f"{root.hex()}\n"
    assert as_json(db, "inclusion-proof", "2") == [h.hex() for h in proof]
    assert ok(db, "consistency-proof", "3", "6").split() == [h.hex() for h in consistency]
    assert refused(db, "inclusion-proof", "999").startswith("invalid merkle: seq: must be an integer from 0 to ")


def test_latest_checkpoint_and_public_key(db):
    assert refused(db, "latest-checkpoint") == "no checkpoint has been signed yet; run 'ledger checkpoint'"
    note = ok(db, "checkpoint")
    assert ok(db, "latest-checkpoint") == note
    with Ledger(db) as led:
        assert ok(db, "public-key") == f"{led.public_key}\n"


def test_exporters_lists_the_built_in_ones(db):
    names = [e["name"] for e in as_json(db, "exporters")]
    assert {"sqlite", "csv"} <= set(names)
    assert refused(db, "exporters", "extra", code=2) == "Got unexpected extra argument (extra)"


# -- options renamed to the API's names; the old spellings still work -------------------------


def test_old_option_spellings_are_hidden_aliases(db, tmp_path):
    assert as_json(db, "transfer", "alice", "bob", "1", "--transfer-id", "n1")["transfer_id"] == "n1"
    assert as_json(db, "transfer", "alice", "bob", "1", "--id", "n2")["transfer_id"] == "n2"
    assert refused(db, "transfer", "alice", "bob", "1", "--id", "a", "--transfer-id", "b", code=2) == (
        "give --transfer-id or --id, not both."
    )
    assert as_json(db, "hold", "alice", "bob", "1", "--hold-id", "n3")["hold_id"] == "n3"
    ok(db, "post", "n3")
    assert as_json(db, "reverse", "--hold-id", "n3", "--reason", "oops")["reverses"] == "hold:n3"
    assert "--transfer-id" in ok(db, "transfer", "--help") and "--id " not in ok(db, "transfer", "--help")
    out = tmp_path / "export"
    assert as_json(db, "export", "--out", str(out), "--format", "csv", "--private")["public"] is False
    path = str(tmp_path / "new.db")
    assert as_json(path, "init", "--ledger-id", LEDGER_ID, "--key-path", str(tmp_path / "k"))["key_path"] == str(
        tmp_path / "k"
    )


def test_new_options_reach_the_library(db):
    moved = as_json(db, "transfer", "alice", "bob", "2", "--details", '{"job": "fence"}', "--personal")
    assert moved["details"] == {"job": "fence"}
    scheme = as_json(db, "scheme", "register", "gifts", "items", "--step", "5", "--request-id", "g")
    assert scheme["step"] == 5
    assert refused(db, "transfer", "alice", "bob", "2", "--details", "{", code=2).startswith(
        "Invalid value for '--details': not JSON ("
    )


# -- errors under --json -------------------------------------------------------------------


def test_library_errors_under_json_are_json_with_the_errors_fields(db):
    result = run(db, "transfer", "alice", "bob", "551", "--json")
    assert (result.exit_code, result.stdout) == (1, "")
    assert json.loads(result.stderr) == {
        "error": {
            "type": "LimitExceeded",
            "message": "account 'alice' (minutes) would go below its floor of -600 by 1",
            "account": "alice",
            "unit": "minutes",
            "kind": "floor",
            "limit": -600,
            "by": 1,
        }
    }
    invalid = json.loads(run(db, "transfer", "alice", "bob", "1.5", "--json").stderr)["error"]
    assert (invalid["type"], invalid["field"], invalid["errors"]) == (
        "ValidationError",
        "amount",
        {"amount": ["must be an integer in the unit's smallest step."]},
    )


def test_usage_errors_under_json_are_json_and_keep_exit_2(db):
    result = run(db, "transfer", "alice", "bob", "--json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert json.loads(result.stderr) == {"error": {"type": "UsageError", "message": "Missing argument 'AMOUNT'."}}
    result = run(db, "holds", "--status", "gone", "--json")
    assert (result.exit_code, json.loads(result.stderr)["error"]["type"]) == (2, "UsageError")
    # without --json, the same error is one text line
    assert refused(db, "transfer", "alice", "bob", code=2) == "Missing argument 'AMOUNT'."


def test_not_found_under_json(db):
    result = run(db, "fact", INVENTORY, "x", "--json")
    assert (result.exit_code, json.loads(result.stderr)) == (
        1,
        {"error": {"type": "NotFound", "message": f"no fact {INVENTORY} of 'x' has been recorded"}},
    )
