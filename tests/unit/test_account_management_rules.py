"""Account management's pure rules: profile changes, who changes what, nicknames, closed customers, own limits."""

from __future__ import annotations

import uuid

import pytest

from auth.principal import CUSTOMER, PARTNER, STAFF, Principal
from auth.roles import permissions_of
from models.enums import CustomerStatus
from services.compliance.customer_limits import OwnLimit, check_within, effective_limits, parse_limit
from services.compliance.policy_document import TierLimits
from services.customer_profile import UNCHANGED, ProfileChanges, check_who_changes_what, clean_changes
from services.customer_status import refuse_if_closed
from services.errors import DomainError, Forbidden, InvalidAmount, LimitExceeded, ValidationFailed
from services.wallet_nicknames import clean_nickname

PARTNER_ID, CUSTOMER_ID = uuid.uuid4(), uuid.uuid4()
WRITE = frozenset({"customers:write", "wallets:write", "customers:read"})
PARTNER_TOKEN = Principal(kind=PARTNER, subject="c", partner_id=PARTNER_ID, scopes=WRITE)
CUSTOMER_TOKEN = Principal(kind=CUSTOMER, subject="c", partner_id=PARTNER_ID, scopes=WRITE, customer_id=CUSTOMER_ID)
READ_ONLY_CUSTOMER = Principal(kind=CUSTOMER, subject="c", partner_id=PARTNER_ID, scopes=frozenset({"customers:read"}),
                               customer_id=CUSTOMER_ID)
SUPPORT = Principal(kind=STAFF, subject="s", partner_id=None, scopes=permissions_of("support"), role="support")


