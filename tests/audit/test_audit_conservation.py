"""Double entry replayed from an export's public bodies (``verify_export(..., conservation=True)``)."""

from __future__ import annotations

import pytest
from exportkit import ExportKit
from ledger_audit import ConservationError, ExportError, verify_export


def conservation(kit: ExportKit, tmp_path):
    return verify_export(kit.write(tmp_path / "e"), kit.genesis_key, conservation=True).conservation


def test_standard_ledger_balances_in_every_unit(kit, export_dir):
    report = verify_export(export_dir, kit.genesis_key, conservation=True).conservation
    assert report.complete and report.unattributed == 0
    minutes, points = report.units
    assert (minutes.unit, minutes.transfers, minutes.transferred, minutes.balance_sum) == ("minutes", 4, 225, 0)
    assert (minutes.holds_placed, minutes.held, minutes.holds_posted, minutes.posted_from_holds) == (3, 95, 1, 40)
    assert (minutes.released, minutes.holds_voided, minutes.pending, minutes.accounts) == (20, 1, 25, 3)
    assert (points.unit, points.transfers, points.transferred, points.holds_expired, points.pending) == (
        "points",
        2,
        57,
        1,
        0,
    )
    assert report.to_dict()["units"]["points"]["complete"] is True


def _two_units() -> ExportKit:
    kit = ExportKit()
    kit.transfer("t1", "time:issuer", "alice", 100, "minutes")
    kit.transfer("t2", "carbon:issuer", "alice.pts", 10, "points")
    return kit


def test_withheld_posting_of_a_public_hold_makes_only_its_unit_incomplete(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes")
    kit.post_hold("h1", 30, 0, withheld=True)
    report = conservation(kit, tmp_path)
    minutes, points = report.units
    assert (minutes.withheld, minutes.complete, minutes.holds_posted) == (1, False, 1)
    assert points.complete and report.unattributed == 0 and not report.complete


def test_withheld_transfer_could_be_in_any_unit(tmp_path):
    kit = _two_units()
    seq = kit.transfer("donation", "alice", "bob", 5, "minutes", withheld=True)
    report = conservation(kit, tmp_path)
    assert (report.unattributed, report.unattributed_seqs) == (1, (seq,))
    assert [u.complete for u in report.units] == [False, False]
    assert report.to_dict()["complete"] is False


def test_withheld_placement_then_posting_is_unattributed(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes", withheld=True)
    posted = kit.post_hold("h1", 20, 10)
    report = conservation(kit, tmp_path)
    assert report.unattributed_seqs == (posted,) and not report.complete


def test_withheld_placement_still_pending_is_unattributed(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes", withheld=True)
    report = conservation(kit, tmp_path)
    assert report.unattributed == 1 and not report.complete


@pytest.mark.parametrize("ending", ["void_hold", "expire_hold"])
def test_withheld_hold_that_moved_nothing_keeps_units_complete(tmp_path, ending):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes", withheld=True)
    getattr(kit, ending)("h1", withheld=True)
    assert conservation(kit, tmp_path).complete


def test_withheld_void_of_a_public_hold_needs_no_body(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes")
    kit.void_hold("h1", withheld=True)
    report = conservation(kit, tmp_path)
    assert report.complete and report.units[0].holds_voided == 1 and report.units[0].pending == 0


def _fails(kit: ExportKit, tmp_path) -> ExportError:
    directory = kit.write(tmp_path / "e")
    assert verify_export(directory, kit.genesis_key).size == kit.size  # the chain itself is authentic
    with pytest.raises(ExportError) as info:
        verify_export(directory, kit.genesis_key, conservation=True)
    return info.value


def test_posting_more_than_was_held_is_unbalanced(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes")
    seq = kit.post_hold("h1", 30, 5)
    error = _fails(kit, tmp_path)
    assert isinstance(error, ConservationError)
    assert (error.kind, error.seq) == ("unbalanced", seq)
    assert error.reason == (
        "posts 30 and releases 5 of the hold placed at seq 3, which held 30: posted plus released must equal the hold"
    )
    assert error.to_dict() == {"ok": False, "kind": "unbalanced", "seq": seq, "reason": error.reason}


def test_posting_a_hold_twice_is_unbalanced(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes")
    kit.post_hold("h1", 30, 0)
    seq = kit.post_hold("h1", 30, 0)
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)
    assert error.reason.endswith("which has no pending hold")


def test_finishing_a_hold_never_placed_is_unbalanced_even_if_withheld(tmp_path):
    kit = _two_units()
    seq = kit.post_hold("ghost", 30, 0, withheld=True)
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)


def test_placing_a_pending_hold_again_is_unbalanced(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes")
    seq = kit.place_hold("h1", "alice", "bob", 30, "minutes")
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)


def test_negative_posting_is_unbalanced(tmp_path):
    kit = _two_units()
    kit.place_hold("h1", "alice", "bob", 30, "minutes")
    seq = kit.post_hold("h1", -10, 40)
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("alice", "bob", 0, "minutes"), "ledger.transfer.recorded.v1 amount must be positive, not 0"),
        (("alice", "alice", 5, "minutes"), "ledger.transfer.recorded.v1 debits and credits the same account 'alice'"),
        (("alice", "bob", "5", "minutes"), "ledger.transfer.recorded.v1 body must have 'amount' as an integer"),
        (("alice", "bob", True, "minutes"), "ledger.transfer.recorded.v1 body must have 'amount' as an integer"),
        (("alice", "", 5, "minutes"), "ledger.transfer.recorded.v1 body must have 'credit' as a non-empty string"),
    ],
)
def test_a_transfer_body_that_is_not_a_transfer_is_malformed(tmp_path, args, reason):
    kit = _two_units()
    seq = kit.transfer("bad", *args)
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq, error.reason) == ("malformed", seq, reason)
