"""spendingInsights on a real database: totals equal the payments made (net of refunds), by category, merchant and
month, each against the previous period; other customers' payments and other partners never count (both backends)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.errors import NotFound, ValidationFailed
from services.insights.spending import customer_insights, spending_insights, spent_in_categories
from services.payments.refunds import refund
from tests.factories import next_id
from tests.integration.insights_support import paid_at, shoppers
from tests.integration.merchant_support import customer_token, staff
from tests.integration.service_support import new_partner

FROM = datetime(2030, 3, 1, tzinfo=timezone.utc)
TO = datetime(2030, 5, 1, tzinfo=timezone.utc)  # 61 days: the previous period is [2029-12-30, 2030-03-01)


async def test_totals_equal_the_payments_and_change_against_the_previous_period(database_url):
    world = await shoppers()
    r, a = world.restaurant, world.airline
    current = [(r, "120.50", datetime(2030, 3, 2, 12, tzinfo=timezone.utc)),
               (r, "80.00", datetime(2030, 4, 15, tzinfo=timezone.utc)),
               (a, "2100.00", datetime(2030, 4, 30, 23, 59, tzinfo=timezone.utc))]
    previous = [(r, "50.00", datetime(2030, 1, 10, tzinfo=timezone.utc)),
                (a, "300.00", datetime(2030, 2, 28, tzinfo=timezone.utc))]
    outside = [(r, "999.00", datetime(2030, 5, 1, tzinfo=timezone.utc)),  # `to` is exclusive
               (r, "777.00", datetime(2029, 12, 29, 23, tzinfo=timezone.utc))]  # before the previous period
    ids = [await paid_at(world, world.payer, m, amount, at) for m, amount, at in current + previous + outside]
    await paid_at(world, world.other, r, "5000.00", datetime(2030, 3, 5, tzinfo=timezone.utc))  # not the payer's
    # A partial refund of the first payment: spending is net of refunds.
    await refund(principal=world.partner, payment_id=ids[0], amount="20.50", reason="returned",
                 idempotency_key=next_id("ir"))

    got = await customer_insights(world.payer.customer_id, FROM, TO)
    assert got.previous_from == FROM - (TO - FROM)
    total = got.totals[0]
    assert (total.currency, total.total_minor, total.count) == ("CNY", 12050 - 2050 + 8000 + 210000, 3)
    assert (total.previous_minor, total.previous_count) == (5000 + 30000, 2)
    assert total.change_minor == total.total_minor - total.previous_minor
    categories = {line.key: line for line in got.categories}
    assert (categories["4511"].total_minor, categories["4511"].previous_minor) == (210000, 30000)
    assert (categories["5812"].total_minor, categories["5812"].previous_minor) == (18000, 5000)
    assert categories["4511"].category_name and got.categories[0].key == "4511"  # biggest first
    merchants = {line.key: line for line in got.merchants}
    assert merchants[str(a.id)].merchant_name == "Sky Air" and merchants[str(a.id)].mcc == "4511"
    assert merchants[str(r.id)].total_minor == 18000
    months = [(line.key, line.total_minor, line.previous_minor) for line in got.months]
    # March against February (300.00 on the 28th), April against March (the whole of March).
    assert months == [("2030-03", 10000, 30000), ("2030-04", 218000, 10000)]
    # The sums agree with the category view and the merchant view.
    assert sum(line.total_minor for line in got.categories) == total.total_minor
    assert sum(line.total_minor for line in got.merchants) == total.total_minor
    assert sum(line.total_minor for line in got.months) == total.total_minor


async def test_a_month_after_a_month_without_spending_compares_with_zero(database_url):
    world = await shoppers()
    await paid_at(world, world.payer, world.restaurant, "10.00", datetime(2030, 1, 5, tzinfo=timezone.utc))
    await paid_at(world, world.payer, world.restaurant, "30.00", datetime(2030, 3, 5, tzinfo=timezone.utc))
    got = await customer_insights(world.payer.customer_id, datetime(2030, 2, 1, tzinfo=timezone.utc),
                                  datetime(2030, 4, 1, tzinfo=timezone.utc))
    assert [(line.key, line.total_minor, line.previous_minor) for line in got.months] == [("2030-03", 3000, 0)]
    assert got.totals[0].previous_minor == 1000


async def test_spent_in_categories_is_the_rule_offers_use(database_url):
    world = await shoppers()
    now = datetime(2030, 6, 30, tzinfo=timezone.utc)
    await paid_at(world, world.payer, world.airline, "1500.00", now - timedelta(days=3))
    await paid_at(world, world.payer, world.airline, "700.00", now - timedelta(days=40))
    await paid_at(world, world.payer, world.restaurant, "99.00", now - timedelta(days=1))
    spent = await spent_in_categories(customer_id=world.payer.customer_id, mccs=["4511", "4722"], currency="CNY",
                                      since=now - timedelta(days=30), until=now)
    assert spent == 150000
    assert await spent_in_categories(customer_id=world.payer.customer_id, mccs=["4511"], currency="USD",
                                     since=now - timedelta(days=30), until=now) == 0


async def test_who_may_read_and_bad_periods(database_url):
    world = await shoppers()
    await paid_at(world, world.payer, world.restaurant, "10.00", datetime(2030, 3, 5, tzinfo=timezone.utc))
    own = customer_token(world.partner, world.payer.customer_id)
    assert (await spending_insights(principal=own, customer_id=world.payer.customer_id, period_from=FROM,
                                    period_to=TO)).totals[0].total_minor == 1000
    assert (await spending_insights(principal=staff("analyst"), customer_id=world.payer.customer_id,
                                    period_from=FROM, period_to=TO)).totals[0].total_minor == 1000
    for principal in (await new_partner("other"), customer_token(world.partner, world.other.customer_id)):
        with pytest.raises(NotFound):
            await spending_insights(principal=principal, customer_id=world.payer.customer_id, period_from=FROM,
                                    period_to=TO)
    with pytest.raises(ValidationFailed):
        await customer_insights(world.payer.customer_id, TO, FROM)
    with pytest.raises(ValidationFailed):
        await customer_insights(world.payer.customer_id, FROM, FROM + timedelta(days=366 * 3 + 1))
    empty = await customer_insights(world.other.customer_id, datetime(2001, 1, 1, tzinfo=timezone.utc),
                                    datetime(2001, 2, 1, tzinfo=timezone.utc))
    assert (empty.totals, empty.categories, empty.merchants, empty.months) == ([], [], [], [])


async def test_payments_whose_money_has_not_moved_are_left_out(database_url):
    from models import Payment, Transaction
    from models.enums import TransactionStatus

    world = await shoppers()
    kept = await paid_at(world, world.payer, world.restaurant, "10.00", datetime(2030, 3, 5, tzinfo=timezone.utc))
    held = await paid_at(world, world.payer, world.restaurant, "20.00", datetime(2030, 3, 6, tzinfo=timezone.utc))
    rejected = await paid_at(world, world.payer, world.airline, "40.00", datetime(2030, 3, 7, tzinfo=timezone.utc))
    # As compliance would leave them: one HELD for review, one REJECTED (no money moved). Restored afterwards, so
    # `ledger verify` in later tests of the session sees the ledger as the postings wrote it.
    changed = [((await Payment.get(id=payment_id)).transaction_id, status)  # type: ignore[attr-defined]
               for payment_id, status in ((held, TransactionStatus.HELD), (rejected, TransactionStatus.REJECTED))]
    try:
        for transaction_id, status in changed:
            await Transaction.filter(id=transaction_id).update(status=status)
        got = await customer_insights(world.payer.customer_id, FROM, TO)
    finally:
        await Transaction.filter(id__in=[t for t, _ in changed]).update(status=TransactionStatus.POSTED)
    assert [(line.total_minor, line.count) for line in got.totals] == [(1000, 1)]
    assert [line.key for line in got.categories] == ["5812"] and kept
