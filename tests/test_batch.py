"""Batches commit together or not at all."""

from __future__ import annotations

import pytest

from ledger import HoldResult, InsufficientFunds, TransferResult, ValidationError
from ledger.testing import dump

# Every test here runs on both stores: the same rules, the same errors.
BACKENDS = ("sqlite", "postgres")


def test_batch_commits_every_item_with_its_own_sequence_number(community):
    results = community.batch(
        [
            {"type": "transfer", "debit": "carbon:issuer", "credit": "alice.pts", "amount": 30},
            {"type": "hold", "debit": "alice.pts", "credit": "bob.pts", "amount": 20, "hold_id": "b1"},
            {"type": "post", "hold_id": "b1", "amount": 5},
        ]
    )
    assert [type(r) for r in results] == [TransferResult, HoldResult, HoldResult]
    assert [r.seq for r in results] == list(range(results[0].seq, results[0].seq + 3))
    assert community.balance("alice.pts").posted == 25
    assert community.balance("bob.pts").posted == 5


def test_failing_last_item_leaves_the_ledger_unchanged(community, db_path):
    community.transfer("carbon:issuer", "alice.pts", 10)
    before = dump(db_path)
    size = community.size()
    with pytest.raises(InsufficientFunds):
        community.batch(
            [
                {"type": "transfer", "debit": "alice.pts", "credit": "bob.pts", "amount": 10},
                {"type": "transfer", "debit": "carbon:issuer", "credit": "carol.pts", "amount": 5},
                {"type": "transfer", "debit": "alice.pts", "credit": "carol.pts", "amount": 1},
            ]
        )
    assert dump(db_path) == before
    assert community.size() == size
    assert community.verify().ok


def test_limits_are_checked_after_each_item_not_only_at_the_end(community):
    with pytest.raises(InsufficientFunds):
        community.batch(
            [
                {"type": "transfer", "debit": "alice.pts", "credit": "bob.pts", "amount": 5},
                {"type": "transfer", "debit": "carbon:issuer", "credit": "alice.pts", "amount": 5},
            ]
        )


def test_batch_item_errors_name_the_item_and_field(community):
    with pytest.raises(ValidationError) as err:
        community.batch([{"type": "transfer", "debit": "a", "credit": "b", "amount": 1}, {"type": "transfer"}])
    assert err.value.errors == {
        "items[1].debit": ["Missing data for required field."],
        "items[1].credit": ["Missing data for required field."],
        "items[1].amount": ["Missing data for required field."],
    }
    with pytest.raises(
        ValidationError, match=r"items\[0\].type: must be one of \['fact', 'hold', 'post', 'reverse', 'transfer', 'void'\]"
    ):
        community.batch([{"type": "mint"}])
    with pytest.raises(ValidationError, match="items: must hold at least one item"):
        community.batch([])


def test_a_reversal_commits_atomically_with_other_items(community, db_path):
    community.transfer("carbon:issuer", "alice.pts", 30, transfer_id="gift")
    results = community.batch(
        [
            {"type": "reverse", "transfer_id": "gift", "reason": "sent to the wrong member"},
            {"type": "transfer", "debit": "carbon:issuer", "credit": "bob.pts", "amount": 30, "transfer_id": "gift-2"},
        ]
    )
    assert [(r.transfer_id, r.reverses) for r in results] == [("gift:reversal", "gift"), ("gift-2", None)]
    assert (community.balance("alice.pts").posted, community.balance("bob.pts").posted) == (0, 30)
    before = dump(db_path)
    with pytest.raises(InsufficientFunds):
        community.batch(
            [
                {"type": "transfer", "debit": "carbon:issuer", "credit": "carol.pts", "amount": 5, "transfer_id": "g3"},
                {"type": "reverse", "transfer_id": "gift-2", "reason": "again"},
                {"type": "transfer", "debit": "bob.pts", "credit": "carol.pts", "amount": 1},
            ]
        )
    assert dump(db_path) == before
