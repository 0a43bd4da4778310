"""internationalTransferCreate: pay a beneficiary abroad from a wallet, at an FX quote, through a cross-border rail.

One posting through the one engine: kind WITHDRAWAL at the quote (services.ledger.plan _fx_payout: the wallet pays
the sell amount to the FX position, the FX position in the buy currency pays the buy amount out through the
settlement account of that currency, FX revenue takes the spread). The fee is the withdrawal fee (fee_for, as
feeQuote answers for WITHDRAWAL) plus the quote's conversion fee, both in the sell currency; a dry run shows both,
and the rate, before anything moves. The posting is HELD from the start (pending_on_rail): the rail transfer
written with it (source_kind BENEFICIARY) goes through the rails' one lifecycle (services.rails): SETTLED posts
the held legs, FAILED rejects them, RETURNED gives the sell amount back with a RAIL_RETURN.

The sender's policy pack decides (services.cross_border.policy): a tier without crossBorder is KYC_REQUIRED, a
refused country COUNTRY_REFUSED, a review country sends the transfer to compliance (an OPEN HOLD alert: the rail
gets it only once released), the purpose code is checked per region, and the annual quota is counted under the
lock of the customer's quota-year row (services.cross_border.quota) in the same database transaction as the
posting and the transfer's rows.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert, Beneficiary, Customer, FxQuote, IdempotencyRecord, InternationalTransfer, RailTransfer
from models.enums import AccountKind, TransactionKind
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.beneficiaries.records import ACTIVE
from services.compliance.policies import Pack, pack_for_country
from services.cross_border.policy import CrossBorderRules
from services.cross_border.purpose_codes import check_purpose_code
from services.cross_border.quota import check_quota, lock_quota_year, used_minor
from services.cross_border.quota_math import quota_year, to_quota_minor
from services.cross_border.records import InternationalTransferRecord, InternationalTransferResult
from services.cross_border.travel_rule import seal_travel_rule, travel_rule_document
from services.db.wallet_rows import WalletFacts, wallet_facts
from services.errors import BeneficiaryNotActive, CountryRefused, KycRequired, NotFound, QuoteAlreadyUsed, QuoteExpired
from services.events import record_domain_event
from services.fees.charging import fee_for
from services.fx.quotes import LockedQuote, lock_quote, locked_for
from services.fx.rates import mid_rate
from services.fx.records import FxQuoteRecord
from services.fx.transfers import with_transfer_fee
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest, check_request
from services.money import format_amount
from services.partners.environment import is_sandbox_partner
from services.rails.registry import DEFAULT_RAIL
from services.scoping import of_tenant, own_customer, partner_scoped
from services.system_accounts import sandbox_account_id, system_account_id
from services.live.after_commit import announcements_after_commit

OPERATION = "internationalTransferCreate"
# The rail that carries international transfers: the simulated rail here; a bank registers its own cross-border
# rail under a name (services.rails.registry) and names it here.
CROSS_BORDER_RAIL = DEFAULT_RAIL
SOURCE_KIND = "BENEFICIARY"
REVIEW_RULE = "CROSS_BORDER_REVIEW"


async def _wallet(principal: Principal, wallet_id: uuid.UUID | None) -> WalletFacts:
    """The paying wallet: the caller's (a customer token's own), else NOT_FOUND."""
    facts = (await wallet_facts(principal.partner_id, [wallet_id])).get(wallet_id) if wallet_id else None
    if facts is None or not own_customer(principal, facts.customer_id):
        raise NotFound("wallet not found", field=["fromWalletId"])
    return facts


async def _beneficiary(principal: Principal, beneficiary_id: uuid.UUID | None, customer_id: uuid.UUID) -> Beneficiary:
    """The wallet customer's own ACTIVE beneficiary (another customer's or partner's: NOT_FOUND)."""
    row = await partner_scoped(Beneficiary, principal).get_or_none(id=beneficiary_id) if beneficiary_id else None
    if row is None or row.customer_id != customer_id:  # type: ignore[attr-defined]
        raise NotFound("beneficiary not found", field=["beneficiaryId"])
    if row.status != ACTIVE:
        raise BeneficiaryNotActive(f"the beneficiary is {row.status}: nothing is paid to it", field=["beneficiaryId"])
    return row


