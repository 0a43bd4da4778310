"""Account management of customers on the real services and database: profile changes, own limits, closing.

Each refusal is checked to have changed nothing, by reading the stored rows back.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert, Customer, CustomerOwnLimit, DomainEvent, KycSubmission, LimitUsage, Wallet
from models.enums import CustomerKind, CustomerStatus, KycStatus, ScreeningStatus, WalletStatus
from services.compliance.customer_limits import own_limit_for, own_limits_of, set_own_limits
from services.compliance.remaining_limits import customer_limits
from services.customer_closing import close_customer
from services.customer_profile import ProfileChanges, masked_address, update_customer
from services.customer_status import lock_open_customer
from services.customers import create_customer, get_customer
from services.errors import DomainError, Forbidden, PiiUnreadable
from services.ledger.posting import post_top_up, post_transfer
from services.pii import decrypt_value, pii_context
from services.screening.watchlist import load_watchlist_csv, remove_watchlists
from services.wallet_closing import close_wallet
from services.wallet_nicknames import set_wallet_nickname
from services.wallets import get_wallet, open_wallet
from tests.integration.service_support import holder, new_partner

LISTED = "Wendelgard Quastorf-Ebbinghaus"


def customer_token(principal: Principal, customer_id: uuid.UUID) -> Principal:
    """A customer token of the partner's customer that carries the write scopes (however the partner mints it)."""
    return Principal(kind="customer", subject=principal.subject, partner_id=principal.partner_id, customer_id=customer_id,
                     scopes=frozenset({"customers:read", "customers:write", "wallets:read", "wallets:write",
                                       "transactions:write"}))


async def refused(call) -> DomainError:
    with pytest.raises(DomainError) as error:
        await call
    return error.value


async def stored(customer_id: uuid.UUID) -> tuple:
    row = await Customer.get(id=customer_id)
    return (row.display_name_enc, row.email_enc, row.phone_enc, row.address_enc, row.status, row.screening_status)


@pytest_asyncio.fixture
async def listed(database_url, tmp_path: Path) -> AsyncIterator[str]:
    list_id = f"T-ACCOUNT-{secrets.token_hex(4)}"
    path = tmp_path / "list.csv"
    path.write_text(f"list_id,name,aliases,date_of_birth,country\n{list_id},{LISTED},,,AT\n", encoding="utf-8")
    await load_watchlist_csv(path)
    try:
        yield list_id
    finally:
        await remove_watchlists([list_id])


# --- customerUpdate -------------------------------------------------------------


async def test_the_partner_changes_name_and_contact_details_and_the_address_is_stored_encrypted(database_url):
    principal = await new_partner("acct")
    someone = await holder(principal)
    record = await update_customer(principal=principal, customer_id=someone.customer_id, changes=ProfileChanges(
        display_name="Zhang Min", email="Zhang.Min@Example.CN", phone="+86 138 0013 8000",
        address="88 Century Avenue\nPudong, Shanghai 200120",
    ))
    assert (record.display_name, record.email, record.phone) == ("Zhang Min", "zhang.min@example.cn", "+8613800138000")
    row = await Customer.get(id=someone.customer_id)
    assert row.address_enc.startswith("pii1.") and "Century" not in row.address_enc
    context = pii_context("customer", "address_enc", row.id)
    assert await decrypt_value(row.address_enc, context=context) == "88 Century Avenue\nPudong, Shanghai 200120"
    assert await masked_address(record) == "••••••0120"
    events = await DomainEvent.filter(type="customer.updated", object_id=str(row.id)).values_list("payload", flat=True)
    assert events == [{"customerId": str(row.id), "changed": ["displayName", "email", "phone", "address"]}]
    assert "Century" not in str(events) and "zhang" not in str(events)


async def test_null_clears_a_contact_detail_and_an_unchanged_value_writes_nothing(database_url):
    principal = await new_partner("acct")
    someone = await holder(principal)
    await update_customer(principal=principal, customer_id=someone.customer_id,
                          changes=ProfileChanges(email="a@b.example", address="1 Long Road, Springfield"))
    record = await update_customer(principal=principal, customer_id=someone.customer_id,
                                   changes=ProfileChanges(email=None, address=None))
    assert record.email is None and record.address_ciphertext is None and await masked_address(record) is None
    before = await DomainEvent.filter(type="customer.updated").count()
    await update_customer(principal=principal, customer_id=someone.customer_id, changes=ProfileChanges(email=None))
    assert await DomainEvent.filter(type="customer.updated").count() == before


