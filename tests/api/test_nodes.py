"""node(id:) and nodes(ids:): every Node type round-trips for whoever may see it, and is null for everyone else."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from graphql import GraphQLObjectType

from schema.build import schema as api_schema
from schema.common.relay import to_global_id
from schema.nodes import MAX_NODES, NODE_KINDS
from tests.api.kyc_support import submitted
from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.test_aml_cases import raise_alert
from tests.api.support import error_codes
from tests.api.merchant_support import merchant_ids
from tests.api.payment_support import payment_ids
from tests.api.rail_support import rail_transfer_id
from tests.api.reconciliation_support import reconciliation_exception_id
from tests.api.webhook_support import webhook_ids
from tests.api.test_fx_api import fx_ids
from tests.api.test_cross_border_api import cross_border_ids  # issue 14 part 7 (helper A)
from tests.api.points_support import points_ids
from tests.api.coupon_support import coupon_ids
from tests.api.offers_support import offer_ids  # issue 15 part 6 (helper C)
from tests.api.test_bulk_payout_api import bulk_payout_ids
from tests.api.ticket_support import support_ids  # issue 16 parts 2-3 (helper F)
from tests.api.business_members_support import business_ids  # issue 16 parts 5-6 (helper G1)
from tests.factories import BearerSession, next_id

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


def _node_types() -> set[str]:
    """The names of the schema's object types that implement Node."""
    graphql_schema = api_schema._schema
    return {
        name for name, graphql_type in graphql_schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and any(i.name == "Node" for i in graphql_type.interfaces)
    }


@pytest.fixture
async def world(clients, staff):  # noqa: F811 - pytest fixture injection
    """Partner A with one of everything, partner B, and an admin; the global ID of one object per Node type."""
    a, b = await clients.partner(), await clients.partner()
    admin, officer = await staff("admin"), await staff("compliance")
    customer = await a.create_customer()
    wallet = await a.open_wallet("CNY", customer["id"])
    top_up = await a.top_up(wallet["id"], "5.00")
    partner_id = (await a.ok("{ viewer { partner { id } } }"))["viewer"]["partner"]["id"]
    clients_of_a = await admin.ok(
        "query($id: ID!) { node(id: $id) { ... on Partner { apiClients { id } } } }", {"id": partner_id}
    )
    rule = await admin.ok(
        "mutation($input: FeeRuleInput!) { feeRuleCreate(input: $input) { rule { id } userErrors { code } } }",
        {"input": {"kind": "PAYMENT", "partnerId": partner_id, "currency": "CNY", "fixed": "0.10"}},
    )
    audit = await admin.ok("query($p: ID) { auditEvents(first: 1, partnerId: $p) { nodes { id } } }", {"p": partner_id})
    policies = await admin.ok("{ compliancePolicies { id } }")
    _, submission_id, _ = await submitted(a)
    alert_id = await raise_alert(customer["id"], wallet_id=wallet["id"])
    case = await officer.ok(
        "mutation($input: AmlCaseOpenInput!) { amlCaseOpen(input: $input) { case { id } userErrors { code } } }",
        {"input": {"alertIds": [alert_id], "title": "node round trip"}},
    )
    ids = {
        "Customer": customer["id"],
        "Wallet": wallet["id"],
        "Transaction": top_up["transaction"]["id"],
        "Partner": partner_id,
        "ApiClient": clients_of_a["node"]["apiClients"][0]["id"],
        "FeeRule": rule["feeRuleCreate"]["rule"]["id"],
        "AuditEvent": audit["auditEvents"]["nodes"][0]["id"],
        "CompliancePolicy": policies["compliancePolicies"][0]["id"],
        "KycSubmission": submission_id,
        "AmlAlert": alert_id,
        "AmlCase": case["amlCaseOpen"]["case"]["id"],
        "StaffUser": (await officer.ok("{ viewer { staffUser { id } } }"))["viewer"]["staffUser"]["id"],
        "Event": (await a.ok('{ events(first: 1, types: ["customer.created"]) { nodes { id } } }'))["events"]["nodes"][0]["id"],
        **await webhook_ids(a),
        **await merchant_ids(a),
        **await payment_ids(a),
        "RailTransfer": await rail_transfer_id(a, wallet["id"]),
        "ReconciliationException": await reconciliation_exception_id(),
        **await funding_ids(a, customer["id"]),
        **await fx_ids(a, admin, customer["id"], wallet["id"]),
        **await cross_border_ids(a, admin, customer["id"], wallet["id"]),  # issue 14 part 7 (helper A)
        **await points_ids(a),
        **await coupon_ids(a),  # issue 15 part 4 (helper B)
        **await offer_ids(a, customer["id"]),
        **await bulk_payout_ids(a),
        **await support_ids(a),
        **await business_ids(a),
        "HelpArticle": (await a.ok('{ helpArticles(locale: EN, first: 1) { nodes { id } } }'))["helpArticles"]["nodes"][0]["id"],
        "PaymentCode": (await a.ok(
            "mutation($input: PaymentCodeCreateInput!) { paymentCodeCreate(input: $input) { paymentCode { id } } }",
            {"input": {"walletId": wallet["id"]}}))["paymentCodeCreate"]["paymentCode"]["id"],
    }
    return {"a": a, "b": b, "admin": admin, "ids": ids}