def _check_policy(pack: Pack, customer: Customer, beneficiary: Beneficiary, purpose_code: str | None) -> str | None:
    """The pack's rules for this sender and destination; the cleaned purpose code."""
    tier = pack.tier_for(customer.kyc_tier)
    if not tier.cross_border:
        raise KycRequired(f"{tier.name} ({pack.jurisdiction}) does not allow cross-border transfers",
                          field=["fromWalletId"])
    rules = pack.cross_border
    if beneficiary.country in rules.refused_countries:
        raise CountryRefused(f"transfers to {beneficiary.country} are refused ({pack.jurisdiction} policy)",
                             field=["beneficiaryId"])
    return check_purpose_code(purpose_code, allowed=rules.purpose_codes, required=rules.purpose_code_required)


async def _quota_minor(rules: CrossBorderRules, customer: Customer, quote: FxQuoteRecord) -> int | None:
    """What the transfer counts against the annual quota, in the quota currency (None: no quota applies)."""
    quota = rules.annual_quota
    if quota is None or customer.kind.value not in quota.customer_kinds:
        return None
    if quote.buy_currency == quota.currency:
        return quote.buy_amount_minor  # exactly what leaves in the quota currency
    if quote.sell_currency == quota.currency:
        return quote.sell_amount_minor
    # Neither side is the quota currency: the sell amount at the mid rate in force, rounded up (never under-count).
    rate = await mid_rate(quote.sell_currency, quota.currency)
    return to_quota_minor(quote.sell_amount_minor, quote.sell_currency, quota.currency, rate.rate_e9)


async def _request(principal: Principal, locked: LockedQuote, *, wallet_id: uuid.UUID, beneficiary_id: uuid.UUID,
                   purpose: str | None, idempotency_key: str, dry_run: bool, transaction_id: uuid.UUID) -> PostingRequest:
    """The held WITHDRAWAL at the quote, its fee the withdrawal fee plus the quote's conversion fee."""
    quote = locked.quote
    withdrawal_fee = await fee_for(principal=principal, kind=TransactionKind.WITHDRAWAL.value,
                                   amount_minor=quote.sell_amount_minor, currency=quote.sell_currency,
                                   from_wallet_id=wallet_id, to_wallet_id=None)
    return PostingRequest(
        operation=OPERATION, kind=TransactionKind.WITHDRAWAL, idempotency_key=idempotency_key,
        amount_text=format_amount(quote.sell_amount_minor, quote.sell_currency), currency=quote.sell_currency,
        from_wallet_id=wallet_id, to_wallet_id=None, from_field="fromWalletId", to_field="beneficiaryId",
        requires_from=True, claim=None if dry_run else locked.claim, dry_run=dry_run, pending_on_rail=True,
        subject=f"Beneficiary:{beneficiary_id}:FxQuote:{quote.id}:{purpose or ''}", transaction_id=transaction_id,
        fx=replace(locked.cross, fee=with_transfer_fee(withdrawal_fee, locked.cross.fee)),
    )


