"""The bank's rules at their exact boundaries, each refusal asserted whole and leaving the file unchanged."""

from __future__ import annotations

import pytest
from ledger_time_bank import TimeBank

from ledger import LimitExceeded, RuleViolation, UnknownScheme, ValidationError

from .conftest import MEMBERS, SERVICES, dump

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)

PLUGIN = "ledger_time_bank.plugin"  # the module's name when registered with plugins=[...]


def refused(call, db_path: str) -> RuleViolation:
    """Run a call that must be vetoed by the plugin; prove nothing was written."""
    before = dump(db_path)
    with pytest.raises(RuleViolation) as err:
        call()
    assert dump(db_path) == before
    return err.value


# -- exchanges -------------------------------------------------------------------------------


def test_an_exchange_of_exactly_the_maximum_is_recorded(bank):
    result = bank.record_exchange("alice", "bob", 480, "garden", "a day of weeding")
    assert (result.debit, result.credit, result.amount, result.code) == (
        "riverside:bob", "riverside:alice", 480, "time_bank.exchange")
    assert result.details == {"category": "garden", "description": "a day of weeding"}
    assert (bank.balance("alice").posted, bank.balance("bob").posted) == (480, -480)


@pytest.mark.parametrize(("minutes", "over"), [(481, 1), (540, 60)])
@pytest.mark.parametrize("confirm", [False, True])
def test_an_exchange_over_the_maximum_is_refused_by_how_much(bank, db_path, minutes, over, confirm):
    err = refused(lambda: bank.record_exchange("alice", "bob", minutes, "garden", "weeding", confirm=confirm), db_path)
    assert (err.rule, err.plugin) == ("max_exchange", PLUGIN)
    assert str(err) == (
        f"rule 'max_exchange' refused the command: exchange of {minutes} minutes is over the bank's maximum of 480 by {over}"
    )


def test_the_maximum_comes_from_the_latest_settings_fact(bank, led, db_path):
    led.record_fact("time_bank.settings.v1", "riverside",
                    {"max_exchange": 60, "confirm_timeout": 3600, "organisation_floor": 0})
    assert bank.settings().max_exchange == 60
    bank.record_exchange("alice", "bob", 60, "garden", "an hour")
    err = refused(lambda: bank.record_exchange("alice", "bob", 61, "garden", "an hour and a minute"), db_path)
    assert err.message == "exchange of 61 minutes is over the bank's maximum of 60 by 1"


def test_a_member_reaches_the_floor_exactly_and_one_minute_more_is_refused(bank, db_path):
    bank.record_exchange("bob", "alice", 480, "care", "shopping for a month")
    bank.record_exchange("carol", "alice", 120, "care", "two more trips")
    assert bank.balance("alice").posted == -600
    before = dump(db_path)
    with pytest.raises(LimitExceeded) as err:
        bank.record_exchange("carol", "alice", 1, "care", "one minute more")
    assert str(err.value) == "account 'riverside:alice' (minutes) would go below its floor of -600 by 1"
    assert (err.value.account, err.value.kind, err.value.by) == ("riverside:alice", "floor", 1)
    assert dump(db_path) == before


def test_a_provider_reaches_the_ceiling_exactly_and_one_minute_more_is_refused(bank):
    bank.join("dave", floor=-3000)  # a member's own limits override the bank's
    for _ in range(6):
        bank.record_exchange("alice", "dave", 480, "garden", "weeding")
    bank.record_exchange("alice", "dave", 120, "garden", "weeding")
    assert (bank.balance("alice").posted, bank.balance("dave").posted) == (3000, -3000)
    with pytest.raises(LimitExceeded) as err:
        bank.record_exchange("alice", "bob", 1, "garden", "weeding")
    assert str(err.value) == "account 'riverside:alice' (minutes) would go above its ceiling of 3000 by 1"


@pytest.mark.parametrize(("details", "message"), [
    ({"description": "x"}, "an exchange needs a category: one of care, garden, repair"),
    ({"description": "x", "category": "plumbing"},
     "category 'plumbing' is not in the catalogue of 'riverside'; it offers care, garden, repair"),
    ({"category": "garden"}, "an exchange needs a description in its details"),
    ({"category": "garden", "description": "   "}, "an exchange needs a description in its details"),
    ({"category": "garden", "description": "x" * 501},
     "description of 501 characters is over the maximum of 500 by 1"),
])
def test_an_exchange_needs_a_catalogued_category_and_a_description(bank, led, db_path, details, message):
    err = refused(lambda: led.transfer("riverside:bob", "riverside:alice", 30, code="time_bank.exchange",
                                       details=details), db_path)
    assert err.message == message


def test_a_description_of_exactly_500_characters_is_accepted(bank):
    assert bank.record_exchange("alice", "bob", 30, "garden", "x" * 500).amount == 30


