"""services.compliance.strong_auth_check on the posting path: STEP_UP_REQUIRED changes nothing; a strong enough token passes.

Customers of the shipped packs: CN asks for a BIOMETRIC within 120 s above
5,000.00 CNY, the EU for two factors of different kinds within 300 s above
30.00 EUR (transfers and withdrawals; top-ups are not covered).
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from auth.principal import Principal
from models import IdempotencyRecord, LimitUsage, Transaction
from models.enums import PartnerStrongAuthMode, TransactionKind, TransactionStatus
from services.compliance.partner_strong_auth import set_partner_strong_auth
from services.compliance.strong_auth_check import check_strong_authentication, partner_strong_auth_mode
from services.errors import StepUpRequired
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from tests.integration.backend_support import balances
from tests.integration.service_support import Holder, holder, new_partner

_keys = iter(range(1, 1_000_000))


def key() -> str:
    return f"sca-{next(_keys)}"


def as_customer(partner: Principal, payer: Holder, methods: set[str] | None = None, age_s: int = 5) -> Principal:
    """The payer's customer token, with the authentication the partner said it did `age_s` seconds ago."""
    return Principal(kind="customer", subject=partner.subject, partner_id=partner.partner_id, scopes=partner.scopes,
                     customer_id=payer.customer_id, auth_methods=frozenset(methods or ()),
                     auth_time=int(time.time()) - age_s if methods else None)


async def scene(country: str, currency: str, fund: str) -> tuple[Principal, Holder, Holder]:
    partner = await new_partner("sca")
    payer = await holder(partner, country=country, currency=currency)
    payee = await holder(partner, country=country, currency=currency)
    await post_top_up(principal=partner, wallet_id=payer.wallet_id, amount=fund, idempotency_key=key())
    return partner, payer, payee


async def transfer(principal: Principal, payer: Holder, payee: Holder, amount: str, idempotency_key: str | None = None):
    return await post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                               amount=amount, idempotency_key=idempotency_key or key())


async def test_a_large_payment_with_a_password_only_token_is_refused_and_succeeds_with_a_fresh_biometric(database_url):
    partner, payer, payee = await scene("CN", "CNY", "10000.00")
    before = await balances(payer, payee)
    password_only = as_customer(partner, payer, {"PASSWORD"})
    with pytest.raises(StepUpRequired) as caught:
        await transfer(password_only, payer, payee, "6000.00", idempotency_key="big-payment")
    assert caught.value.code == "STEP_UP_REQUIRED" and caught.value.field == ["amount"]
    assert "needs a BIOMETRIC authentication within the last 120 seconds" in caught.value.message
    # Nothing changed: no money, no transaction, no key used, no limit counted.
    assert await balances(payer, payee) == before
    assert not await Transaction.filter(from_wallet_id=payer.wallet_id).exists()
    assert not await IdempotencyRecord.filter(partner_id=partner.partner_id).exclude(key__startswith="sca-").exists()
    assert not await LimitUsage.filter(customer_id=payer.customer_id).exists()
    # The same key, with a token that carries a fresh biometric: posted.
    fresh = as_customer(partner, payer, {"BIOMETRIC"})
    txn = await transfer(fresh, payer, payee, "6000.00", idempotency_key="big-payment")
    assert (txn.status, txn.amount_minor, txn.idempotency_key) == (TransactionStatus.POSTED, 600_000, "big-payment")
    assert await balances(payer, payee) == [(400_000, 0), (600_000, 0)]
    # A retry of the posted payment replays it, whatever the retrying token carries.
    assert (await transfer(password_only, payer, payee, "6000.00", idempotency_key="big-payment")).id == txn.id