async def test_a_moved_ciphertext_is_not_shown(database_url):
    principal = await new_partner("acct")
    one, two = await holder(principal), await holder(principal)
    await update_customer(principal=principal, customer_id=one.customer_id, changes=ProfileChanges(address="1 Long Road, Springfield"))
    stolen = (await Customer.get(id=one.customer_id)).address_enc
    await Customer.filter(id=two.customer_id).update(address_enc=stolen)  # bound to customer one's row: refused
    try:
        with pytest.raises(PiiUnreadable):
            await masked_address(await get_customer(principal=principal, customer_id=two.customer_id))
    finally:
        # An unreadable value keeps its data key from retiring: no later rotation test may find it.
        await Customer.filter(id=two.customer_id).update(address_enc=None)


async def test_a_changed_name_is_screened_again_and_a_hit_holds_the_customer(listed):
    principal = await new_partner("acct")
    someone = await holder(principal, country="AT", currency="EUR")
    record = await update_customer(principal=principal, customer_id=someone.customer_id,
                                   changes=ProfileChanges(display_name=LISTED))
    assert record.screening_status == ScreeningStatus.HOLD
    assert (await Customer.get(id=someone.customer_id)).screening_status == ScreeningStatus.HOLD
    alert = await AmlAlert.get(customer_id=someone.customer_id)
    assert (alert.rule, alert.action, alert.details["listId"]) == ("SANCTIONS_SCREENING", "HOLD", listed)
    # A contact change alone is not screened again: still one alert.
    await update_customer(principal=principal, customer_id=someone.customer_id, changes=ProfileChanges(email="w@q.example"))
    assert await AmlAlert.filter(customer_id=someone.customer_id).count() == 1


async def test_a_customer_token_changes_its_own_contact_details_only(database_url):
    principal = await new_partner("acct")
    me, other = await holder(principal), await holder(principal)
    token = customer_token(principal, me.customer_id)
    record = await update_customer(principal=token, customer_id=me.customer_id,
                                   changes=ProfileChanges(phone="+8613900139000", address="5 Garden Lane, Hangzhou"))
    assert record.phone == "+8613900139000"

    before_me, before_other = await stored(me.customer_id), await stored(other.customer_id)
    with pytest.raises(Forbidden):
        await update_customer(principal=token, customer_id=me.customer_id, changes=ProfileChanges(display_name="Someone Else"))
    error = await refused(update_customer(principal=token, customer_id=other.customer_id,
                                          changes=ProfileChanges(email="x@y.example")))
    assert (error.code, error.field) == ("NOT_FOUND", ["customerId"])
    other_partner = await new_partner("acct")
    error = await refused(update_customer(principal=other_partner, customer_id=me.customer_id,
                                          changes=ProfileChanges(email="x@y.example")))
    assert error.code == "NOT_FOUND"
    assert (await stored(me.customer_id), await stored(other.customer_id)) == (before_me, before_other)


# --- customerLimitsSet ----------------------------------------------------------


async def test_own_limits_lower_the_tier_limits_of_every_posting_and_of_the_limits_view(database_url):
    principal = await new_partner("acct")
    payer, payee = await holder(principal, country="US", currency="USD", tier=2), await holder(principal, country="US", currency="USD")
    await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount="100.00", idempotency_key="fund")
    change = await set_own_limits(principal=principal, customer_id=payer.customer_id, currency="usd",
                                  daily="10.00", per_transaction="8.00")
    assert (change.currency, change.limit.daily_minor, change.limit.single_max_minor) == ("USD", 1_000, 800)

    error = await refused(post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                                        amount="9.00", idempotency_key="over-single"))
    assert (error.code, error.message) == ("LIMIT_EXCEEDED", "single-transaction limit: at most 8.00 USD at once")
    await post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                        amount="6.00", idempotency_key="first")
    error = await refused(post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                                        amount="6.00", idempotency_key="second"))
    assert (error.code, error.message) == ("LIMIT_EXCEEDED", "daily limit of 10.00 USD exceeded: 4.00 USD remains")

    [view] = await customer_limits(customer_id=payer.customer_id, country="US", kyc_tier=2, currency="USD")
    assert (view.limits.daily, view.limits.single_max, view.remaining["daily"]) == (1_000, 800, 400)
    assert view.limits.monthly == 2_000_000  # the tier's own, untouched
    assert list(await own_limits_of(payer.customer_id)) == ["USD"]


