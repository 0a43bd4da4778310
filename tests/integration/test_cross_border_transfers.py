"""internationalTransferCreate on the database: legs, rail lifecycle, quota, review, refusals (services.cross_border)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from models import (
    AmlAlert, CompliancePolicy, DomainEvent, Entry, FxQuote, IdempotencyRecord, InternationalTransfer, RailTransfer,
    Transaction,
)
from services import clock
from services.beneficiaries.review import delete_beneficiary
from services.cross_border.queries import get_international_transfer
from services.cross_border.records import InternationalTransferRecord, InternationalTransferResult
from services.cross_border.transfers import create_international_transfer
from services.cross_border.travel_rule import open_travel_rule
from services.errors import (
    BeneficiaryNotActive, CountryRefused, CrossBorderQuotaExceeded, IdempotencyConflict, KycRequired, NotFound,
    QuoteExpired, QuoteMismatch, ValidationFailed,
)
from services.ledger.verify import verify_ledger
from services.rails import registry
from tests.integration.aml_support import resolve
from tests.integration.cross_border_support import (
    cn_quota, cny_usd_quote, deliver_all, key, money, rail, sender, us_beneficiary,
)
from tests.integration.service_support import new_partner


@pytest.fixture(autouse=True)
def simulated_rail():
    """A fresh simulated rail per test, forgotten afterwards."""
    registry.reset()
    yield
    registry.reset()


async def _send(principal, who, beneficiary, quote, *, purpose="FAM", k=None, dry_run=False):  # noqa: ANN001, ANN202
    return await create_international_transfer(
        principal=principal, from_wallet_id=who.wallet_id, beneficiary_id=beneficiary.id, quote_id=quote.id,
        purpose_code=purpose, idempotency_key=k or key(), dry_run=dry_run)


async def _counts() -> tuple[int, int, int, int]:
    return (await Transaction.all().count(), await Entry.all().count(), await InternationalTransfer.all().count(),
            await IdempotencyRecord.all().count())


async def test_a_transfer_is_held_then_settles_through_the_fx_position_and_settlement(database_url):
    rail()
    partner = await new_partner("xb-settle")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who)
    quote = await cny_usd_quote(partner, who, "700.00")
    preview = await _send(partner, who, beneficiary, quote, dry_run=True)
    assert preview.transfer is None and preview.transaction.dry_run
    assert (preview.transaction.amount_minor, preview.transaction.buy_amount_minor) == (70_000, quote.buy_amount_minor)
    assert await money(who) == (100_000, 100_000)  # the dry run moved nothing
    result = await _send(partner, who, beneficiary, quote)
    txn, transfer = result.transaction, result.transfer
    assert transfer is not None and (txn.status.value, txn.kind.value, transfer.status) == ("HELD", "WITHDRAWAL",
                                                                                          "SUBMITTING")
    assert txn.fee_minor == preview.transaction.fee_minor
    debit = 70_000 + txn.fee_minor
    assert await money(who) == (100_000, 100_000 - debit)  # reserved at once
    assert transfer.quota_minor == quote.buy_amount_minor and transfer.quota_currency == "USD"
    await deliver_all()
    rail_row = await RailTransfer.get(id=transfer.rail_transfer_id)
    assert (rail_row.status, rail_row.source_kind) == ("SETTLED", "BENEFICIARY")
    assert (await Transaction.get(id=txn.id)).status == "POSTED"
    assert await money(who) == (100_000 - debit, 100_000 - debit)
    by_kind: dict[tuple[str, str], int] = {}
    for entry in await Entry.filter(transaction_id=txn.id).prefetch_related("account"):
        k = (entry.account.kind.value, entry.currency)
        by_kind[k] = by_kind.get(k, 0) + entry.amount_minor
    assert by_kind[("WALLET", "CNY")] == -debit and by_kind[("SETTLEMENT", "USD")] == quote.buy_amount_minor
    assert by_kind[("FX_POSITION", "CNY")] == 70_000
    for currency in ("CNY", "USD"):  # each currency balances on its own
        assert sum(v for (_, c), v in by_kind.items() if c == currency) == 0
    used = await FxQuote.get(id=quote.id)
    assert used.transaction_id == txn.id and used.used_at is not None
    record = await get_international_transfer(principal=partner, transfer_id=transfer.id)
    assert isinstance(result, InternationalTransferResult) and isinstance(record, InternationalTransferRecord)
    assert record.status == "SETTLED"
    assert await DomainEvent.filter(type="international_transfer.created", object_id=str(transfer.id)).exists()
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_a_failed_transfer_gives_back_the_reservation_and_the_quota(database_url):
    rail(failure_rate=1.0)
    partner = await new_partner("xb-fail")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who)
    async with cn_quota(10_000):  # USD 100.00
        result = await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "700.00"))  # 98 USD
        with pytest.raises(CrossBorderQuotaExceeded):
            await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "100.00"))
        await deliver_all()
        assert (await RailTransfer.get(id=result.transfer.rail_transfer_id)).status == "FAILED"
        assert (await Transaction.get(id=result.transaction.id)).status == "REJECTED"
        assert await money(who) == (100_000, 100_000)
        # The failed transfer no longer counts: the quota is free again.
        again = await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "700.00"))
        assert again.transfer is not None
    assert (await verify_ledger()).ok


async def test_a_returned_transfer_credits_the_sell_amount_back_once_and_frees_the_quota(database_url):
    rail(return_rate=1.0)
    partner = await new_partner("xb-return")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who)
    async with cn_quota(10_000):
        result = await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "700.00"))
        fee = result.transaction.fee_minor
        await deliver_all()
        await deliver_all()
        rail_row = await RailTransfer.get(id=result.transfer.rail_transfer_id)
        assert rail_row.status == "RETURNED" and rail_row.return_transaction_id is not None
        assert await money(who) == (100_000 - fee, 100_000 - fee)  # the amount came back once; the fee is kept
        await deliver_all()
        assert await money(who) == (100_000 - fee, 100_000 - fee)
        assert (await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "700.00"))).transfer
    assert (await verify_ledger()).ok


async def test_a_review_country_holds_the_transfer_for_compliance(database_url):
    rail()
    partner = await new_partner("xb-review")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who, country="AF", bic="AFIBAFKA", account_number="1234567890",
                                       currency="USD")
    result = await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "100.00"))
    assert result.transfer.compliance_review
    alert = await AmlAlert.get(transaction_id=result.transaction.id)
    assert (alert.rule, alert.action, alert.status) == ("CROSS_BORDER_REVIEW", "HOLD", "OPEN")
    await deliver_all()
    assert (await RailTransfer.get(id=result.transfer.rail_transfer_id)).status == "AWAITING_REVIEW"
    debit = 10_000 + result.transaction.fee_minor
    assert await money(who) == (100_000, 100_000 - debit)
    await resolve(alert.id, "RELEASE")
    await deliver_all()
    assert (await RailTransfer.get(id=result.transfer.rail_transfer_id)).status == "SETTLED"
    assert await money(who) == (100_000 - debit, 100_000 - debit)
    assert (await verify_ledger()).ok


async def test_refusals_move_nothing(database_url):
    rail()
    partner = await new_partner("xb-refuse")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who)
    before = await _counts()
    refused = await us_beneficiary(partner, who, country="KP", bic="KKBCKPPYXXX", account_number="1234567890",
                                   currency="USD")
    with pytest.raises(CountryRefused):
        await _send(partner, who, refused, await cny_usd_quote(partner, who))
    with pytest.raises(ValidationFailed) as missing:
        await _send(partner, who, beneficiary, await cny_usd_quote(partner, who), purpose=None)
    assert missing.value.field == ["purposeCode"]
    with pytest.raises(ValidationFailed):
        await _send(partner, who, beneficiary, await cny_usd_quote(partner, who), purpose="XYZ")
    # A quote for other currencies, of another partner, expired.
    euro = await us_beneficiary(partner, who, country="DE", bic="COBADEFFXXX", iban="DE89370400440532013000")
    with pytest.raises(QuoteMismatch):
        await _send(partner, who, euro, await cny_usd_quote(partner, who))
    other = await new_partner("xb-other")
    other_who = await sender(other, "10.00")
    with pytest.raises(NotFound):
        await _send(partner, who, beneficiary, await cny_usd_quote(other, other_who))
    with pytest.raises(NotFound):  # another partner's beneficiary
        await _send(partner, who, await us_beneficiary(other, other_who), await cny_usd_quote(partner, who))
    stale = await cny_usd_quote(partner, who)
    await FxQuote.filter(id=stale.id).update(expires_at=clock.now() - timedelta(seconds=1))
    with pytest.raises(QuoteExpired):
        await _send(partner, who, beneficiary, stale)
    # A tier without crossBorder (CN Class II).
    low = await sender(partner, "100.00", tier=2)
    low_beneficiary = await us_beneficiary(partner, low)
    with pytest.raises(KycRequired):
        await _send(partner, low, low_beneficiary, await cny_usd_quote(partner, low, "10.00"))
    # A deleted beneficiary.
    await delete_beneficiary(principal=partner, beneficiary_id=beneficiary.id)
    with pytest.raises(BeneficiaryNotActive):
        await _send(partner, who, beneficiary, await cny_usd_quote(partner, who))
    after = await _counts()
    assert after[0] - before[0] == 2 and after[2] == before[2]  # only the two new senders' top-ups posted
    assert await money(who) == (100_000, 100_000)


async def test_a_retry_replays_and_other_input_conflicts(database_url):
    rail()
    partner = await new_partner("xb-replay")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who)
    quote = await cny_usd_quote(partner, who, "100.00")
    first = await _send(partner, who, beneficiary, quote, k="xb-same")
    again = await _send(partner, who, beneficiary, quote, k="xb-same")
    assert again.transaction.id == first.transaction.id and again.transfer.id == first.transfer.id
    with pytest.raises(IdempotencyConflict):
        await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "50.00"), k="xb-same")
    assert await InternationalTransfer.filter(customer_id=who.customer_id).count() == 1


async def test_the_travel_rule_record_is_sealed(database_url):
    rail()
    partner = await new_partner("xb-travel")
    who = await sender(partner, "1000.00")
    beneficiary = await us_beneficiary(partner, who, name="Jane Roe")
    result = await _send(partner, who, beneficiary, await cny_usd_quote(partner, who, "100.00"))
    row = await InternationalTransfer.get(id=result.transfer.id)
    assert "Jane" not in row.travel_rule_enc and "123456789" not in row.travel_rule_enc
    document = await open_travel_rule(row)
    assert document["beneficiary"]["name"] == "Jane Roe" and document["beneficiary"]["number"] == "123456789"
    assert document["originator"]["customerId"] == str(who.customer_id)
    assert document["beneficiary"]["address"] == "1 Main St, Springfield"


async def test_the_shipped_cn_pack_has_the_usd_50000_individual_quota(database_url):
    row = await CompliancePolicy.get(jurisdiction="CN")
    section = row.cross_border if isinstance(row.cross_border, dict) else json.loads(row.cross_border)
    assert section["annualQuota"] == {"currency": "USD", "amountMinor": 5_000_000, "customerKinds": ["INDIVIDUAL"]}
    assert section["purposeCodeRequired"] is True
