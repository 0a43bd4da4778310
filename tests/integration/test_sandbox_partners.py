"""Sandbox partners on the services: environment, tokens, test money, magic KYC values, reports and ledger checks.

services.partners.environment (a partner's LIVE or SANDBOX, remembered),
services.ledger.posting.post_sandbox_fund (SANDBOX_FUND through the one
posting engine), the sandbox account standing in for the bank's settlement
and fee revenue accounts, services.kyc.sandbox (magic idNumbers), and the
environment filters of fee revenue and AML alerts. The API side, both ways,
is tests/api/test_sandbox_isolation.py.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from auth.principal import LIVE, SANDBOX, Principal
from auth.roles import permissions_of
from auth.scopes import PARTNER_SCOPES
from models import Account, AmlAlert, Customer, Entry, Transaction
from models.enums import AccountKind, KycStatus, PartnerEnvironment, TransactionKind
from services.aml.alert_queries import list_alerts
from services.caches import PARTNER_ENVIRONMENTS
from services.customers import create_customer
from services.delegated_tokens import create_customer_token
from services.errors import Forbidden, IdempotencyConflict, LimitExceeded, NotFound, ValidationFailed, WalletNotActive
from services.fees.revenue import fee_revenue
from services.fees.schedule import create_rule
from services.kyc.application import DocumentIn, KycApplication
from services.kyc.sandbox import MAGIC_ID_NUMBERS, SANDBOX_REVIEWER
from services.kyc.submission import submit_kyc
from services.ledger.posting import post_sandbox_fund, post_top_up, post_transfer, post_withdrawal
from services.ledger.verify import verify_ledger
from services.partners.environment import (
    environments_of, is_sandbox_partner, parse_environment, partner_environment, partner_environment_of,
    require_sandbox_partner,
)
from services.partners.onboarding import create_partner
from services.system_accounts import sandbox_account_id, system_account_id
from services.token_liveness import principal_is_live
from services.wallet_freeze import freeze_wallet
from tests.integration.service_support import holder, new_partner
from tests.integration.token_support import authority

OFFICER = Principal(kind="staff", subject=str(uuid.UUID(int=12)), partner_id=None, role="compliance",
                    scopes=permissions_of("compliance"), environment=None)
_names = iter(range(1, 10_000))


async def sandbox_partner(prefix: str = "sandbox") -> Principal:
    """A new sandbox partner and the principal of its first API client's token (env sandbox)."""
    created = await create_partner(name=f"{prefix}-{next(_names):04d}", environment="SANDBOX")
    return Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                     scopes=frozenset(PARTNER_SCOPES), environment=SANDBOX)


# --- the environment --------------------------------------------------------------


async def test_a_partner_is_live_unless_created_as_sandbox(database_url):
    live = await create_partner(name="env-live")
    sandbox = await create_partner(name="env-sandbox", environment=PartnerEnvironment.SANDBOX)
    assert (live.partner.environment, sandbox.partner.environment) == (PartnerEnvironment.LIVE, PartnerEnvironment.SANDBOX)
    PARTNER_ENVIRONMENTS.clear()
    assert await partner_environment(sandbox.partner.id) is PartnerEnvironment.SANDBOX
    assert PARTNER_ENVIRONMENTS.get(sandbox.partner.id) is PartnerEnvironment.SANDBOX  # remembered: it never changes
    assert await is_sandbox_partner(sandbox.partner.id) and not await is_sandbox_partner(live.partner.id)
    assert await partner_environment(uuid.uuid4()) is None and not await is_sandbox_partner(None)
    ids = [live.partner.id, sandbox.partner.id, uuid.uuid4()]
    assert await environments_of(ids) == {live.partner.id: PartnerEnvironment.LIVE, sandbox.partner.id: PartnerEnvironment.SANDBOX}


async def test_an_unknown_environment_is_refused(database_url):
    assert parse_environment(None) is PartnerEnvironment.LIVE and parse_environment("sandbox") is PartnerEnvironment.SANDBOX
    with pytest.raises(ValidationFailed) as caught:
        await create_partner(name="env-bad", environment="STAGING")
    assert caught.value.field == ["environment"]