async def create_international_transfer(
    *, principal: Principal, from_wallet_id: uuid.UUID | None, beneficiary_id: uuid.UUID | None,
    quote_id: uuid.UUID | None, purpose_code: str | None, idempotency_key: str, dry_run: bool = False,
    audit: AuditNote | None = None,
) -> InternationalTransferResult:
    """Pay the beneficiary at the quote (HELD until its rail settles), or (dryRun) show the fee and rate first."""
    facts = await _wallet(principal, from_wallet_id)
    assert from_wallet_id is not None
    beneficiary = await _beneficiary(principal, beneficiary_id, facts.customer_id)
    customer = await Customer.get(id=facts.customer_id)
    pack = await pack_for_country(customer.country)
    purpose = _check_policy(pack, customer, beneficiary, purpose_code)
    transaction_id = uuid7()
    try:
        locked = await lock_quote(principal=principal, quote_id=quote_id, sell_currency=facts.currency,
                                  buy_currency=beneficiary.currency, customer_id=facts.customer_id,
                                  from_wallet_id=from_wallet_id, transaction_id=transaction_id)
    except (QuoteAlreadyUsed, QuoteExpired) as refusal:
        # A retry of a transfer that went through: the engine replays its original answer (same key, same input).
        if dry_run or (replay := await _replay(principal, quote_id, from_wallet_id, beneficiary.id, purpose,
                                               idempotency_key)) is None:
            raise refusal
        return replay
    req = await _request(principal, locked, wallet_id=from_wallet_id, beneficiary_id=beneficiary.id, purpose=purpose,
                         idempotency_key=idempotency_key, dry_run=dry_run, transaction_id=transaction_id)
    quota = await _quota_minor(pack.cross_border, customer, locked.quote)
    year = quota_year(clock.now(), pack.timezone.key)
    if dry_run:
        if quota is not None:
            check_quota(used=await used_minor(customer.id, year), adding=quota, quota_minor=_quota_of(pack),
                        currency=_quota_currency(pack))
        txn = await post(principal, req, None)
        return InternationalTransferResult(transaction=txn, transfer=None, customer_rate_e9=locked.quote.customer_rate_e9)
    await _bank_side_accounts(principal, locked.quote)
    transfer_id = uuid7()
    sealed = await seal_travel_rule(await travel_rule_document(customer=customer, wallet_id=from_wallet_id,
                                                               beneficiary=beneficiary), transfer_id)
    key = check_request(principal, req).key
    try:
        async with announcements_after_commit(), in_transaction() as conn:  # live updates after the commit
            if quota is not None:
                # The lock comes first: a second transfer of this person waits here, then counts this one's usage.
                await lock_quota_year(customer.id, year, clock.now())
            if not await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=key).exists():
                if quota is not None:
                    check_quota(used=await used_minor(customer.id, year), adding=quota, quota_minor=_quota_of(pack),
                                currency=_quota_currency(pack))
                txn = await post(principal, req, audit)
                review = beneficiary.country in pack.cross_border.review_countries
                record = await _write_transfer(
                    transfer_id, txn, locked.quote, customer, beneficiary, purpose=purpose, sealed=sealed,
                    review=review, quota=(year, _quota_currency(pack), quota) if quota is not None else None, conn=conn)
                return InternationalTransferResult(transaction=txn, transfer=record,
                                                   customer_rate_e9=locked.quote.customer_rate_e9, audited=txn.audited)
    except (IntegrityError, OperationalError, TransactionManagementError):
        # A concurrent request of another customer with the same key won its unique index: this transaction was
        # aborted (PostgreSQL), so the replay (or IDEMPOTENCY_CONFLICT) is answered below, outside it.
        if not await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=key).exists():
            raise
    # The key was used already: the engine replays its original answer (or IDEMPOTENCY_CONFLICT), outside the lock.
    txn = await post(principal, req, None)
    return await _result_of(txn)


def _quota_of(pack: Pack) -> int:
    """The pack's annual quota in minor units of its currency (only called when the pack has one)."""
    assert pack.cross_border.annual_quota is not None
    return pack.cross_border.annual_quota.amount_minor


def _quota_currency(pack: Pack) -> str:
    """The pack's annual quota currency (only called when the pack has one)."""
    assert pack.cross_border.annual_quota is not None
    return pack.cross_border.annual_quota.currency


async def _bank_side_accounts(principal: Principal, quote: FxQuoteRecord) -> None:
    """Create the bank's accounts the posting needs before its transaction (one created inside could roll back)."""
    sell, buy = quote.sell_currency, quote.buy_currency
    if await is_sandbox_partner(principal.partner_id):
        for currency in (sell, buy):
            await sandbox_account_id(principal.partner_id, currency)
        return
    await system_account_id(AccountKind.SETTLEMENT, buy)
    await system_account_id(AccountKind.FX_POSITION, sell)
    await system_account_id(AccountKind.FX_POSITION, buy)
    await system_account_id(AccountKind.FX_REVENUE, buy)
    await system_account_id(AccountKind.FEE_REVENUE, sell)


