"""Double entry replayed from an export's public bodies (``verify_export(..., conservation=True)``)."""

from __future__ import annotations

import pytest
from exportkit import ExportKit, stream_id
from ledger_audit import ConservationError, ExportError, verify_export


def conservation(kit: ExportKit, tmp_path, public: bool = True):
    return verify_export(kit.write(tmp_path / "e", public=public), kit.genesis_key, conservation=True).conservation


def test_standard_ledger_balances_in_every_unit(kit, tmp_path):
    report = conservation(kit, tmp_path, public=False)  # every body present
    assert report.complete and report.unattributed == 0 and report.unknown_accounts == 0
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


def test_a_withheld_account_opening_hides_its_unit_so_no_unit_is_complete(kit, export_dir):
    """Bob's opening (seq 4) is personal: his account's unit is unknown, and a movement through
    it could cross units, in whichever unit he really is. The totals are those of the private
    export; nothing is shown complete."""
    report = verify_export(export_dir, kit.genesis_key, conservation=True).conservation
    assert (report.unknown_accounts, report.unknown_account_names) == (1, ("bob",))
    assert not report.complete and [u.complete for u in report.units] == [False, False]
    assert [u.balance_sum for u in report.units] == [0, 0] and report.units[0].transferred == 225
    assert report.to_dict()["unknown_account_names"] == ["bob"]


def _two_units() -> ExportKit:
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.scheme("carbon", "points")
    for name, scheme in (("alice", "time"), ("bob", "time"), ("alice.pts", "carbon"), ("bob.pts", "carbon")):
        kit.account(name, scheme, "")
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
        "posts 30 and releases 5 of the hold placed at seq 9, which held 30: posted plus released must equal the hold"
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


# --- units: where an account's unit comes from (chain-spec §10) ---------------------------


def test_a_signed_transfer_between_points_accounts_recorded_as_minutes_is_unbalanced(tmp_path):
    """The hole a second verifier found: the unit was taken from the movement's own body."""
    kit = _two_units()
    seq = kit.transfer("t3", "alice.pts", "bob.pts", 5, "minutes")
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)
    assert error.reason.startswith("ledger.transfer.recorded.v1 moves minutes through account 'alice.pts', which is in points")


@pytest.mark.parametrize(
    ("debit", "credit", "unit"),
    [
        ("alice", "bob.pts", "minutes"),  # across units, in the debit's unit
        ("alice", "bob.pts", "points"),  # across units, in the credit's unit
        ("time:issuer", "bob", "points"),  # an issuer is in its scheme's unit
        ("carbon:issuer", "bob", "minutes"),
    ],
)
def test_a_movement_whose_unit_is_not_both_accounts_unit_is_unbalanced(tmp_path, debit, credit, unit):
    kit = _two_units()
    seq = kit.transfer("t3", debit, credit, 5, unit)
    assert (_fails(kit, tmp_path).kind, _fails(kit, tmp_path).seq) == ("unbalanced", seq)
    kit = _two_units()
    seq = kit.place_hold("h9", debit, credit, 5, unit)
    assert (_fails(kit, tmp_path).kind, _fails(kit, tmp_path).seq) == ("unbalanced", seq)


def test_an_account_never_opened_is_unbalanced_where_it_first_moves(tmp_path):
    kit = _two_units()
    seq = kit.transfer("t3", "alice", "carol", 5, "minutes")
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)
    assert error.reason == "ledger.transfer.recorded.v1 moves account 'carol', which no earlier event opens"


def test_an_account_opened_after_it_moves_is_unbalanced(tmp_path):
    kit = _two_units()
    seq = kit.transfer("t3", "alice", "carol", 5, "minutes")
    kit.account("carol", "time", "")
    assert (_fails(kit, tmp_path).kind, _fails(kit, tmp_path).seq) == ("unbalanced", seq)
    # With a withheld opening before the movement, carol may have been opened by it, until her
    # public opening shows she was not: that opening is the failure.
    kit = _two_units()
    kit.account("dave", "time", "Dave", withheld=True)
    kit.transfer("t3", "alice", "carol", 5, "minutes")
    opened = kit.account("carol", "time", "")
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", opened)
    assert error.reason == f"account 'carol' is opened here, after it moved at seq {opened - 1}"


def test_a_movement_through_an_account_whose_opening_is_withheld_is_incomplete_not_a_pass(tmp_path):
    kit = _two_units()
    kit.account("carol", "carbon", "Carol", withheld=True)  # really a points account
    kit.transfer("t3", "alice", "carol", 5, "minutes")  # so this crosses units, unseen
    report = conservation(kit, tmp_path)
    assert (report.unknown_accounts, report.unknown_account_names) == (1, ("carol",))
    assert not report.complete and not any(u.complete for u in report.units)
    with pytest.raises(ConservationError):  # the private export shows it
        verify_export(kit.write(tmp_path / "p", public=False), kit.genesis_key, conservation=True)


@pytest.mark.parametrize(
    ("opening", "reason"),
    [
        (dict(name="carol", scheme="time", owner="", unit="points"),
         "account 'carol' is opened in points, but its scheme 'time' counts in minutes"),
        (dict(name="carol", scheme="gold", owner=""), "account 'carol' is opened in scheme 'gold', which no earlier event registers"),
        (dict(name="alice", scheme="time", owner=""), "account 'alice' is opened again (it was opened at seq 3)"),
    ],
)
def test_an_account_opening_must_agree_with_its_scheme_and_come_once(tmp_path, opening, reason):
    kit = _two_units()
    seq = kit.account(**opening)
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq, error.reason) == ("unbalanced", seq, reason)


def test_the_ledgers_own_opening_of_an_issuer_is_accepted_once_and_in_its_scheme(tmp_path):
    """``register_scheme`` writes the registration, then opens ``<name>:issuer`` in the same
    transaction: accepted, as long as it is in the scheme's unit and only once."""
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.account("time:issuer", "time", "time")
    kit.account("alice", "time", "")
    kit.transfer("t1", "time:issuer", "alice", 5, "minutes")
    assert conservation(kit, tmp_path).complete
    seq = kit.account("time:issuer", "time", "time")
    assert (_fails(kit, tmp_path).kind, _fails(kit, tmp_path).seq) == ("unbalanced", seq)
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.scheme("carbon", "points")
    seq = kit.account("time:issuer", "carbon", "time")  # another scheme's issuer name
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq, error.reason) == (
        "unbalanced", seq, "account 'time:issuer' is opened again (it was opened at seq 1)"
    )


def test_a_scheme_is_registered_once_with_its_own_issuer(tmp_path):
    kit = _two_units()
    seq = kit.scheme("time", "hours")
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq, error.reason) == ("unbalanced", seq, "scheme 'time' is registered again")
    kit = ExportKit()
    seq = kit.append(
        "ledger.scheme.registered.v1",
        stream_id("scheme", "gold"),
        {"name": "gold", "unit": "grams", "issuer": "mint", "kind": "basic", "step": 1, "floor": None, "ceiling": None},
    )
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq, error.reason) == ("malformed", seq, "scheme 'gold' names its issuer 'mint', not 'gold:issuer'")
    kit = ExportKit()
    kit.scheme("time", "minutes")
    kit.account("carbon:issuer", "time", "")
    seq = kit.scheme("carbon", "points")
    error = _fails(kit, tmp_path)
    assert (error.kind, error.seq) == ("unbalanced", seq)
    assert error.reason == "account 'carbon:issuer' is used before its scheme 'carbon' is registered"