def test_without_a_catalogue_no_exchange_is_possible(led, db_path):
    bank = TimeBank.create(led, "hillside")
    bank.join("ann")
    bank.join("ben")
    err = refused(lambda: bank.record_exchange("ann", "ben", 30, "garden", "weeding"), db_path)
    assert (err.rule, err.message) == ("category", "time bank 'hillside' has no catalogue yet; record one before exchanges")


@pytest.mark.parametrize(("debit", "credit", "message"), [
    ("riverside:community", "riverside:alice",
     "an exchange is between two members; 'riverside:community' is the bank's organisation account"),
    ("riverside:alice", "riverside:issuer",
     "an exchange is between two members; 'riverside:issuer' is the scheme's issuer account, which a time bank never uses"),
])
def test_an_exchange_is_between_two_members(bank, led, db_path, debit, credit, message):
    err = refused(lambda: led.transfer(debit, credit, 10, code="time_bank.exchange",
                                       details={"category": "garden", "description": "x"}), db_path)
    assert (err.rule, err.message) == ("members", message)


# -- donations ---------------------------------------------------------------------------------


def test_a_donation_may_give_exactly_the_credit_held_and_not_a_minute_more(bank, db_path):
    bank.record_exchange("alice", "bob", 120, "garden", "weeding")
    err = refused(lambda: bank.donate("alice", 121), db_path)
    assert (err.rule, err.plugin) == ("donation_credit", PLUGIN)
    assert str(err) == (
        "rule 'donation_credit' refused the command: 'riverside:alice' has 120 minutes available, "
        "so a donation of 121 is short by 1"
    )
    gift = bank.donate("alice", 120)
    assert (gift.debit, gift.credit, gift.code) == ("riverside:alice", "riverside:community", "time_bank.donation")
    assert (bank.balance("alice").posted, bank.ledger.balance(bank.organisation).posted) == (0, 120)


def test_a_member_in_debit_cannot_donate_even_within_the_floor(bank, db_path):
    bank.record_exchange("alice", "bob", 200, "garden", "weeding")
    err = refused(lambda: bank.donate("bob", 50, to="carol"), db_path)
    assert err.message == "'riverside:bob' has -200 minutes available, so a donation of 50 is short by 250"


def test_pending_exchanges_reduce_what_a_donor_has_available(bank, db_path):
    bank.record_exchange("alice", "bob", 120, "garden", "weeding")
    bank.record_exchange("carol", "alice", 50, "care", "shopping", confirm=True)
    assert bank.balance("alice").available == 70
    err = refused(lambda: bank.donate("alice", 71, to="bob"), db_path)
    assert err.message == "'riverside:alice' has 70 minutes available, so a donation of 71 is short by 1"
    assert bank.donate("alice", 70, to="bob").credit == "riverside:bob"


def test_a_donation_comes_from_a_member_and_never_goes_to_the_issuer(bank, led, db_path):
    bank.record_exchange("alice", "bob", 60, "garden", "weeding")
    bank.donate("alice", 60)
    err = refused(lambda: led.transfer("riverside:community", "riverside:bob", 10, code="time_bank.donation"), db_path)
    assert err.message == (
        "a donation comes from a member (the organisation gives grants); "
        "'riverside:community' is the bank's organisation account"
    )
    err = refused(lambda: led.transfer("riverside:alice", "riverside:issuer", 10, code="time_bank.donation"), db_path)
    assert err.message == (
        "a donation goes to a member or to the community pool; "
        "'riverside:issuer' is the scheme's issuer account, which a time bank never uses"
    )


# -- grants --------------------------------------------------------------------------------------


def test_grants_are_paid_from_the_organisation_within_its_floor(bank, led, db_path):
    bank.record_exchange("alice", "bob", 100, "garden", "weeding")
    bank.donate("alice", 100)
    granted = bank.grant("carol", 100, "litter pick in the park")
    assert (granted.debit, granted.credit, granted.details) == (
        "riverside:community", "riverside:carol", {"description": "litter pick in the park"})
    before = dump(db_path)
    with pytest.raises(LimitExceeded) as err:
        bank.grant("carol", 1, "one more minute")
    assert str(err.value) == "account 'riverside:community' (minutes) would go below its floor of 0 by 1"
    assert dump(db_path) == before


def test_a_grant_from_anyone_but_the_organisation_is_refused(bank, led, db_path):
    err = refused(lambda: led.transfer("riverside:alice", "riverside:bob", 10, code="time_bank.grant",
                                       details={"description": "x"}), db_path)
    assert str(err) == (
        "rule 'grant_source' refused the command: a grant is paid from the bank's organisation account "
        "'riverside:community', not from 'riverside:alice'"
    )