async def test_a_stale_biometric_is_refused_and_a_payment_at_the_threshold_needs_nothing(database_url):
    partner, payer, payee = await scene("CN", "CNY", "20000.00")
    with pytest.raises(StepUpRequired):
        await transfer(as_customer(partner, payer, {"BIOMETRIC"}, age_s=121), payer, payee, "5000.01")
    with pytest.raises(StepUpRequired):  # two factors, but the CN rule asks for a biometric
        await transfer(as_customer(partner, payer, {"PASSWORD", "DEVICE_BOUND"}), payer, payee, "5000.01")
    at_threshold = await transfer(as_customer(partner, payer), payer, payee, "5000.00")  # not above: no factor needed
    assert at_threshold.status == TransactionStatus.POSTED
    with pytest.raises(StepUpRequired):  # withdrawals are covered too
        await post_withdrawal(principal=as_customer(partner, payer, {"PIN"}), wallet_id=payer.wallet_id,
                              amount="5000.01", idempotency_key=key())
    withdrawn = await post_withdrawal(principal=as_customer(partner, payer, {"BIOMETRIC"}, age_s=119),
                                      wallet_id=payer.wallet_id, amount="5000.01", idempotency_key=key())
    assert withdrawn.kind == TransactionKind.WITHDRAWAL


async def test_the_eu_rule_counts_categories_not_methods(database_url):
    partner, payer, payee = await scene("FR", "EUR", "1000.00")
    with pytest.raises(StepUpRequired) as caught:
        await transfer(as_customer(partner, payer, {"PASSWORD", "PIN"}), payer, payee, "30.01")
    assert "needs two authentication factors of different kinds" in caught.value.message
    assert "within the last 300 seconds" in caught.value.message and "above 30.00 EUR" in caught.value.message
    with pytest.raises(StepUpRequired):
        await transfer(as_customer(partner, payer, {"PASSWORD", "DEVICE_BOUND"}, age_s=301), payer, payee, "30.01")
    ok = await transfer(as_customer(partner, payer, {"PASSWORD", "DEVICE_BOUND"}), payer, payee, "30.01")
    assert ok.status == TransactionStatus.POSTED
    low_value = await transfer(as_customer(partner, payer), payer, payee, "30.00")  # PSD2's low-value exemption
    assert low_value.status == TransactionStatus.POSTED
    assert await balances(payer) == [(100_000 - 6_001, 0)]


async def test_a_partner_token_is_governed_by_the_banks_setting_for_the_partner(database_url):
    partner, payer, payee = await scene("CN", "CNY", "30000.00")
    assert await partner_strong_auth_mode(partner.partner_id) == PartnerStrongAuthMode.EXEMPT
    assert (await transfer(partner, payer, payee, "6000.00")).status == TransactionStatus.POSTED  # EXEMPT: today's behaviour
    await set_partner_strong_auth(partner_id=partner.partner_id, mode="REQUIRE_CUSTOMER_TOKEN")
    before = await balances(payer, payee)
    with pytest.raises(StepUpRequired) as caught:
        await transfer(partner, payer, payee, "6000.00", idempotency_key="server-side")
    assert "with a customer token" in caught.value.message and "BIOMETRIC" in caught.value.message
    assert await balances(payer, payee) == before
    assert not await IdempotencyRecord.filter(partner_id=partner.partner_id, key="server-side").exists()
    # What no rule covers still passes: small amounts, and top-ups.
    assert (await transfer(partner, payer, payee, "100.00")).status == TransactionStatus.POSTED
    await post_top_up(principal=partner, wallet_id=payer.wallet_id, amount="9000.00", idempotency_key=key())
    # A customer token carrying the authentication is the way.
    assert (await transfer(as_customer(partner, payer, {"BIOMETRIC"}), payer, payee, "6000.00",
                           idempotency_key="server-side")).status == TransactionStatus.POSTED
    await set_partner_strong_auth(partner_id=partner.partner_id, mode="EXEMPT")
    assert (await transfer(partner, payer, payee, "6000.00")).status == TransactionStatus.POSTED


async def test_the_default_pack_asks_nothing_and_staff_are_not_checked(database_url):
    partner, payer, payee = await scene("US", "USD", "5000.00")
    posted = await transfer(as_customer(partner, payer), payer, payee, "4000.00")  # below AML's new-wallet hold
    assert posted.status == TransactionStatus.POSTED
    staff = Principal(kind="staff", subject="s", partner_id=None, role="admin")
    await check_strong_authentication(staff, kind=TransactionKind.TRANSFER, customer_id=payer.customer_id,
                                      amount_minor=10**12, currency="USD")
    cn_partner, cn_payer, _ = await scene("CN", "CNY", "1.00")
    await check_strong_authentication(replace(staff, partner_id=cn_partner.partner_id), kind=TransactionKind.TRANSFER,
                                      customer_id=cn_payer.customer_id, amount_minor=10**9, currency="CNY")