# --- tokens -------------------------------------------------------------------------


async def test_tokens_carry_the_environment_and_a_mismatch_is_refused(database_url):
    tokens = await authority()
    sandbox = await create_partner(name="env-token-sandbox", environment="SANDBOX")
    live = await create_partner(name="env-token-live")

    def token_of(created, environment):  # noqa: ANN001, ANN202
        token, _ = tokens.issue_partner_token(client_id=created.client.client_id, partner_id=created.partner.id,
                                              scopes=["wallets:read"], ttl_s=300, environment=environment)
        return tokens.verify(token)

    good = token_of(sandbox, "SANDBOX")
    assert good.environment == SANDBOX and good.is_sandbox and partner_environment_of(good) is PartnerEnvironment.SANDBOX
    assert await principal_is_live(good)
    assert await principal_is_live(token_of(live, LIVE))
    # The environment the token claims must be its partner's: a live claim for a sandbox partner, and the other way round.
    assert not await principal_is_live(token_of(sandbox, LIVE))
    assert not await principal_is_live(token_of(live, SANDBOX))
    assert not await principal_is_live(replace(good, environment=LIVE, token_id=uuid.uuid4().hex))


async def test_a_customer_token_inherits_its_partners_environment(database_url):
    tokens = await authority()
    partner = await sandbox_partner("env-customer-token")
    customer = await create_customer(principal=partner, external_ref="env-ct-1", kind="INDIVIDUAL",
                                     display_name="Sandy", country="CN")
    minted = await create_customer_token(principal=partner, tokens=tokens, customer_id=customer.id,
                                         scopes=["wallets:read"], ttl_s=120)
    principal = tokens.verify(minted.token)
    assert (principal.kind, principal.environment) == ("customer", SANDBOX)
    assert await principal_is_live(principal)


# --- test money -----------------------------------------------------------------------


async def test_sandbox_fund_mints_test_money_from_the_partners_own_sandbox_account(database_url):
    partner = await sandbox_partner()
    wallet = await holder(partner)
    txn = await post_sandbox_fund(principal=partner, wallet_id=wallet.wallet_id, amount="250.00", idempotency_key="mint-1")
    assert (txn.kind, txn.amount_minor, txn.fee_minor) == (TransactionKind.SANDBOX_FUND, 25_000, 0)
    entries = await Entry.filter(transaction_id=txn.id).order_by("amount_minor").values_list("account_id", "amount_minor")
    mint = await sandbox_account_id(partner.partner_id, "CNY")
    assert entries == [(mint, -25_000), (wallet.account_id, 25_000)]
    account = await Account.get(id=mint)
    assert (account.kind, account.partner_id, account.tracks_balance) == (AccountKind.SANDBOX, partner.partner_id, False)  # type: ignore[attr-defined]
    assert (await Account.get(id=wallet.account_id)).balance_minor == 25_000
    # Idempotent like a top-up: the same key and input replay the original, other input is a conflict.
    again = await post_sandbox_fund(principal=partner, wallet_id=wallet.wallet_id, amount="250.00", idempotency_key="mint-1")
    assert again.id == txn.id and (await Account.get(id=wallet.account_id)).balance_minor == 25_000
    with pytest.raises(IdempotencyConflict):
        await post_sandbox_fund(principal=partner, wallet_id=wallet.wallet_id, amount="1.00", idempotency_key="mint-1")
    assert (await verify_ledger()).ok


async def test_sandbox_fund_is_for_a_sandbox_partners_own_token_only(database_url):
    live = await new_partner("live-mint")
    live_wallet = await holder(live)
    for principal in (live, replace(live, environment=SANDBOX)):  # a live partner, even claiming sandbox
        with pytest.raises(Forbidden):
            await post_sandbox_fund(principal=principal, wallet_id=live_wallet.wallet_id, amount="1.00", idempotency_key="x")
    sandbox = await sandbox_partner()
    sandbox_wallet = await holder(sandbox)
    for principal in (replace(sandbox, environment=LIVE), OFFICER,
                      replace(sandbox, kind="customer", customer_id=sandbox_wallet.customer_id)):
        with pytest.raises(Forbidden):
            await require_sandbox_partner(principal, "sandboxFund")
    assert await Transaction.filter(partner_id=live.partner_id, kind=TransactionKind.SANDBOX_FUND).count() == 0