def test_an_organisation_floor_lets_the_bank_pay_grants_before_donations(led):
    bank = TimeBank.create(led, "hillside", catalogue=SERVICES, organisation_floor=-1200)
    bank.join("ann")
    bank.grant("ann", 300, "planting the square")
    assert led.balance("hillside:community").posted == -300
    assert led.account("hillside:community").floor == -1200
    assert bank.settings().organisation_floor == -1200


def test_a_grant_needs_a_description(bank, led, db_path):
    led.change_limits(bank.organisation, floor=-100, ceiling=None, reason="test")
    err = refused(lambda: bank.grant("alice", 10, ""), db_path)
    assert (err.rule, err.message) == ("description", "a grant needs a description in its details")


# -- redemptions ------------------------------------------------------------------------------------


def test_a_redemption_pays_the_fixed_price_to_the_organisation(bank):
    paid = bank.redeem("alice", "hot meal")
    assert (paid.debit, paid.credit, paid.amount, paid.code, paid.details) == (
        "riverside:alice", "riverside:community", 60, "time_bank.redemption",
        {"service": "hot meal", "category": "care"})
    assert bank.balance("alice").posted == -60


@pytest.mark.parametrize(("amount", "gap"), [(59, "short by 1"), (45, "short by 15"), (61, "over by 1")])
def test_a_redemption_at_another_price_is_refused_with_the_difference(bank, led, db_path, amount, gap):
    err = refused(lambda: led.transfer("riverside:alice", "riverside:community", amount, code="time_bank.redemption",
                                       details={"service": "hot meal"}), db_path)
    assert str(err) == (
        f"rule 'redemption_price' refused the command: redeeming 'hot meal' costs 60 minutes, not {amount}: {gap}"
    )


@pytest.mark.parametrize(("service", "message"), [
    ("bike check", "service 'bike check' of 'riverside' cannot be redeemed"),
    ("weeding", "service 'weeding' of 'riverside' cannot be redeemed"),
    ("massage", "service 'massage' is not in the catalogue of 'riverside'"),
])
def test_only_a_redeemable_catalogue_service_can_be_redeemed(bank, db_path, service, message):
    err = refused(lambda: bank.redeem("alice", service), db_path)
    assert (err.rule, err.message) == ("redemption_service", message)


def test_a_redemption_is_paid_to_the_organisation_only(bank, led, db_path):
    err = refused(lambda: led.transfer("riverside:alice", "riverside:bob", 60, code="time_bank.redemption",
                                       details={"service": "hot meal"}), db_path)
    assert (err.rule, err.message) == (
        "redemption_payee",
        "a redemption is paid to the bank's organisation account 'riverside:community', not to 'riverside:bob'",
    )


# -- codes, reversals, accounts, schemes, facts ----------------------------------------------------------


@pytest.mark.parametrize(("command", "code"), [("transfer", ""), ("transfer", "time_bank.gift"), ("hold", "")])
def test_a_movement_without_a_time_bank_code_is_refused(bank, led, db_path, command, code):
    err = refused(lambda: getattr(led, command)("riverside:alice", "riverside:bob", 10, code=code), db_path)
    assert str(err) == (
        f"rule 'code' refused the command: a {command} in time bank 'riverside' must carry one of the codes "
        f"time_bank.donation, time_bank.exchange, time_bank.grant, time_bank.redemption, not {code!r}"
    )


def test_a_reversal_is_allowed_even_when_the_catalogue_has_changed_since(bank, led):
    done = bank.record_exchange("alice", "bob", 90, "garden", "weeding")
    bank.set_catalogue([{"category": "care", "name": "shopping"}])
    back = led.reverse(done.transfer_id, reason="recorded twice")
    assert (back.debit, back.credit, back.amount, back.code) == ("riverside:alice", "riverside:bob", 90,
                                                                 "time_bank.exchange")
    assert (bank.balance("alice").posted, bank.balance("bob").posted) == (0, 0)


@pytest.mark.parametrize("account", ["alice", "hillside:alice", "riverside:", "riverside:a:b"])
def test_accounts_in_a_bank_are_named_bank_colon_member(bank, led, db_path, account):
    err = refused(lambda: led.open_account(account, "riverside"), db_path)
    assert (err.rule, err.message) == (
        "account_name", f"account {account!r} in time bank 'riverside' must be named 'riverside:<member>'")


def test_join_opens_the_prefixed_account_with_the_bank_defaults(bank):
    info = bank.join("dave", owner="D.")
    assert (info.account, info.scheme, info.owner, info.floor, info.ceiling) == (
        "riverside:dave", "riverside", "D.", -600, 3000)
    assert bank.members() == ["alice", "bob", "carol", "dave"]