async def test_a_limit_above_the_tiers_is_refused_and_nothing_changes(database_url):
    principal = await new_partner("acct")
    someone = await holder(principal, country="US", currency="USD", tier=2)  # daily and single 5,000.00 USD
    await set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", daily="100.00")
    events = await DomainEvent.filter(type="customer.limits_changed").count()
    for daily, single, field in (("5000.01", "1.00", "daily"), ("1.00", "5000.01", "perTransaction")):
        error = await refused(set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD",
                                             daily=daily, per_transaction=single))
        assert (error.code, error.field) == ("LIMIT_EXCEEDED", [field])
        assert "5000.00 USD" in error.message
    chinese = await holder(principal)  # China's pack covers CNY only
    error = await refused(set_own_limits(principal=principal, customer_id=chinese.customer_id, currency="EUR", daily="1.00"))
    assert error.code == "KYC_REQUIRED"  # its tier does not allow EUR at all
    for bad in (dict(daily="1.001"), dict(daily="-1"), dict(), dict(per_transaction="x")):
        error = await refused(set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", **bad))
        assert error.code in ("INVALID_AMOUNT", "VALIDATION"), bad
    error = await refused(set_own_limits(principal=principal, customer_id=someone.customer_id, currency="XXX", daily="1"))
    assert error.code == "UNSUPPORTED_CURRENCY"
    row = await CustomerOwnLimit.get(customer_id=someone.customer_id)
    assert (row.currency, row.daily_minor, row.single_max_minor) == ("USD", 10_000, None)
    assert not await CustomerOwnLimit.exists(customer_id=chinese.customer_id)
    assert await DomainEvent.filter(type="customer.limits_changed").count() == events


async def test_left_out_values_stay_null_clears_and_clearing_both_removes_the_row(database_url):
    principal = await new_partner("acct")
    someone = await holder(principal, country="US", currency="USD", tier=2)
    await set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", daily="50.00")
    change = await set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", per_transaction="0")
    assert (change.limit.daily_minor, change.limit.single_max_minor) == (5_000, 0)  # zero: no outgoing payment at all
    assert await own_limit_for(someone.customer_id, "USD") == change.limit  # the posting path sees the change at once
    change = await set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", daily=None)
    assert (change.limit.daily_minor, change.limit.single_max_minor) == (None, 0)
    change = await set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", per_transaction=None)
    assert change.limit is None
    assert not await CustomerOwnLimit.exists(customer_id=someone.customer_id)
    assert await own_limit_for(someone.customer_id, "USD") is None
    payloads = await DomainEvent.filter(type="customer.limits_changed", object_id=str(someone.customer_id)).order_by("id").values_list("payload", flat=True)
    assert payloads[-1] == {"customerId": str(someone.customer_id), "currency": "USD", "daily": None, "perTransaction": None}


async def test_a_customer_token_sets_its_own_limits_only(database_url):
    principal = await new_partner("acct")
    me, other = await holder(principal), await holder(principal)
    change = await set_own_limits(principal=customer_token(principal, me.customer_id), customer_id=me.customer_id,
                                  currency="CNY", daily="300.00")
    assert change.limit.daily_minor == 30_000
    error = await refused(set_own_limits(principal=customer_token(principal, me.customer_id), customer_id=other.customer_id,
                                         currency="CNY", daily="300.00"))
    assert (error.code, error.field) == ("NOT_FOUND", ["customerId"])
    assert not await CustomerOwnLimit.exists(customer_id=other.customer_id)


async def test_a_sweep_is_not_counted_against_the_customers_limits(database_url):
    principal = await new_partner("acct")
    someone = await holder(principal, country="US", currency="USD", tier=2)
    second = await open_wallet(principal=principal, customer_id=someone.customer_id, currency="USD")
    await post_top_up(principal=principal, wallet_id=someone.wallet_id, amount="50.00", idempotency_key="fund")
    await set_own_limits(principal=principal, customer_id=someone.customer_id, currency="USD", daily="0", per_transaction="0")
    closing = await close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second.id,
                                 idempotency_key="sweep-1")
    assert closing.sweep is not None and closing.sweep.amount_minor == 5_000
    usage = await LimitUsage.get_or_none(customer_id=someone.customer_id, currency="USD")
    assert usage is None or usage.day_out_minor == 0


# --- customerClose ----------------------------------------------------------------


