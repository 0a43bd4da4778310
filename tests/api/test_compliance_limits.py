"""KYC tier limits over GraphQL, on the shipped CN and EU packs and on a pack of this module's own.

CN: Class I (no approved KYC) may send 1,000 CNY in its lifetime, Class II
100,000 a year, Class III 200,000 a year and abroad; the pack covers only CNY.
EU: tier 1 (simplified due diligence) holds at most 150 EUR, sends at most
150 at once and 150 a month, domestic only. San Marino (SM) is governed by
QA-SM, made here: EUR daily 100.00 and monthly 150.00, no AML rules; it shows
the day boundary by moving the usage row's day key back to yesterday.

A refusal must move nothing: ledger rows, balances and the usage the limits
are counted from stay as they were.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from models import CompliancePolicy, LimitUsage
from services.compliance.policy_admin import create_policy
from tests.api.support import object_uuid, snapshot
from tests.factories import ApiClientFactory, GraphQLClient, grant_tier, next_id

LIMITS = (
    "query($id: ID!, $currency: String) { customer(id: $id) { limits(currency: $currency) {"
    " currency jurisdiction tier tierName crossBorder allowed singleMax maxBalance"
    " daily { limit remaining } monthly { limit remaining } annual { limit remaining } lifetime { limit remaining } } } }"
)

SM_JURISDICTION, SM_TIMEZONE = "QA-SM", "Europe/San_Marino"


async def limits(partner: GraphQLClient, customer_id: str, currency: str | None = None) -> list[dict[str, Any]]:
    data = await partner.ok(LIMITS, {"id": customer_id, "currency": currency})
    return data["customer"]["limits"]


def refused(payload: dict[str, Any], code: str) -> dict[str, Any]:
    """The payload's one user error, which must have this code (and no transaction)."""
    assert payload["transaction"] is None, payload
    assert [e["code"] for e in payload["userErrors"]] == [code], payload
    return payload["userErrors"][0]


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload
    assert payload["transaction"] is not None
    return payload["transaction"]


async def usage_of(customer_id: str, currency: str) -> tuple | None:
    row = await LimitUsage.get_or_none(customer_id=object_uuid(customer_id), currency=currency)
    if row is None:
        return None
    return (row.day_key, row.day_out_minor, row.month_key, row.month_out_minor, row.year_key, row.year_out_minor,
            row.lifetime_out_minor)


async def world_of(partner: GraphQLClient, wallet_ids: list[str], customer_id: str, currency: str) -> dict[str, Any]:
    """What a refusal could have changed: ledger rows, balances, the sender's usage row."""
    return {**(await snapshot(partner, wallet_ids)), "usage": await usage_of(customer_id, currency)}


async def customer_with_wallet(partner: GraphQLClient, currency: str, *, country: str, kyc_tier: int | None,
                               fund: str | None = None) -> tuple[str, str]:
    customer = await partner.create_customer(country=country, kyc_tier=kyc_tier)
    wallet = await partner.open_wallet(currency, customer_id=customer["id"])
    if fund is not None:
        ok(await partner.top_up(wallet["id"], fund))
    return customer["id"], wallet["id"]


# --- CN: Class I lifetime, then Class II annual ------------------------------------------