def test_minutes_never_leave_the_bank(bank, led, db_path):
    led.register_scheme("time", "minutes", floor=-600)
    led.open_account("outsider", "time")
    TimeBank.create(led, "hillside", catalogue=SERVICES).join("ann")
    for other in ("outsider", "hillside:ann"):
        err = refused(lambda other=other: led.transfer("riverside:alice", other, 10, code="time_bank.donation"),
                      db_path)
        scheme = led.account(other).scheme
        assert (err.rule, err.message) == ("same_bank", (
            f"a transfer from 'riverside:alice' (riverside) to {other!r} ({scheme}) would carry minutes out of a "
            "time bank; both accounts must be in the same bank"))


def test_schemes_of_other_kinds_are_left_alone(bank, led):
    led.register_scheme("time", "minutes", floor=-600)
    led.open_account("x", "time")
    led.open_account("y", "time")
    assert led.transfer("x", "y", 900 // 2).amount == 450  # no code, no catalogue: not a time bank


def test_bank_facts_must_describe_a_time_bank(bank, led, db_path):
    led.register_scheme("time", "minutes")
    for subject in ("nowhere", "time"):
        err = refused(lambda subject=subject: led.record_fact("time_bank.catalogue.v1", subject, {"services": []}),
                      db_path)
        assert (err.rule, err.message) == (
            "fact_subject", f"time_bank.catalogue.v1 describes a time bank, and {subject!r} is not one")


# -- creating a bank and its catalogue ---------------------------------------------------------


def test_create_registers_the_scheme_facts_and_organisation_account(bank, led):
    scheme = led.scheme_info("riverside")
    assert (scheme.kind, scheme.unit, scheme.step, scheme.floor, scheme.ceiling) == ("time_bank", "minutes", 1, -600, 3000)
    community = led.account("riverside:community")
    assert (community.floor, community.ceiling) == (0, None)
    assert bank.describe() == {
        "bank": "riverside", "unit": "minutes", "floor": -600, "ceiling": 3000, "organisation": "riverside:community",
        "max_exchange": 480, "confirm_timeout": 14 * 86400, "organisation_floor": 0, "services": 4,
    }
    assert [s.name for s in bank.catalogue()] == [s["name"] for s in SERVICES]
    assert bank.members() == list(MEMBERS)
    assert led.verify().ok


@pytest.mark.parametrize(("options", "message"), [
    ({"max_exchange": 0}, "invalid time bank create: max_exchange: Must be greater than or equal to 1 and less than "
                          "or equal to 9007199254740991."),
    ({"catalogue": [{"category": "care", "name": "meal", "redeemable": True}]},
     "invalid time bank create: services.0.price: a redeemable service needs a price in minutes."),
    ({"catalogue": [{"category": "care", "name": "meal"}, {"category": "garden", "name": "meal"}]},
     "invalid time bank create: services: names must be unique; listed twice: meal."),
    ({"catalogue": [{"category": "care", "name": "meal", "price": 1.5}]},
     "invalid time bank create: services.0.price: Not a valid integer."),
    ({"catalogue": [{"category": "care", "name": "meal", "price": 30, "redeemable": "yes"}]},
     "invalid time bank create: services.0.redeemable: must be true or false."),
])
def test_create_validates_settings_and_catalogue_before_writing_anything(led, db_path, options, message):
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        TimeBank.create(led, "hillside", **options)
    assert str(err.value) == message
    assert dump(db_path) == before


def test_create_with_a_request_id_can_be_retried(led):
    first = TimeBank.create(led, "hillside", catalogue=SERVICES, request_id="create-hillside")
    size = led.size()
    again = TimeBank.create(led, "hillside", catalogue=SERVICES, request_id="create-hillside")
    assert (again.bank, led.size()) == (first.bank, size)


def test_a_new_catalogue_applies_from_then_on(bank, db_path):
    fact = bank.set_catalogue([{"category": "music", "name": "piano lesson", "price": 45, "redeemable": True}])
    assert (fact.fact_type, fact.version) == ("time_bank.catalogue.v1", 2)
    assert bank.redeem("alice", "piano lesson").amount == 45
    err = refused(lambda: bank.record_exchange("alice", "bob", 30, "garden", "weeding"), db_path)
    assert err.message == "category 'garden' is not in the catalogue of 'riverside'; it offers music"


def test_a_scheme_of_another_kind_is_not_a_time_bank(led):
    led.register_scheme("time", "minutes")
    from ledger_time_bank import NotATimeBank

    with pytest.raises(NotATimeBank) as err:
        TimeBank(led, "time")
    assert str(err.value) == "scheme 'time' is a 'basic' scheme, not a time bank; create one with TimeBank.create"
    with pytest.raises(UnknownScheme):
        TimeBank(led, "nowhere")