async def test_a_customer_closes_only_once_every_wallet_is_closed_and_then_nothing_changes(database_url):
    principal = await new_partner("acct")
    someone = await holder(principal)
    second = await open_wallet(principal=principal, customer_id=someone.customer_id, currency="CNY")
    for still_open, message in ((2, "2 wallets are still open"), (1, "1 wallet is still open")):
        error = await refused(close_customer(principal=principal, customer_id=someone.customer_id))
        assert (error.code, error.field) == ("INVALID_STATE", ["customerId"])
        assert message in error.message
        assert (await Customer.get(id=someone.customer_id)).status == CustomerStatus.ACTIVE
        await close_wallet(principal=principal, wallet_id=someone.wallet_id if still_open == 2 else second.id)

    record = await close_customer(principal=principal, customer_id=someone.customer_id, reason="customer asked")
    assert record.status == CustomerStatus.CLOSED and record.closed_at is not None
    assert await DomainEvent.exists(type="customer.closed", object_id=str(someone.customer_id))

    for call in (
        open_wallet(principal=principal, customer_id=someone.customer_id, currency="CNY"),
        update_customer(principal=principal, customer_id=someone.customer_id, changes=ProfileChanges(email="a@b.example")),
        set_own_limits(principal=principal, customer_id=someone.customer_id, currency="CNY", daily="1.00"),
        close_customer(principal=principal, customer_id=someone.customer_id),
    ):
        error = await refused(call)
        assert (error.code, error.field) == ("INVALID_STATE", ["customerId"])
    assert await Wallet.filter(customer_id=someone.customer_id).count() == 2
    assert (await get_customer(principal=principal, customer_id=someone.customer_id)).status == CustomerStatus.CLOSED
    assert (await get_wallet(principal=principal, wallet_id=second.id)).status == WalletStatus.CLOSED  # still readable


async def test_a_customer_with_a_kyc_submission_under_review_stays_open(database_url):
    principal = await new_partner("acct")
    record = await open_customer_without_wallets(principal)
    # A bare row (no real ciphertexts): removed afterwards, so that no data-key rotation test meets it.
    pending = await KycSubmission.create(
        partner_id=principal.partner_id, customer_id=record, status=KycStatus.PENDING, open_customer_key=str(record),
        subject_kind=CustomerKind.INDIVIDUAL, nationality="CN", id_type="PASSPORT", legal_name_enc="x", id_number_enc="x",
        address_enc="x",
    )
    try:
        error = await refused(close_customer(principal=principal, customer_id=record))
        assert error.code == "KYC_PENDING"
        assert (await Customer.get(id=record)).status == CustomerStatus.ACTIVE
    finally:
        await pending.delete()


async def test_closing_a_customer_is_for_the_partner_itself(database_url):
    principal = await new_partner("acct")
    record = await open_customer_without_wallets(principal)
    with pytest.raises(Forbidden):
        await close_customer(principal=customer_token(principal, record), customer_id=record)
    error = await refused(close_customer(principal=await new_partner("acct"), customer_id=record))
    assert error.code == "NOT_FOUND"
    async with in_transaction():
        assert (await lock_open_customer(record, field=["customerId"])).status == CustomerStatus.ACTIVE


async def open_customer_without_wallets(principal: Principal) -> uuid.UUID:
    record = await create_customer(principal=principal, external_ref=f"bare-{secrets.token_hex(4)}", kind="INDIVIDUAL",
                                   display_name="Bare", country="CN")
    return record.id


# --- walletNicknameSet ------------------------------------------------------------


async def test_nicknames_are_set_cleared_and_kept_by_closed_wallets(database_url):
    principal = await new_partner("acct")
    me, other = await holder(principal), await holder(principal)
    token = customer_token(principal, me.customer_id)
    assert (await set_wallet_nickname(principal=token, wallet_id=me.wallet_id, nickname=" 旅行 Fund ")).nickname == "旅行 Fund"
    assert await DomainEvent.filter(type="wallet.renamed", object_id=str(me.wallet_id)).values_list("payload", flat=True) == [
        {"walletId": str(me.wallet_id), "customerId": str(me.customer_id)}]
    error = await refused(set_wallet_nickname(principal=token, wallet_id=other.wallet_id, nickname="Mine now"))
    assert (error.code, error.field) == ("NOT_FOUND", ["walletId"])
    assert (await Wallet.get(id=other.wallet_id)).nickname is None
    assert (await set_wallet_nickname(principal=principal, wallet_id=other.wallet_id, nickname=None)).nickname is None

    await close_wallet(principal=principal, wallet_id=me.wallet_id)
    error = await refused(set_wallet_nickname(principal=token, wallet_id=me.wallet_id, nickname="Renamed"))
    assert error.code == "INVALID_STATE"
    assert (await Wallet.get(id=me.wallet_id)).nickname == "旅行 Fund"
