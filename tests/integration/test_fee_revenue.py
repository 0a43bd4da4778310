"""services.fees.revenue: fees charged in a period, per partner, kind, currency or day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.errors import ValidationFailed
from services.fees.revenue import RevenueLine, fee_revenue
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up, post_transfer
from tests.integration.aml_support import FEE, held_transfer, resolve
from tests.integration.service_support import holder, new_partner


async def test_revenue_of_one_period_grouped_four_ways(database_url):
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    partner = await new_partner("revenue")
    for kind, fixed in (("TRANSFER", 200), ("INTERNATIONAL_TRANSFER", 500)):
        await create_rule(terms={"partner_id": partner.partner_id, "kind": kind, "currency": "CHF", "fixed_minor": fixed},
                          created_by="test:revenue")
    payer = await holder(partner, country="CH", currency="CHF")
    home, abroad = await holder(partner, country="CH", currency="CHF"), await holder(partner, country="US", currency="CHF")
    await post_top_up(principal=partner, wallet_id=payer.wallet_id, amount="1000.00", idempotency_key="in")
    for n in range(2):
        await post_transfer(principal=partner, from_wallet_id=payer.wallet_id, to_wallet_id=home.wallet_id,
                            amount="10.00", idempotency_key=f"home-{n}")
    await post_transfer(principal=partner, from_wallet_id=payer.wallet_id, to_wallet_id=abroad.wallet_id,
                        amount="10.00", idempotency_key="abroad")
    end = datetime.now(timezone.utc) + timedelta(seconds=1)

    def mine(lines: list[RevenueLine]) -> list[RevenueLine]:
        return [line for line in lines if line.currency == "CHF"]

    by_partner = await fee_revenue(occurred_from=start, occurred_to=end, group_by="PARTNER")
    assert [line for line in by_partner if line.group == str(partner.partner_id)] == [
        RevenueLine(group=str(partner.partner_id), currency="CHF", fee_minor=900, transactions=3,
                    partner_id=partner.partner_id)]
    assert mine(await fee_revenue(occurred_from=start, occurred_to=end, group_by="KIND")) == [
        RevenueLine("INTERNATIONAL_TRANSFER", "CHF", 500, 1), RevenueLine("TRANSFER", "CHF", 400, 2)]
    assert mine(await fee_revenue(occurred_from=start, occurred_to=end, group_by="CURRENCY")) == [
        RevenueLine("CHF", "CHF", 900, 3)]
    days = {line.group for line in mine(await fee_revenue(occurred_from=start, occurred_to=end, group_by="DAY"))}
    assert days <= {start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")} and days
    assert sum(line.fee_minor for line in mine(await fee_revenue(occurred_from=start, occurred_to=end, group_by="DAY"))) == 900
    # A period before any of it: nothing.
    assert mine(await fee_revenue(occurred_from=start - timedelta(days=2), occurred_to=start - timedelta(days=1), group_by="KIND")) == []


async def test_an_unknown_grouping_or_an_empty_period_is_refused(database_url):
    now = datetime.now(timezone.utc)
    with pytest.raises(ValidationFailed) as caught:
        await fee_revenue(occurred_from=now - timedelta(days=1), occurred_to=now, group_by="CUSTOMER")
    assert caught.value.field == ["groupBy"]
    for end in (now, now - timedelta(seconds=1)):
        with pytest.raises(ValidationFailed) as caught:
            await fee_revenue(occurred_from=now, occurred_to=end, group_by="DAY")
        assert caught.value.field == ["occurredTo"]


async def test_a_held_fee_counts_only_once_released_and_a_rejected_one_never(database_url):
    """Revenue is what was earned: a HELD transaction may still be rejected, a REJECTED one never paid its fee."""
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    released_scene, _, _, _, released_alert = await held_transfer()
    rejected_scene, _, _, _, rejected_alert = await held_transfer()
    end = datetime.now(timezone.utc) + timedelta(seconds=60)

    async def revenue_of(scene) -> int:  # noqa: ANN001 - an aml_support.Scene
        lines = await fee_revenue(occurred_from=start, occurred_to=end, group_by="PARTNER")
        return sum(line.fee_minor for line in lines if line.partner_id == scene.principal.partner_id)

    assert (await revenue_of(released_scene), await revenue_of(rejected_scene)) == (0, 0)  # both still HELD
    await resolve(released_alert["id"], "RELEASE")
    await resolve(rejected_alert["id"], "REJECT")
    assert (await revenue_of(released_scene), await revenue_of(rejected_scene)) == (FEE, 0)