async def test_sandbox_fund_keeps_the_wallets_rules(database_url):
    partner = await sandbox_partner()
    other = await sandbox_partner()
    # Another (sandbox) partner's wallet is not found, as for any posting.
    stranger = await holder(other)
    with pytest.raises(NotFound):
        await post_sandbox_fund(principal=partner, wallet_id=stranger.wallet_id, amount="1.00", idempotency_key="n")
    # The customer's tier caps the balance (the EU pack's tier 1 holds at most 150 EUR).
    small = await holder(partner, country="DE", currency="EUR", tier=1)
    with pytest.raises(LimitExceeded):
        await post_sandbox_fund(principal=partner, wallet_id=small.wallet_id, amount="150.01", idempotency_key="max")
    await post_sandbox_fund(principal=partner, wallet_id=small.wallet_id, amount="150.00", idempotency_key="max-ok")
    # A frozen wallet takes nothing.
    frozen = await holder(partner)
    await freeze_wallet(principal=OFFICER, wallet_id=frozen.wallet_id, reason="sandbox test")
    with pytest.raises(WalletNotActive):
        await post_sandbox_fund(principal=partner, wallet_id=frozen.wallet_id, amount="1.00", idempotency_key="frozen")


async def test_sandbox_money_never_touches_the_banks_real_accounts(database_url):
    partner = await sandbox_partner("sandbox-edges")
    await create_rule(terms={"partner_id": partner.partner_id, "kind": "TRANSFER", "currency": "CNY", "fixed_minor": 300},
                      created_by="test:sandbox")
    payer, payee = await holder(partner), await holder(partner)
    await post_top_up(principal=partner, wallet_id=payer.wallet_id, amount="100.00", idempotency_key="in")
    await post_transfer(principal=partner, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                        amount="10.00", idempotency_key="fee")
    await post_withdrawal(principal=partner, wallet_id=payee.wallet_id, amount="5.00", idempotency_key="out")
    bank = {await system_account_id(AccountKind.SETTLEMENT, "CNY"), await system_account_id(AccountKind.FEE_REVENUE, "CNY")}
    touched = set(await Entry.filter(partner_id=partner.partner_id).values_list("account_id", flat=True))
    mint = await sandbox_account_id(partner.partner_id, "CNY")
    assert not touched & bank and mint in touched
    # Its top-up, fee and withdrawal all went through the sandbox account: -100 + 3 + 5.
    assert sum(await Entry.filter(account_id=mint).values_list("amount_minor", flat=True)) == -9_200
    assert (await verify_ledger()).ok


async def test_live_revenue_leaves_sandbox_fees_out_unless_asked(database_url):
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    live, sandbox = await new_partner("rev-live"), await sandbox_partner("rev-sandbox")
    for principal, fixed in ((live, 200), (sandbox, 700)):
        await create_rule(terms={"partner_id": principal.partner_id, "kind": "TRANSFER", "currency": "CNY",
                                 "fixed_minor": fixed}, created_by="test:sandbox")
        payer, payee = await holder(principal), await holder(principal)
        fund = post_top_up if principal is live else post_sandbox_fund
        await fund(principal=principal, wallet_id=payer.wallet_id, amount="100.00", idempotency_key="in")
        await post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                            amount="10.00", idempotency_key="fee")
    end = datetime.now(timezone.utc) + timedelta(seconds=1)

    def groups(lines):  # noqa: ANN001, ANN202
        return {line.partner_id: line.fee_minor for line in lines}

    live_lines = groups(await fee_revenue(occurred_from=start, occurred_to=end, group_by="PARTNER"))
    assert live_lines.get(live.partner_id) == 200 and sandbox.partner_id not in live_lines
    sandbox_lines = groups(await fee_revenue(occurred_from=start, occurred_to=end, group_by="PARTNER", environment="SANDBOX"))
    assert sandbox_lines.get(sandbox.partner_id) == 700 and live.partner_id not in sandbox_lines


