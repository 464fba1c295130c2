"""Request ids: a repeated command returns its first result and writes nothing."""

from __future__ import annotations

import pytest

from ledger import DuplicateRequest, Ledger, UnknownAccount
from ledger.testing import dump

# Every test here runs on both stores: the same rules, the same errors.
BACKENDS = ("sqlite", "postgres")


def test_repeating_a_request_returns_the_original_result_and_writes_nothing(community, db_path):
    community.transfer("time:issuer", "alice", 60, request_id="req-1")
    first = community.transfer("alice", "bob", 30, request_id="req-2")
    before = dump(db_path)
    again = community.transfer("alice", "bob", 30, request_id="req-2")
    assert again == first
    assert dump(db_path) == before


def test_request_id_survives_a_restart(db_path, clock):
    with Ledger(db_path, create=True, clock=clock) as led:
        led.register_scheme("time", "minutes", floor=-600)
        led.open_account("alice", "time")
        first = led.hold("time:issuer", "alice", 60, request_id="hold-1", timeout=600)
    with Ledger(db_path, clock=clock) as reopened:
        size = reopened.size()
        assert reopened.hold("time:issuer", "alice", 60, request_id="hold-1", timeout=600) == first
        assert reopened.size() == size


def test_reusing_a_request_id_with_other_arguments_is_an_error(community, db_path):
    community.transfer("time:issuer", "alice", 60, request_id="req-1")
    before = dump(db_path)
    with pytest.raises(DuplicateRequest) as err:
        community.transfer("time:issuer", "alice", 61, request_id="req-1")
    assert str(err.value) == (
        "request id 'req-1' was already used for a different transfer; a request id names exactly one command"
    )
    with pytest.raises(DuplicateRequest):
        community.hold("time:issuer", "alice", 60, request_id="req-1")
    assert dump(db_path) == before


def test_a_failed_command_does_not_burn_its_request_id(community):
    with pytest.raises(UnknownAccount):
        community.transfer("carbon:issuer", "zed", 5, request_id="r")
    community.open_account("zed", "carbon")
    assert community.transfer("carbon:issuer", "zed", 5, request_id="r").amount == 5


def test_scheme_and_account_administration_take_request_ids_too(community):
    first = community.register_scheme("fund", "cents", request_id="reg-fund")
    assert community.register_scheme("fund", "cents", request_id="reg-fund") == first
    community.open_account("dora", "fund", request_id="open-dora")
    limits = community.change_limits("dora", floor=0, ceiling=500, reason="policy", request_id="lim-dora")
    assert community.change_limits("dora", floor=0, ceiling=500, reason="policy", request_id="lim-dora") == limits
    closed = community.close_account("dora", request_id="close-dora")
    assert community.close_account("dora", request_id="close-dora") == closed