async def test_cn_class_i_lifetime_limit_then_class_ii_annual_limit(clients: ApiClientFactory):
    partner = await clients.partner()
    sender, source = await customer_with_wallet(partner, "CNY", country="CN", kyc_tier=None, fund="3000.00")
    _, target = await customer_with_wallet(partner, "CNY", country="CN", kyc_tier=3)

    (view,) = await limits(partner, sender)  # every currency of its wallets: CNY only
    assert view == {
        "currency": "CNY", "jurisdiction": "CN", "tier": 1, "tierName": "Class I", "crossBorder": False,
        "allowed": True, "singleMax": None, "maxBalance": "10000.00",
        "daily": {"limit": None, "remaining": None}, "monthly": {"limit": None, "remaining": None},
        "annual": {"limit": None, "remaining": None}, "lifetime": {"limit": "1000.00", "remaining": "1000.00"},
    }

    ok(await partner.transfer(source, target, "600.00"))
    assert (await limits(partner, sender, "CNY"))[0]["lifetime"] == {"limit": "1000.00", "remaining": "400.00"}

    before = await world_of(partner, [source, target], sender, "CNY")
    error = refused(await partner.transfer(source, target, "400.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "lifetime limit of 1000.00 CNY exceeded: 400.00 CNY remains"
    assert error["field"] == ["amount"]
    assert await world_of(partner, [source, target], sender, "CNY") == before

    ok(await partner.transfer(source, target, "400.00"))  # exactly up to the limit
    assert (await limits(partner, sender, "CNY"))[0]["lifetime"]["remaining"] == "0.00"
    before = await world_of(partner, [source, target], sender, "CNY")
    assert before["balances"] == {source: "2000.00", target: "1000.00"}
    error = refused(await partner.transfer(source, target, "0.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "lifetime limit of 1000.00 CNY exceeded: 0.00 CNY remains"
    refused(await partner.withdraw(source, "0.01"), "LIMIT_EXCEEDED")  # a withdrawal is outgoing too
    assert await world_of(partner, [source, target], sender, "CNY") == before

    # Class II: no lifetime limit any more, 100,000 a year, of which 1,000 are used.
    await grant_tier(sender, 2)
    ok(await partner.transfer(source, target, "1500.00"))
    (view,) = await limits(partner, sender, "CNY")
    assert (view["tier"], view["tierName"], view["crossBorder"]) == (2, "Class II", False)
    assert view["lifetime"] == {"limit": None, "remaining": None}
    assert view["annual"] == {"limit": "100000.00", "remaining": "97500.00"}

    ok(await partner.top_up(source, "99000.00"))  # enough money: what refuses is the limit, not the funds
    before = await world_of(partner, [source, target], sender, "CNY")
    error = refused(await partner.transfer(source, target, "97500.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "annual limit of 100000.00 CNY exceeded: 97500.00 CNY remains"
    assert await world_of(partner, [source, target], sender, "CNY") == before
    assert await partner.balance(source) == "99500.00"


# --- CN: cross-border and currencies ----------------------------------------------------


async def test_cn_cross_border_needs_class_iii(clients: ApiClientFactory):
    partner = await clients.partner()
    _, abroad = await customer_with_wallet(partner, "CNY", country="US", kyc_tier=3)
    for tier in (None, 2):
        sender, source = await customer_with_wallet(partner, "CNY", country="CN", kyc_tier=tier, fund="100.00")
        before = await world_of(partner, [source, abroad], sender, "CNY")
        error = refused(await partner.transfer(source, abroad, "10.00"), "KYC_REQUIRED")
        assert error["field"] == ["fromWalletId"]  # the sender's tier is what forbids it
        assert "cross-border" in error["message"] and "(CN)" in error["message"], error
        assert await world_of(partner, [source, abroad], sender, "CNY") == before

    sender, source = await customer_with_wallet(partner, "CNY", country="CN", kyc_tier=3, fund="100.00")
    ok(await partner.transfer(source, abroad, "10.00"))
    assert (await partner.balance(source), await partner.balance(abroad)) == ("90.00", "10.00")
    (view,) = await limits(partner, sender, "CNY")
    assert (view["tier"], view["crossBorder"], view["annual"]) == (3, True, {"limit": "200000.00", "remaining": "199990.00"})


async def test_a_cn_customer_cannot_use_usd_the_cn_pack_does_not_cover(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(country="CN", kyc_tier=3)
    usd = (await partner.open_wallet("USD", customer_id=customer["id"]))["id"]
    _, us_usd = await customer_with_wallet(partner, "USD", country="US", kyc_tier=3, fund="50.00")

    before = await world_of(partner, [usd, us_usd], customer["id"], "USD")
    error = refused(await partner.transfer(usd, us_usd, "1.00"), "KYC_REQUIRED")
    assert error["field"] == ["fromWalletId"] and "USD" in error["message"], error
    # Nor can it receive USD: neither a top-up nor a transfer from a US customer.
    assert refused(await partner.top_up(usd, "1.00"), "KYC_REQUIRED")["field"] == ["walletId"]
    assert refused(await partner.transfer(us_usd, usd, "1.00"), "KYC_REQUIRED")["field"] == ["toWalletId"]
    assert await world_of(partner, [usd, us_usd], customer["id"], "USD") == before

    (view,) = await limits(partner, customer["id"], "USD")
    assert (view["jurisdiction"], view["tier"], view["allowed"]) == ("CN", 3, False)
    assert view["daily"] == {"limit": "0.00", "remaining": "0.00"}


# --- EU tier 1 -------------------------------------------------------------------------


async def test_eu_tier_1_maximum_balance_single_and_monthly_limits(clients: ApiClientFactory):
    partner = await clients.partner()
    sender, source = await customer_with_wallet(partner, "EUR", country="DE", kyc_tier=None)
    _, target = await customer_with_wallet(partner, "EUR", country="DE", kyc_tier=3)  # tier 1 is domestic only

    ok(await partner.top_up(source, "150.00"))
    before = await world_of(partner, [source, target], sender, "EUR")
    error = refused(await partner.top_up(source, "0.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "maximum balance of 150.00 EUR for this tier would be exceeded"
    assert error["field"] == ["walletId"]

    error = refused(await partner.transfer(source, target, "150.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "single-transaction limit: at most 150.00 EUR at once"
    assert await world_of(partner, [source, target], sender, "EUR") == before

    ok(await partner.transfer(source, target, "100.00"))
    (view,) = await limits(partner, sender, "EUR")
    assert (view["jurisdiction"], view["tier"], view["tierName"]) == ("EU", 1, "Simplified due diligence")
    assert (view["singleMax"], view["maxBalance"]) == ("150.00", "150.00")
    assert view["monthly"] == {"limit": "150.00", "remaining": "50.00"}

    ok(await partner.top_up(source, "100.00"))  # 150.00 again: under the maximum balance
    before = await world_of(partner, [source, target], sender, "EUR")
    error = refused(await partner.transfer(source, target, "50.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "monthly limit of 150.00 EUR exceeded: 50.00 EUR remains"
    assert await world_of(partner, [source, target], sender, "EUR") == before


async def test_eu_tier_1_receiver_stays_under_its_maximum_balance(clients: ApiClientFactory):
    partner = await clients.partner()
    _, source = await customer_with_wallet(partner, "EUR", country="DE", kyc_tier=3, fund="500.00")
    receiver, target = await customer_with_wallet(partner, "EUR", country="DE", kyc_tier=1, fund="100.00")
    before = await world_of(partner, [source, target], receiver, "EUR")
    error = refused(await partner.transfer(source, target, "50.01"), "LIMIT_EXCEEDED")
    assert error["field"] == ["toWalletId"] and "maximum balance of 150.00 EUR" in error["message"]
    assert await world_of(partner, [source, target], receiver, "EUR") == before
    ok(await partner.transfer(source, target, "50.00"))
    assert await partner.balance(target) == "150.00"


# --- the day boundary, on a pack of our own ---------------------------------------------


async def ensure_sm_pack() -> None:
    if await CompliancePolicy.exists(jurisdiction=SM_JURISDICTION):
        return
    await create_policy(
        jurisdiction=SM_JURISDICTION,
        values={
            "name": "Tests: San Marino day boundary", "countries": ["SM"], "timezone": SM_TIMEZONE,
            "thresholds": [], "aml_rules": {},
            "tiers": [{"tier": 1, "name": "Only tier", "crossBorder": False,
                       "limits": [{"currency": "EUR", "daily": "100.00", "monthly": "150.00"}]}],
        },
        actor="test:limits",
    )


async def test_yesterdays_total_no_longer_counts_daily_but_still_counts_monthly(clients: ApiClientFactory):
    await ensure_sm_pack()
    partner = await clients.partner()
    sender, source = await customer_with_wallet(partner, "EUR", country="SM", kyc_tier=None, fund="500.00")
    _, target = await customer_with_wallet(partner, "EUR", country="SM", kyc_tier=None)

    ok(await partner.transfer(source, target, "100.00"))
    error = refused(await partner.transfer(source, target, "0.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "daily limit of 100.00 EUR exceeded: 0.00 EUR remains"
    (view,) = await limits(partner, sender, "EUR")
    assert (view["jurisdiction"], view["daily"]["remaining"], view["monthly"]["remaining"]) == (SM_JURISDICTION, "0.00", "50.00")

    # The 100.00 were sent "yesterday" in San Marino: only the day key moves back.
    row = await LimitUsage.get(customer_id=object_uuid(sender), currency="EUR")
    today = datetime.now(timezone.utc).astimezone(ZoneInfo(SM_TIMEZONE)).date()
    assert row.day_key == today.isoformat()
    row.day_key = (today - timedelta(days=1)).isoformat()
    await row.save(update_fields=["day_key"])

    (view,) = await limits(partner, sender, "EUR")
    assert view["daily"] == {"limit": "100.00", "remaining": "100.00"}
    assert view["monthly"] == {"limit": "150.00", "remaining": "50.00"}
    before = await world_of(partner, [source, target], sender, "EUR")
    error = refused(await partner.transfer(source, target, "50.01"), "LIMIT_EXCEEDED")
    assert error["message"] == "monthly limit of 150.00 EUR exceeded: 50.00 EUR remains"
    assert await world_of(partner, [source, target], sender, "EUR") == before

    ok(await partner.transfer(source, target, "50.00"))
    row = await LimitUsage.get(customer_id=object_uuid(sender), currency="EUR")
    # Today's total restarted from zero; the month's kept yesterday's 100.00.
    assert (row.day_key, row.day_out_minor, row.month_out_minor, row.lifetime_out_minor) == (today.isoformat(), 5000, 15000, 15000)


# --- idempotency beats limits --------------------------------------------------------------


async def test_a_replay_after_the_limit_is_used_up_returns_the_original_transaction(clients: ApiClientFactory):
    partner = await clients.partner()
    sender, source = await customer_with_wallet(partner, "CNY", country="CN", kyc_tier=None, fund="2000.00")
    _, target = await customer_with_wallet(partner, "CNY", country="CN", kyc_tier=3)
    key = next_id("limit-replay")

    original = ok(await partner.transfer(source, target, "1000.00", key=key))
    before = await world_of(partner, [source, target], sender, "CNY")
    assert before["balances"] == {source: "1000.00", target: "1000.00"}

    replay = await partner.transfer(source, target, "1000.00", key=key)
    assert replay["userErrors"] == [] and replay["transaction"] == original
    # Same key, other input: still the idempotency answer, not the limit's.
    refused(await partner.transfer(source, target, "5.00", key=key), "IDEMPOTENCY_CONFLICT")
    # A new key is a new request, and the lifetime limit is used up.
    refused(await partner.transfer(source, target, "1000.00"), "LIMIT_EXCEEDED")
    assert await world_of(partner, [source, target], sender, "CNY") == before