# --- magic KYC values -------------------------------------------------------------------


def _application(id_number: str) -> KycApplication:
    return KycApplication(
        legal_name="Sandy Testcase", date_of_birth="1990-01-01", nationality="CN", id_type="PASSPORT", id_number=id_number,
        address="1 Sandbox Road, Suzhou", documents=[DocumentIn(type="PASSPORT", sha256="a" * 64, file_name="scan.pdf")],
    )


async def _submit(partner: Principal, id_number: str, country: str = "CN"):  # noqa: ANN202 - (record, customer)
    customer = await create_customer(principal=partner, external_ref=f"kyc-{uuid.uuid4().hex[:12]}", kind="INDIVIDUAL",
                                     display_name="Sandy", country=country)
    record = await submit_kyc(principal=partner, customer_id=customer.id, application=_application(id_number))
    return record, await Customer.get(id=customer.id)


@pytest.mark.parametrize(("id_number", "status", "tier"), [
    ("SANDBOX-APPROVE-1", KycStatus.APPROVED, 1), ("SANDBOX-APPROVE-2", KycStatus.APPROVED, 2),
    ("sandbox-approve-3", KycStatus.APPROVED, 3), ("SANDBOX-REJECT", KycStatus.REJECTED, 0),
    ("SANDBOX-NEEDS-INFO", KycStatus.NEEDS_INFO, 0), ("E12345678", KycStatus.PENDING, 0),
])
async def test_a_sandbox_partners_magic_id_number_decides_the_review_at_once(database_url, id_number, status, tier):
    record, customer = await _submit(await sandbox_partner("kyc-magic"), id_number)
    assert (record.status, customer.kyc_status, customer.kyc_tier) == (status, status, tier)
    if status is KycStatus.PENDING:
        assert record.reviewed_by is None  # any other value waits for a reviewer
    else:
        assert record.reviewed_by == SANDBOX_REVIEWER and record.review_reason == MAGIC_ID_NUMBERS[id_number.upper()].reason
        assert record.tier_granted == (tier if status is KycStatus.APPROVED else None)


async def test_a_live_partner_sending_magic_values_gets_a_normal_pending_review(database_url):
    live = await new_partner("kyc-live-magic")
    for id_number in MAGIC_ID_NUMBERS:
        record, customer = await _submit(live, id_number)
        assert (record.status, customer.kyc_status, customer.kyc_tier, record.reviewed_by) == (
            KycStatus.PENDING, KycStatus.PENDING, 0, None)


async def test_a_magic_tier_the_customers_pack_lacks_is_refused_before_anything_is_stored(database_url, monkeypatch):
    from services.kyc import sandbox as kyc_sandbox

    partner = await sandbox_partner("kyc-magic-tier")
    monkeypatch.setitem(kyc_sandbox.MAGIC_ID_NUMBERS, "SANDBOX-APPROVE-9", kyc_sandbox.MagicDecision("APPROVE", 9, "t"))
    with pytest.raises(ValidationFailed) as caught:
        await _submit(partner, "SANDBOX-APPROVE-9")
    assert caught.value.field == ["idNumber"]


# --- AML alerts --------------------------------------------------------------------------


async def test_staff_filter_alerts_by_their_partners_environment(database_url):
    live, sandbox = await new_partner("aml-live"), await sandbox_partner("aml-sandbox")
    alerts = {}
    for principal in (live, sandbox):
        who = await holder(principal)
        alerts[principal.partner_id] = (await AmlAlert.create(
            partner_id=principal.partner_id, customer_id=who.customer_id, rule="LARGE_TRANSACTION", severity="LOW",
            action="ALERT", details={"sandbox-test": True},
        )).id

    async def listed(environment: str | None) -> set[uuid.UUID]:
        page = await list_alerts(principal=OFFICER, first=100, after=None, environment=environment)
        return {a.id for a in page.items} & set(alerts.values())

    assert await listed("LIVE") == {alerts[live.partner_id]}
    assert await listed("SANDBOX") == {alerts[sandbox.partner_id]}
    assert await listed(None) == set(alerts.values())
    with pytest.raises(ValidationFailed):
        await listed("STAGING")
