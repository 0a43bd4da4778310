"""Strong customer authentication over GraphQL.

customerTokenCreate records how and when the partner authenticated its
customer; the customer's pack says which payments need two factors or a
fresh biometric (CN: a BIOMETRIC within 120 s above 5,000.00 CNY; EU: two
factors of different kinds within 300 s above 30.00 EUR); a payment that
needs more than its token carries is STEP_UP_REQUIRED and changes nothing.
Partner tokens follow the bank's per-partner setting (partnerStrongAuthSet).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from models import AuditEvent
from schema.common.relay import to_global_id
from tests.api.staff_support import StaffClient, StaffFactory, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, random_global_id, snapshot
from tests.factories import GraphQLClient, next_id

MINT = (
    "mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) {"
    " token authentication { methods authenticatedAt } userErrors { code message field } } }"
)
SET_MODE = (
    "mutation($input: PartnerStrongAuthSetInput!) { partnerStrongAuthSet(input: $input) {"
    " partner { id name } mode userErrors { code message field } } }"
)
PAY_SCOPES = ["wallets:read", "transactions:write", "transactions:read"]


def ago(seconds: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds)).isoformat()


async def mint(partner: GraphQLClient, customer_id: str, methods: list[str] | None, at: str | None = None,
               ttl: int = 300) -> dict[str, Any]:
    values: dict[str, Any] = {"customerId": customer_id, "scopes": PAY_SCOPES, "ttlSeconds": ttl}
    if methods is not None:
        values["authentication"] = {"methods": methods, "authenticatedAt": at or ago(2)}
    return (await partner.ok(MINT, {"input": values}))["customerTokenCreate"]


async def frontend(partner: GraphQLClient, customer_id: str, methods: list[str] | None, at: str | None = None) -> GraphQLClient:
    minted = await mint(partner, customer_id, methods, at)
    assert minted["userErrors"] == [], minted
    return dataclasses.replace(partner, token=minted["token"])


@dataclasses.dataclass
class Pair:
    partner: GraphQLClient
    payer: str  # customer id
    source: str  # the payer's wallet
    target: str  # another customer's wallet


async def pair(partner: GraphQLClient, country: str, currency: str, fund: str) -> Pair:
    payer = await partner.create_customer(country=country)
    source = await partner.open_wallet(currency, customer_id=payer["id"])
    target = await partner.open_wallet(currency, customer_id=(await partner.create_customer(country=country))["id"])
    assert (await partner.top_up(source["id"], fund))["userErrors"] == []
    return Pair(partner, payer["id"], source["id"], target["id"])


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_a_large_payment_with_a_password_only_token_is_step_up_required_and_succeeds_with_a_fresh_biometric(clients):
    p = await pair(await clients.partner(), "CN", "CNY", "10000.00")
    before = await snapshot(p.partner, [p.source, p.target])
    password_only = await frontend(p.partner, p.payer, ["PASSWORD"])
    refused = await password_only.transfer(p.source, p.target, "6000.00", key="rent-2026-11")
    assert refused["transaction"] is None
    assert refused["userErrors"] == [{
        "code": "STEP_UP_REQUIRED", "field": ["amount"],
        "message": "this transfer (above 5000.00 CNY) needs a BIOMETRIC authentication within the last 120 seconds:"
                   " authenticate the customer again and use a customer token that says so (customerTokenCreate"
                   " authentication)",
    }]
    assert await snapshot(p.partner, [p.source, p.target]) == before  # no money, no transaction, no key used
    fresh = await frontend(p.partner, p.payer, ["BIOMETRIC"])
    paid = await fresh.transfer(p.source, p.target, "6000.00", key="rent-2026-11")  # the same key: it was not used
    assert paid["userErrors"] == [] and paid["transaction"]["amount"] == {"amount": "6000.00", "currency": "CNY"}
    assert await p.partner.balance(p.source) == "4000.00" and await p.partner.balance(p.target) == "6000.00"


async def test_a_stale_biometric_is_refused_and_small_payments_need_nothing(clients):
    p = await pair(await clients.partner(), "CN", "CNY", "20000.00")
    stale = await frontend(p.partner, p.payer, ["BIOMETRIC"], at=ago(200))  # minted fine (within ttl), too old to pay
    assert codes(await stale.transfer(p.source, p.target, "5000.01")) == ["STEP_UP_REQUIRED"]
    assert codes(await stale.withdraw(p.source, "5000.01")) == ["STEP_UP_REQUIRED"]
    assert codes(await stale.transfer(p.source, p.target, "5000.00")) == []
    no_factor = await frontend(p.partner, p.payer, None)
    assert codes(await no_factor.transfer(p.source, p.target, "20.00")) == []
    assert codes(await no_factor.transfer(p.source, p.target, "9000.00")) == ["STEP_UP_REQUIRED"]


async def test_in_the_eu_two_factors_means_two_kinds(clients):
    p = await pair(await clients.partner(), "DE", "EUR", "500.00")
    same_kind = await frontend(p.partner, p.payer, ["PASSWORD", "PIN"])
    refused = await same_kind.transfer(p.source, p.target, "30.01")
    assert codes(refused) == ["STEP_UP_REQUIRED"]
    assert "needs two authentication factors of different kinds" in refused["userErrors"][0]["message"]
    assert codes(await same_kind.transfer(p.source, p.target, "30.00")) == []  # PSD2's low-value exemption
    two_kinds = await frontend(p.partner, p.payer, ["PASSWORD", "DEVICE_BOUND"])
    assert codes(await two_kinds.transfer(p.source, p.target, "30.01")) == []
    assert await p.partner.balance(p.source) == "439.99"


async def test_the_token_says_what_was_recorded(clients):
    partner = await clients.partner()
    customer = await partner.create_customer()
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=10)
    minted = await mint(partner, customer["id"], ["PIN", "DEVICE_BOUND"], at.isoformat())
    assert minted["userErrors"] == []
    assert minted["authentication"]["methods"] == ["DEVICE_BOUND", "PIN"]
    assert datetime.fromisoformat(minted["authentication"]["authenticatedAt"]) == at
    assert (await mint(partner, customer["id"], None))["authentication"] is None


@pytest.mark.parametrize(
    ("methods", "at", "field"),
    [
        ([], None, ["authentication", "methods"]),
        (["PASSWORD", "PASSWORD"], None, ["authentication", "methods"]),
        (["PIN"], "future", ["authentication", "authenticatedAt"]),
        (["PIN"], "old", ["authentication", "authenticatedAt"]),
    ],
)
async def test_bad_authentication_is_refused_with_validation(clients, methods, at, field):
    partner = await clients.partner()
    customer = await partner.create_customer()
    when = {"future": (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat(), "old": ago(301), None: None}[at]
    refused = await mint(partner, customer["id"], methods, when, ttl=300)
    assert refused["token"] is None and codes(refused) == ["VALIDATION"] and refused["userErrors"][0]["field"] == field
    unknown = await partner.gql(MINT, {"input": {"customerId": customer["id"], "scopes": PAY_SCOPES,
                                                 "authentication": {"methods": ["RETINA"], "authenticatedAt": ago(1)}}})
    assert unknown.get("errors") and unknown.get("data") is None  # not a CustomerAuthMethod: the request is invalid


async def test_partner_tokens_follow_the_banks_setting(clients, staff: StaffFactory):  # noqa: F811
    admin = await staff("admin")
    p = await pair(await clients.partner(), "CN", "CNY", "30000.00")
    assert codes(await p.partner.transfer(p.source, p.target, "6000.00")) == []  # EXEMPT by default
    # Only the bank sets it: a partner token lacks partners:write.
    denied = await p.partner.gql(SET_MODE, {"input": {"partnerId": _partner_gid(p), "mode": "EXEMPT"}})
    assert error_codes(denied) == ["FORBIDDEN"]
    data = await admin.ok(SET_MODE, {"input": {"partnerId": _partner_gid(p), "mode": "REQUIRE_CUSTOMER_TOKEN"}})
    assert data["partnerStrongAuthSet"]["mode"] == "REQUIRE_CUSTOMER_TOKEN"
    assert data["partnerStrongAuthSet"]["partner"]["id"] == _partner_gid(p)
    audit = await AuditEvent.filter(operation="partnerStrongAuthSet", actor_id=str(admin.staff_id)).order_by("-id").first()
    assert audit is not None and (audit.outcome, audit.detail) == ("OK", "mode=REQUIRE_CUSTOMER_TOKEN")
    before = await snapshot(p.partner, [p.source, p.target])
    refused = await p.partner.transfer(p.source, p.target, "6000.00")
    assert codes(refused) == ["STEP_UP_REQUIRED"] and "with a customer token" in refused["userErrors"][0]["message"]
    assert await snapshot(p.partner, [p.source, p.target]) == before
    assert codes(await p.partner.transfer(p.source, p.target, "10.00")) == []  # below every rule
    biometric = await frontend(p.partner, p.payer, ["BIOMETRIC"])
    assert codes(await biometric.transfer(p.source, p.target, "6000.00")) == []
    await admin.ok(SET_MODE, {"input": {"partnerId": _partner_gid(p), "mode": "EXEMPT"}})
    assert codes(await p.partner.transfer(p.source, p.target, "6000.00")) == []
    missing = await admin.ok(SET_MODE, {"input": {"partnerId": random_global_id("Partner"), "mode": "EXEMPT"}})
    assert codes(missing["partnerStrongAuthSet"]) == ["NOT_FOUND"]


def _partner_gid(p: Pair) -> str:
    return to_global_id("Partner", p.partner.partner_id)


SCA_POLICY = "jurisdiction strongAuthentication { operations aboveAmounts { amount currency } require maxAgeSeconds } version"


async def test_packs_show_and_change_their_rules(clients, staff: StaffFactory):  # noqa: F811
    admin = await staff("admin")
    packs = {p["jurisdiction"]: p for p in (await admin.ok(f"{{ compliancePolicies {{ {SCA_POLICY} }} }}"))["compliancePolicies"]}
    assert packs["EU"]["strongAuthentication"] == [{"operations": ["TRANSFER", "WITHDRAWAL"], "require": "TWO_FACTORS",
                                                    "aboveAmounts": [{"amount": "30.00", "currency": "EUR"}], "maxAgeSeconds": 300}]
    assert packs["CN"]["strongAuthentication"] == [{"operations": ["TRANSFER", "WITHDRAWAL"], "require": "BIOMETRIC",
                                                    "aboveAmounts": [{"amount": "5000.00", "currency": "CNY"}], "maxAgeSeconds": 120}]
    assert packs["DEFAULT"]["strongAuthentication"] == []
    # A pack of this module's own (Tonga), created without rules; an update adds one, effective for the next posting.
    create = "mutation($input: CompliancePolicyInput!) { compliancePolicyCreate(input: $input) { policy { %s } userErrors { code field } } }"
    update = create.replace("compliancePolicyCreate", "compliancePolicyUpdate")
    jurisdiction = f"QA-TO-{next_id('x')[-4:]}"
    created = await admin.ok(create % SCA_POLICY, {"input": {
        "jurisdiction": jurisdiction, "name": "Tests: Tonga", "countries": ["TO"], "timezone": "Pacific/Tongatapu",
        "largeTransactionThresholds": [], "amlRules": [],
        "tiers": [{"tier": 1, "name": "Only", "crossBorder": True, "limits": [{"currency": "USD"}]}]}})
    assert created["compliancePolicyCreate"]["policy"]["strongAuthentication"] == []
    try:
        p = await pair(await clients.partner(), "TO", "USD", "100.00")
        no_factor = await frontend(p.partner, p.payer, None)
        assert codes(await no_factor.transfer(p.source, p.target, "10.00")) == []
        rule = {"operations": ["TRANSFER"], "aboveAmounts": [{"currency": "USD", "amount": "0"}], "require": "TWO_FACTORS",
                "maxAgeSeconds": 60}
        for bad, field in (({"maxAgeSeconds": 10}, ["strongAuthentication", "0", "maxAgeSeconds"]),
                           ({"aboveAmounts": [{"currency": "USD", "amount": "-5.00"}]},
                            ["strongAuthentication", "0", "aboveAmounts", "0", "amount"]),
                           ({"operations": []}, ["strongAuthentication", "0", "operations"])):
            refused = await admin.ok(update % SCA_POLICY, {"input": {"jurisdiction": jurisdiction,
                                                                     "strongAuthentication": [{**rule, **bad}]}})
            assert refused["compliancePolicyUpdate"]["userErrors"] == [{"code": "VALIDATION", "field": field}], bad
        changed = await admin.ok(update % SCA_POLICY, {"input": {"jurisdiction": jurisdiction, "strongAuthentication": [rule]}})
        assert changed["compliancePolicyUpdate"]["policy"]["strongAuthentication"][0]["aboveAmounts"] == [
            {"amount": "0.00", "currency": "USD"}]
        assert codes(await no_factor.transfer(p.source, p.target, "0.01")) == ["STEP_UP_REQUIRED"]
        two = await frontend(p.partner, p.payer, ["PIN", "BIOMETRIC"])
        assert codes(await two.transfer(p.source, p.target, "0.01")) == []
    finally:
        await admin.ok(update % SCA_POLICY, {"input": {"jurisdiction": jurisdiction, "countries": []}})