async def funding_ids(a, customer_id: str) -> dict[str, str]:
    """A linked bank account and card of A's customer (services.funding)."""
    account = await a.ok(
        "mutation($input: BankAccountLinkInput!) { bankAccountLink(input: $input) { bankAccount { id } } }",
        {"input": {"customerId": customer_id, "country": "DE", "iban": "DE89370400440532013000",
                   "holderName": "Test Customer"}})
    card = await a.ok(
        "mutation($input: CardLinkInput!) { cardLink(input: $input) { card { id } } }",
        {"input": {"customerId": customer_id, "cardNumber": "4111111111111111", "expiryMonth": 12,
                   "expiryYear": 2099, "holderName": "Test Customer"}})
    return {"BankAccount": account["bankAccountLink"]["bankAccount"]["id"], "Card": card["cardLink"]["card"]["id"]}


# Who owns each type's object: the partner (A reads it, B gets null), or only the bank (partners get null).
BANK_ONLY = {"ApiClient", "AuditEvent", "CompliancePolicy", "AmlAlert", "AmlCase", "StaffUser",
             "ReconciliationException"}
# The bank's own data that every partner reads (FX rates): B sees it too.
EVERY_PARTNER = {"FxRate"}
EVERY_PARTNER |= {"HelpArticle"}  # published help centre articles (issue 16 part 1)


def test_every_node_type_of_the_schema_can_be_fetched_and_is_tested():
    node_types = _node_types()
    assert node_types, "the walker found no Node types"
    assert node_types <= set(NODE_KINDS), f"Node types node(id:) cannot fetch: {node_types - set(NODE_KINDS)}"
    untested = node_types - set(TESTED_TYPES)
    assert not untested, f"Node types without a round-trip test here: {untested}"


TESTED_TYPES = ("Customer", "Wallet", "Transaction", "Partner", "ApiClient", "FeeRule", "AuditEvent", "CompliancePolicy",
                "KycSubmission", "AmlAlert", "AmlCase", "StaffUser", "Event", "WebhookEndpoint", "WebhookDelivery",
                "Merchant", "PaymentRequest", "PaymentCode", "Payment", "Refund", "PaymentAuthorization", "RailTransfer",
                "BankAccount", "Card", "FxRate", "FxQuote", "ReconciliationException",
                "PointsProgram", "PointsEarnRule",
                "CouponCampaign", "Coupon",
                "Offer", "CustomerConsent",
                "BulkPayout", "BulkPayoutLine",
                "SupportTicket", "Dispute",
                "HelpArticle",
                "Beneficiary", "InternationalTransfer",  # issue 14 part 7 (helper A)
                "BusinessMember", "BusinessApprovalPolicy", "PayoutRequest")


