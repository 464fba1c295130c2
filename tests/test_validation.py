"""Bad input gets a typed error naming the field and the rule, and writes nothing."""

from __future__ import annotations

import pytest

from ledger import FloatRefused, ValidationError
from ledger.testing import dump

# Every test here runs on both stores (tests/conftest.py).
BACKENDS = ("sqlite", "postgres")


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"amount": 0}, "amount", "must be between 1 and 2**53-1."),
        ({"amount": -5}, "amount", "must be between 1 and 2**53-1."),
        ({"amount": 2**53}, "amount", "must be between 1 and 2**53-1."),
        ({"amount": True}, "amount", "must be an integer in the unit's smallest step."),
        ({"amount": "12.5"}, "amount", "must be an integer in the unit's smallest step."),
        ({"amount": None}, "amount", "Field may not be null."),
        ({"credit": "alice"}, "credit", "must differ from the debit account."),
        (
            {"credit": " bob"},
            "credit",
            "must be 1-128 characters of letters, digits and . _ : @ / -, starting with a letter or digit",
        ),
        ({"memo": "x" * 1001}, "memo", "Longer than maximum length 1000."),
        ({"colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_transfer_input_errors_name_field_and_rule(community, db_path, kwargs, field, rule):
    args = {"debit": "alice", "credit": "bob", "amount": 5, **kwargs}
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        community.transfer(**args)
    assert (err.value.field, err.value.rule) == (field, rule)
    assert str(err.value) == f"invalid transfer: {field}: {rule}"
    assert dump(db_path) == before


def test_floats_are_refused_with_their_own_error(community):
    with pytest.raises(FloatRefused) as err:
        community.transfer("alice", "bob", 1.0)
    assert (
        str(err.value)
        == "invalid transfer: amount: must be an integer in the unit's smallest step; floats are refused."
    )


def test_floor_above_ceiling_is_refused(community):
    with pytest.raises(ValidationError, match="invalid register_scheme: floor: must not exceed the ceiling."):
        community.register_scheme("odd", "units", floor=10, ceiling=5)


def test_hold_takes_one_deadline_and_an_aware_time(community, clock):
    with pytest.raises(ValidationError, match="timeout: give expires_at or timeout, not both."):
        community.hold("alice", "bob", 5, timeout=10, expires_at=clock.now)
    with pytest.raises(ValidationError, match="expires_at: must be a timezone-aware datetime"):
        community.hold("alice", "bob", 5, expires_at=clock.now.replace(tzinfo=None))


def test_reverse_needs_exactly_one_target_and_a_reason(community):
    with pytest.raises(ValidationError, match="transfer_id: give exactly one of transfer_id or hold_id."):
        community.reverse(reason="x")
    with pytest.raises(ValidationError, match="reason: Length must be between 1 and 500."):
        community.reverse("t", reason="")
