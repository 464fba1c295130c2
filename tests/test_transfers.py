"""Immediate transfers: double entry, units, limits, reversals, closing accounts."""

from __future__ import annotations

import pytest

from ledger import (
    AccountClosed,
    AccountExists,
    AccountNotEmpty,
    AlreadyReversed,
    IdExists,
    InsufficientFunds,
    Ledger,
    LimitExceeded,
    SchemeExists,
    UnitMismatch,
    UnknownAccount,
    UnknownScheme,
    UnknownTransfer,
)
from ledger.testing import dump

# Every test here runs on both stores: the same rules, the same errors.
BACKENDS = ("sqlite", "postgres")


def test_transfer_moves_amount_between_two_accounts_and_conserves_the_unit(community):
    community.transfer("time:issuer", "alice", 120, memo="welcome hours")
    result = community.transfer("alice", "bob", 45, code="gardening")
    assert (result.debit, result.credit, result.amount, result.unit) == ("alice", "bob", 45, "minutes")
    assert community.balance("alice").posted == 75
    assert community.balance("bob").posted == 45
    assert community.balance("time:issuer").posted == -120
    assert community.unit_totals()["minutes"] == {"posted": 0, "pending": 0, "accounts": 4}


def test_transfer_between_units_is_refused_with_both_units_named(community, db_path):
    before = dump(db_path)
    with pytest.raises(UnitMismatch) as err:
        community.transfer("alice", "bob.pts", 10)
    assert str(err.value) == (
        "cannot move minutes from 'alice' to 'bob.pts', which holds points: a transfer stays within one unit"
    )
    assert dump(db_path) == before


def test_time_bank_member_may_go_negative_down_to_the_floor_and_no_further(community, db_path):
    community.transfer("alice", "bob", 600)
    assert community.balance("alice").posted == -600
    before = dump(db_path)
    with pytest.raises(LimitExceeded) as err:
        community.transfer("alice", "carol", 30)
    assert str(err.value) == "account 'alice' (minutes) would go below its floor of -600 by 30"
    assert (err.value.account, err.value.kind, err.value.limit, err.value.by) == ("alice", "floor", -600, 30)
    assert dump(db_path) == before


def test_ceiling_refuses_credit_beyond_it(community):
    community.transfer("time:issuer", "bob", 3000)
    with pytest.raises(LimitExceeded) as err:
        community.transfer("alice", "bob", 1)
    assert str(err.value) == "account 'bob' (minutes) would go above its ceiling of 3000 by 1"


def test_points_account_with_floor_zero_reports_insufficient_funds(community):
    community.transfer("carbon:issuer", "alice.pts", 50)
    with pytest.raises(InsufficientFunds) as err:
        community.transfer("alice.pts", "bob.pts", 51)
    assert str(err.value) == "account 'alice.pts' (points) would go below its floor of 0 by 1"


def test_unknown_account_is_named(community):
    with pytest.raises(UnknownAccount) as err:
        community.transfer("alice", "zed", 1)
    assert str(err.value) == "account 'zed' does not exist; open it first"


def test_opening_an_account_twice_or_in_an_unknown_scheme_fails(community):
    with pytest.raises(AccountExists, match="account 'alice' already exists"):
        community.open_account("alice", "time")
    with pytest.raises(UnknownScheme, match="scheme 'fish' is not registered"):
        community.open_account("dave", "fish")
    with pytest.raises(SchemeExists):
        community.register_scheme("time", "minutes")


def test_account_defaults_come_from_the_scheme_and_can_be_overridden(community):
    assert (community.account("alice").floor, community.account("alice").ceiling) == (-600, 3000)
    info = community.open_account("newcomer", "time", floor=-120, ceiling=None)
    assert (info.floor, info.ceiling) == (-120, None)
    assert community.account("time:issuer").floor is None


def test_explicit_transfer_id_cannot_be_reused(community):
    community.transfer("time:issuer", "alice", 10, transfer_id="t-1")
    with pytest.raises(IdExists, match="transfer id 't-1' is already taken"):
        community.transfer("time:issuer", "alice", 10, transfer_id="t-1")


def test_reversal_is_a_new_transfer_naming_the_original_and_happens_once(community):
    original = community.transfer("time:issuer", "alice", 90, transfer_id="gift")
    reversal = community.reverse("gift", reason="entered twice")
    assert (reversal.reverses, reversal.transfer_id) == ("gift", "gift:reversal")
    assert (reversal.debit, reversal.credit, reversal.amount) == ("alice", "time:issuer", 90)
    assert reversal.seq > original.seq
    assert community.balance("alice").posted == 0
    with pytest.raises(AlreadyReversed, match="transfer 'gift' has already been reversed"):
        community.reverse("gift", reason="again")
    with pytest.raises(UnknownTransfer):
        community.reverse("nope", reason="x")


def test_reversal_is_checked_against_limits_like_any_movement(community):
    community.transfer("carbon:issuer", "alice.pts", 40, transfer_id="award")
    community.transfer("alice.pts", "bob.pts", 30)
    with pytest.raises(InsufficientFunds):
        community.reverse("award", reason="evidence was forged")


def test_closed_account_refuses_movements_and_must_be_empty_to_close(community):
    community.transfer("time:issuer", "carol", 10)
    with pytest.raises(AccountNotEmpty) as err:
        community.close_account("carol", reason="moved away")
    assert str(err.value) == "account 'carol' cannot be closed: balance 10, pending 0; settle it to zero first"
    community.transfer("carol", "time:issuer", 10)
    assert community.close_account("carol", reason="moved away").closed is True
    with pytest.raises(AccountClosed, match="account 'carol' is closed"):
        community.transfer("alice", "carol", 1)


def test_an_account_closed_by_another_ledger_object_is_refused_here_too(community, db_path):
    """Account rows are remembered per Ledger; a close made elsewhere is caught by the write itself."""
    community.transfer("alice", "carol", 1)
    community.transfer("carol", "alice", 1)  # carol's row is now remembered by `community`
    with Ledger(db_path) as other:
        other.close_account("carol", reason="left")
    size = community.size()
    with pytest.raises(AccountClosed, match="account 'carol' is closed"):
        community.transfer("alice", "carol", 1)
    assert community.size() == size and community.balance("carol").posted == 0


def test_changing_limits_is_recorded_and_applies_to_later_movements(community):
    community.change_limits("alice", floor=-60, ceiling=None, reason="new member policy")
    assert community.account("alice").floor == -60
    with pytest.raises(LimitExceeded):
        community.transfer("alice", "bob", 61)
    community.transfer("alice", "bob", 60)