def refusal(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    return refused.value


# --- customerUpdate -----------------------------------------------------------


def test_only_the_named_fields_change_and_none_clears_a_contact_detail():
    changes = ProfileChanges(email=None, address=" 1 Bund Road\nShanghai ")
    assert changes.named() == ["email", "address"]
    assert clean_changes(changes) == {"email": None, "address": "1 Bund Road\nShanghai"}
    assert ProfileChanges().named() == []
    assert repr(UNCHANGED) == "UNCHANGED"


def test_values_are_cleaned_as_at_customer_create():
    assert clean_changes(ProfileChanges(display_name="  Li Wei ", email="Li@Example.COM", phone="+86 138 0013 8000")) == {
        "display_name": "Li Wei", "email": "li@example.com", "phone": "+8613800138000",
    }


@pytest.mark.parametrize(("changes", "field"), [
    (ProfileChanges(display_name=None), "displayName"),   # a name changes, it does not go
    (ProfileChanges(display_name="   "), "displayName"),
    (ProfileChanges(display_name="x" * 201), "displayName"),
    (ProfileChanges(display_name="Li\x00Wei"), "displayName"),
    (ProfileChanges(email="not-an-address"), "email"),
    (ProfileChanges(phone="12345"), "phone"),
    (ProfileChanges(address="   "), "address"),
    (ProfileChanges(address="x" * 501), "address"),
    (ProfileChanges(address="1 Bund Road\x07"), "address"),
    (ProfileChanges(address="1 Bund \u202eRoad"), "address"),  # a bidirectional override would reorder the screen
])
def test_bad_values_are_validation_errors_naming_the_field_and_never_repeating_an_address(changes, field):
    error = refusal(clean_changes, changes)
    assert isinstance(error, ValidationFailed) and error.field == [field]
    assert "Bund" not in error.message


def test_a_customer_token_changes_contact_details_but_never_the_name():
    check_who_changes_what(CUSTOMER_TOKEN, ProfileChanges(email="a@b.example", phone=None, address="1 Road, Town"))
    check_who_changes_what(PARTNER_TOKEN, ProfileChanges(display_name="New Name"))
    with pytest.raises(Forbidden) as refused:
        check_who_changes_what(CUSTOMER_TOKEN, ProfileChanges(display_name="New Name", email="a@b.example"))
    assert "contact details" in refused.value.message


def test_an_update_names_a_field_and_needs_the_write_scope():
    assert refusal(check_who_changes_what, PARTNER_TOKEN, ProfileChanges()).code == "VALIDATION"
    for caller in (READ_ONLY_CUSTOMER, SUPPORT):
        with pytest.raises(Forbidden):
            check_who_changes_what(caller, ProfileChanges(email="a@b.example"))


def test_a_closed_customer_refuses_every_change():
    refuse_if_closed(CustomerStatus.ACTIVE, field=["customerId"])
    refuse_if_closed("ACTIVE", field=["customerId"])
    error = refusal(refuse_if_closed, "CLOSED", field=["customerId"])
    assert (error.code, error.field) == ("INVALID_STATE", ["customerId"])


# --- walletNicknameSet --------------------------------------------------------


def test_a_nickname_is_one_to_forty_characters_and_null_removes_it():
    assert clean_nickname("  Holidays ") == "Holidays"
    assert clean_nickname("旅行基金") == "旅行基金"
    assert clean_nickname("x" * 40) == "x" * 40
    assert clean_nickname(None) is None
    for bad in ("", "   ", "x" * 41, "Tab\there", "Bell\x07"):
        error = refusal(clean_nickname, bad)
        assert (error.code, error.field) == ("VALIDATION", ["nickname"]), bad


# --- customerLimitsSet --------------------------------------------------------

TIER = TierLimits(max_balance=2_000_000, single_max=500_000, daily=500_000, monthly=2_000_000, annual=None, lifetime=None)


def test_the_effective_limit_is_the_lower_of_the_tiers_and_the_customers_own():
    assert effective_limits(TIER, None) == TIER
    own = OwnLimit(currency="USD", daily_minor=1_000, single_max_minor=None)
    assert effective_limits(TIER, own) == TierLimits(2_000_000, 500_000, 1_000, 2_000_000, None, None)
    higher = OwnLimit(currency="USD", daily_minor=None, single_max_minor=900_000)  # the tier was lowered since
    assert effective_limits(TIER, higher) == TIER
    unlimited = TierLimits()
    assert effective_limits(unlimited, OwnLimit(currency="USD", daily_minor=7, single_max_minor=3)) == TierLimits(
        daily=7, single_max=3)


def test_own_limits_are_exact_amounts_and_zero_stops_outgoing_payments():
    assert parse_limit("10.00", "USD", "daily") == 1_000
    assert parse_limit("0", "USD", "daily") == 0
    assert parse_limit(" 0.00 ", "USD", "daily") == 0
    assert parse_limit(None, "USD", "daily") is None
    assert parse_limit(UNCHANGED, "USD", "daily") is UNCHANGED
    assert parse_limit("5000", "JPY", "perTransaction") == 5_000
    for bad in ("10.001", "-5.00", "ten", "1e3"):
        error = refusal(parse_limit, bad, "USD", "perTransaction")
        assert isinstance(error, InvalidAmount) and error.field == ["perTransaction"], bad


def test_a_customer_only_lowers_its_limits():
    check_within(TIER, daily=500_000, single=0, currency="USD", tier_name="Verified (DEFAULT)")
    check_within(TIER, daily=None, single=UNCHANGED, currency="USD", tier_name="Verified (DEFAULT)")
    check_within(TierLimits(), daily=10**12, single=10**12, currency="USD", tier_name="Unlimited")  # no cap to pass
    with pytest.raises(LimitExceeded) as daily:
        check_within(TIER, daily=500_001, single=UNCHANGED, currency="USD", tier_name="Verified (DEFAULT)")
    assert daily.value.field == ["daily"]
    assert daily.value.message == (
        "daily may not be above the daily limit of Verified (DEFAULT): 5000.00 USD (a customer can only lower its limits)"
    )
    with pytest.raises(LimitExceeded) as single:
        check_within(TIER, daily=UNCHANGED, single=600_000, currency="USD", tier_name="Verified (DEFAULT)")
    assert single.value.field == ["perTransaction"]