@pytest.mark.parametrize("type_name", TESTED_TYPES)
async def test_a_node_round_trips_for_its_owner_and_is_null_for_another_partner(world, type_name):
    global_id = world["ids"][type_name]
    owner = world["admin"] if type_name in BANK_ONLY else world["a"]
    fetched = await owner.ok(NODE, {"id": global_id})
    assert fetched["node"] == {"__typename": type_name, "id": global_id}
    # Staff read every partner's objects too.
    assert (await world["admin"].ok(NODE, {"id": global_id}))["node"] == {"__typename": type_name, "id": global_id}
    if type_name in EVERY_PARTNER:
        assert (await world["b"].ok(NODE, {"id": global_id}))["node"] == {"__typename": type_name, "id": global_id}
        return
    # Another partner: exactly what an ID that names nothing gets.
    assert await world["b"].gql(NODE, {"id": global_id}) == {"data": {"node": None}}
    if type_name in BANK_ONLY:
        assert await world["a"].gql(NODE, {"id": global_id}) == {"data": {"node": None}}


async def test_nodes_answers_in_the_order_asked_with_null_for_what_the_caller_may_not_see(world):
    ids = world["ids"]
    asked = [ids["Wallet"], ids["AuditEvent"], ids["Customer"], to_global_id("Wallet", uuid.uuid4()), ids["Transaction"]]
    got = (await world["a"].ok(NODES, {"ids": asked}))["nodes"]
    assert [n and n["id"] for n in got] == [ids["Wallet"], None, ids["Customer"], None, ids["Transaction"]]
    assert (await world["b"].ok(NODES, {"ids": asked}))["nodes"] == [None] * len(asked)


async def test_node_ids_of_the_wrong_type_or_malformed(world):
    a, ids = world["a"], world["ids"]
    # A real object's raw id under another type name: nothing there.
    wallet_raw = ids["Wallet"]
    from schema.nodes import decode_global_id

    _, raw = decode_global_id(wallet_raw)
    assert await a.gql(NODE, {"id": to_global_id("Customer", raw)}) == {"data": {"node": None}}
    assert await a.gql(NODE, {"id": to_global_id("NoSuchType", raw)}) == {"data": {"node": None}}
    assert await a.gql(NODE, {"id": to_global_id("AuditEvent", "not-a-number")}) == {"data": {"node": None}}
    for garbage in ("", "%%%", "x" * 200):
        body = await a.gql(NODE, {"id": garbage})
        assert error_codes(body) == ["VALIDATION"], body
    too_many = await a.gql(NODES, {"ids": [ids["Wallet"]] * (MAX_NODES + 1)})
    assert error_codes(too_many) == ["VALIDATION"], too_many


def _uuid_shaped(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


async def test_audit_events_show_global_ids_not_raw_ones(world):
    admin, partner_id = world["admin"], world["ids"]["Partner"]
    events = await admin.ok(
        "query($p: ID) { auditEvents(first: 20, partnerId: $p) { nodes { id partnerId objectId } } }", {"p": partner_id}
    )
    nodes = events["auditEvents"]["nodes"]
    assert nodes
    for event in nodes:
        assert not event["id"].isdigit()
        assert event["partnerId"] == partner_id
        assert not _uuid_shaped(event["objectId"]), event


async def test_a_customer_token_sees_only_its_own_customer_through_node(world):
    a, ids = world["a"], world["ids"]
    other = await a.create_customer()
    token = await a.ok(
        "mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) { token } }",
        {"input": {"customerId": ids["Customer"], "scopes": ["customers:read", "wallets:read"]}},
    )
    frontend = BearerSession(http=a.http, token=token["customerTokenCreate"]["token"])
    assert (await frontend.ok(NODE, {"id": ids["Customer"]}))["node"]["id"] == ids["Customer"]
    assert await frontend.gql(NODE, {"id": other["id"]}) == {"data": {"node": None}}
