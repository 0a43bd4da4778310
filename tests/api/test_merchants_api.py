"""merchantCreate, merchant(id), merchants, merchantSuspend/merchantReactivate over GraphQL."""

from __future__ import annotations

from models import AuditEvent, Merchant
from tests.api.merchant_support import (
    CREATE, MERCHANT_FIELDS, business_with_wallet, merchant_input, new_merchant, raw,
)
from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.support import error_codes

STATUS = ("mutation($input: MerchantStatusInput!) {{ {op}(input: $input) {{ merchant {{ id status statusReason }}"
          " userErrors {{ code message field }} }} }}")
ONE = f"query($id: ID!) {{ merchant(id: $id) {{ {MERCHANT_FIELDS} createdAt updatedAt }} }}"
LIST = "query($s: MerchantStatus) { merchants(first: 10, status: $s) { nodes { id status } pageInfo { hasNextPage } } }"


async def test_a_partner_creates_reads_and_lists_its_merchant(clients):
    a = await clients.partner()
    customer_id, wallet_id = await business_with_wallet(a)
    payload = (await a.ok(CREATE, {"input": merchant_input(customer_id, wallet_id, displayName=" Noodle Bar ")}))["merchantCreate"]
    assert payload["userErrors"] == []
    merchant = payload["merchant"]
    assert merchant["customerId"] == customer_id and merchant["settlementWalletId"] == wallet_id
    assert (merchant["displayName"], merchant["mcc"], merchant["city"], merchant["country"], merchant["status"]) == (
        "Noodle Bar", "5812", "Shanghai", "CN", "ACTIVE")
    assert merchant["categoryName"] and merchant["statusReason"] is None
    fetched = (await a.ok(ONE, {"id": merchant["id"]}))["merchant"]
    assert fetched["id"] == merchant["id"] and fetched["createdAt"]
    listed = (await a.ok(LIST, {"s": "ACTIVE"}))["merchants"]["nodes"]
    assert listed == [{"id": merchant["id"], "status": "ACTIVE"}]
    assert (await a.ok(LIST, {"s": "SUSPENDED"}))["merchants"]["nodes"] == []
    events = await a.ok('{ events(first: 5, types: ["merchant.created"]) { nodes { data { merchantId customerId walletId } } } }')
    assert events["events"]["nodes"] == [{"data": {"merchantId": merchant["id"], "customerId": customer_id,
                                                   "walletId": wallet_id}}]


async def test_refusals_are_user_errors_and_write_nothing(clients):
    a, b = await clients.partner(), await clients.partner()
    customer_id, wallet_id = await business_with_wallet(a)
    person = await a.create_customer(kind="INDIVIDUAL")
    unapproved = await a.create_customer(kind="BUSINESS", kyc_tier=None)
    cases = [
        (a, merchant_input(customer_id, wallet_id, mcc="12"), "VALIDATION", ["mcc"]),
        (a, merchant_input(customer_id, wallet_id, displayName="x" * 26), "VALIDATION", ["displayName"]),
        (a, merchant_input(customer_id, wallet_id, country="ZZ"), "VALIDATION", ["country"]),
        (a, merchant_input(person["id"], wallet_id), "VALIDATION", ["customerId"]),
        (a, merchant_input(unapproved["id"], wallet_id), "KYC_REQUIRED", ["customerId"]),
        (a, merchant_input(customer_id, customer_id), "NOT_FOUND", ["settlementWalletId"]),  # an ID of the wrong type
        (b, merchant_input(customer_id, wallet_id), "NOT_FOUND", ["customerId"]),  # another partner's customer
    ]
    before = await Merchant.all().count()
    for client, values, code, field in cases:
        payload = (await client.ok(CREATE, {"input": values}))["merchantCreate"]
        assert payload["merchant"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], (values, payload)
    assert await Merchant.all().count() == before


async def test_a_customer_token_cannot_create_merchants(clients):
    a = await clients.partner()
    customer_id, wallet_id = await business_with_wallet(a)
    frontend = await customer_session(a, customer_id, ["customers:read", "customers:write"])
    body = await frontend.gql(CREATE, {"input": merchant_input(customer_id, wallet_id)})
    assert error_codes(body) == ["FORBIDDEN"]


async def test_suspend_and_reactivate_with_reasons_audited(clients):
    a, b = await clients.partner(), await clients.partner()
    merchant = await new_merchant(a)
    variables = {"input": {"merchantId": merchant["id"], "reason": "too many chargebacks"}}
    assert (await b.ok(STATUS.format(op="merchantSuspend"), variables))["merchantSuspend"]["userErrors"][0]["code"] == "NOT_FOUND"
    suspended = (await a.ok(STATUS.format(op="merchantSuspend"), variables))["merchantSuspend"]
    assert suspended["userErrors"] == [] and suspended["merchant"]["status"] == "SUSPENDED"
    assert suspended["merchant"]["statusReason"] == "too many chargebacks"
    again = (await a.ok(STATUS.format(op="merchantSuspend"), variables))["merchantSuspend"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATE"]
    short = {"input": {"merchantId": merchant["id"], "reason": "ok"}}
    assert (await a.ok(STATUS.format(op="merchantReactivate"), short))["merchantReactivate"]["userErrors"][0]["code"] == "VALIDATION"
    active = (await a.ok(STATUS.format(op="merchantReactivate"), variables))["merchantReactivate"]
    assert active["merchant"]["status"] == "ACTIVE" and active["merchant"]["statusReason"] is None
    rows = await AuditEvent.filter(object_id=str(raw(merchant["id"]))).order_by("id").values_list("operation", "outcome")
    assert ("merchantSuspend", "OK") in rows and ("merchantReactivate", "OK") in rows


async def test_merchants_stay_private_to_their_partner_and_bank_staff(clients, staff):  # noqa: F811
    a, b = await clients.partner(), await clients.partner()
    merchant = await new_merchant(a)
    body = await b.gql(ONE, {"id": merchant["id"]})
    assert error_codes(body) == ["NOT_FOUND"] and body["data"] == {"merchant": None}
    assert (await b.ok(LIST))["merchants"]["nodes"] == []
    assert (await b.ok("query($id: ID!) { node(id: $id) { id } }", {"id": merchant["id"]}))["node"] is None
    support = await staff("support")
    assert (await support.ok(ONE, {"id": merchant["id"]}))["merchant"]["id"] == merchant["id"]
    owner = await customer_session(a, merchant["customerId"], ["customers:read"])
    assert (await owner.ok(ONE, {"id": merchant["id"]}))["merchant"]["id"] == merchant["id"]
    stranger = await customer_session(a, (await a.create_customer())["id"], ["customers:read"])
    assert error_codes(await stranger.gql(ONE, {"id": merchant["id"]})) == ["NOT_FOUND"]