async def _write_transfer(transfer_id: uuid.UUID, txn: TransactionRecord, quote: FxQuoteRecord, customer: Customer,
                          beneficiary: Beneficiary, *, purpose: str | None, sealed: str, review: bool,
                          quota: tuple[int, str, int] | None, conn: BaseDBAsyncClient) -> InternationalTransferRecord:
    """The rail transfer, the international transfer, the review hold and the event, in the posting's transaction."""
    rail = await RailTransfer.create(
        partner_id=customer.partner_id, wallet_id=txn.from_wallet_id, direction="OUT",  # type: ignore[attr-defined]
        rail=CROSS_BORDER_RAIL, source_kind=SOURCE_KIND, source_id=beneficiary.id,
        # The rail carries the sell amount in the wallet's currency: a RETURNED transfer gives exactly it back.
        amount_minor=quote.sell_amount_minor, currency=quote.sell_currency, transaction_id=txn.id, status="SUBMITTING", using_db=conn)
    row = await InternationalTransfer.create(
        id=transfer_id, partner_id=customer.partner_id, customer_id=customer.id,  # type: ignore[attr-defined]
        wallet_id=txn.from_wallet_id, beneficiary_id=beneficiary.id, transaction_id=txn.id, rail_transfer_id=rail.id,
        quote_id=quote.id, purpose_code=purpose, destination_country=beneficiary.country,
        sell_amount_minor=quote.sell_amount_minor, sell_currency=quote.sell_currency,
        buy_amount_minor=quote.buy_amount_minor, buy_currency=quote.buy_currency, fee_minor=txn.fee_minor,
        customer_rate_e9=quote.customer_rate_e9, quota_year=quota[0] if quota else None,
        quota_currency=quota[1] if quota else None, quota_minor=quota[2] if quota else 0, compliance_review=review,
        travel_rule_enc=sealed, using_db=conn)
    if review:
        await _review_hold(txn, customer, quote, conn)
    await record_domain_event(
        type="international_transfer.created", partner_id=customer.partner_id,  # type: ignore[attr-defined]
        object_type="InternationalTransfer", object_id=row.id,
        payload={"internationalTransferId": str(row.id), "beneficiaryId": str(beneficiary.id),
                 "transactionId": str(txn.id), "railTransferId": str(rail.id),
                 "amount": money(quote.sell_amount_minor, quote.sell_currency),
                 "buyAmount": money(quote.buy_amount_minor, quote.buy_currency), "country": beneficiary.country},
        using_db=conn)
    return InternationalTransferRecord.from_row(row, rail.status)


async def _review_hold(txn: TransactionRecord, customer: Customer, quote: FxQuoteRecord, conn: BaseDBAsyncClient) -> None:
    """A review country: an OPEN HOLD alert on the transaction, so the rail gets it only once compliance releases it."""
    alert = await AmlAlert.create(
        partner_id=customer.partner_id, customer_id=customer.id, wallet_id=txn.from_wallet_id,  # type: ignore[attr-defined]
        transaction_id=txn.id, rule=REVIEW_RULE, severity="MEDIUM", action="HOLD", status="OPEN",
        details={"amountMinor": quote.sell_amount_minor}, using_db=conn)
    await record_domain_event(
        type="aml.alert_raised", partner_id=None, object_type="AmlAlert", object_id=alert.id,
        payload={"alertId": str(alert.id), "rule": REVIEW_RULE, "severity": "MEDIUM", "action": "HOLD",
                 "transactionId": str(txn.id), "customerId": str(customer.id),
                 "partnerId": str(customer.partner_id)}, using_db=conn)  # type: ignore[attr-defined]


async def _result_of(txn: TransactionRecord) -> InternationalTransferResult:
    """The answer for a posted (or replayed) transaction: its international transfer as it is now."""
    row = await InternationalTransfer.get(transaction_id=txn.id)
    rail = await RailTransfer.get(id=row.rail_transfer_id)
    return InternationalTransferResult(transaction=txn, transfer=InternationalTransferRecord.from_row(row, rail.status),
                                       customer_rate_e9=row.customer_rate_e9)


async def _replay(principal: Principal, quote_id: uuid.UUID | None, wallet_id: uuid.UUID, beneficiary_id: uuid.UUID,
                  purpose: str | None, idempotency_key: str) -> InternationalTransferResult | None:
    """The original answer when this key was already used (None: it was not, the refusal stands)."""
    row = await of_tenant(FxQuote, principal.partner_id).get_or_none(id=quote_id)
    assert row is not None
    locked = locked_for(FxQuoteRecord.from_row(row), uuid7(), clock.now())
    req = await _request(principal, locked, wallet_id=wallet_id, beneficiary_id=beneficiary_id, purpose=purpose,
                         idempotency_key=idempotency_key, dry_run=False, transaction_id=uuid7())
    if not await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=check_request(principal, req).key).exists():
        return None
    return await _result_of(await post(principal, req, None))
