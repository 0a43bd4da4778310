"""Points programmes over GraphQL: create a programme and rules, earn on a payment, read Customer.points, redeem,
INSUFFICIENT_POINTS with nothing moved, and who may do what."""

from __future__ import annotations

from tests.api.payment_support import pay, refund, shop_and_payer
from tests.integration.points_support import points_caught_up
from tests.api.points_support import (
    POINTS, PROGRAM_CREATE, REDEEM, RULE_CREATE, RULE_RETIRE, RULE_UPDATE, funded_program,
)
from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.support import error_codes
from tests.factories import next_id


async def _customer_of(client, wallet_id: str) -> str:
    data = await client.ok("query($id: ID!) { wallet(id: $id) { customer { id } } }", {"id": wallet_id})
    return data["wallet"]["customer"]["id"]


async def test_a_partner_runs_a_programme_its_customer_earns_reads_and_redeems(clients, staff):  # noqa: F811
    a, b = await clients.partner(), await clients.partner()
    program, _ = await funded_program(a)
    assert program["unitCode"] == "PTS" and program["valuePerPoint"] == {"amount": "0.01", "currency": "CNY"}
    rule = (await a.ok(RULE_CREATE, {"input": {"programId": program["id"], "kind": "PAYMENT", "pointsPerUnit": 2,
                                               "spendUnit": "1.00", "perTransactionCap": 500}}))["pointsEarnRuleCreate"]
    assert rule["userErrors"] == [] and rule["rule"]["version"] == 1
    assert rule["rule"]["spendUnit"] == {"amount": "1.00", "currency": "CNY"}
    _, request, wallet = await shop_and_payer(a, a, amount="120.50", singleUse=True)
    paid = await pay(a, wallet, next_id("pay"), qrPayload=request["payload"])
    assert paid["userErrors"] == []
    await points_caught_up()  # points are earned from the outbox (services.points.earn_feed)
    customer = await _customer_of(a, wallet)
    points = (await a.ok(POINTS, {"id": customer, "program": program["id"]}))["customer"]["points"]
    assert points["balance"] == 240 and points["expiringSoon"] == 240
    assert [(h["kind"], h["points"]) for h in points["history"]] == [("POINTS_EARN", 240)]
    # The customer's own frontend reads them too; another partner cannot see A's programme.
    session = await customer_session(a, customer, ["customers:read"])
    assert (await session.ok(POINTS, {"id": customer, "program": program["id"]}))["customer"]["points"]["balance"] == 240
    redeem_input = {"customerId": customer, "programId": program["id"], "points": 200, "idempotencyKey": next_id("rd")}
    done = (await a.ok(REDEEM, {"input": redeem_input}))["pointsRedeem"]
    assert done["userErrors"] == [] and done["points"] == 200 and done["amount"] == {"amount": "2.00", "currency": "CNY"}
    assert done["transaction"]["kind"] == "TRANSFER"
    again = (await a.ok(REDEEM, {"input": redeem_input}))["pointsRedeem"]  # a retry answers the original
    assert again["transaction"]["id"] == done["transaction"]["id"]
    too_many = (await a.ok(REDEEM, {"input": {**redeem_input, "points": 41, "idempotencyKey": next_id("rd")}}))
    assert too_many["pointsRedeem"]["userErrors"] == [{"code": "INSUFFICIENT_POINTS", "field": ["points"]}]
    after = (await a.ok(POINTS, {"id": customer, "program": program["id"]}))["customer"]["points"]
    assert after["balance"] == 40 and [h["kind"] for h in after["history"]] == ["POINTS_REDEEM", "POINTS_EARN"]
    refunded = await refund(a, paid["payment"]["id"], "60.25", next_id("rf"))
    assert refunded["userErrors"] == []
    await points_caught_up()
    # Half the payment refunded asks 120 points back; the customer holds 40: 40 taken, 80 short (never below zero).
    assert (await a.ok(POINTS, {"id": customer, "program": program["id"]}))["customer"]["points"]["balance"] == 0
    hidden = await b.gql(REDEEM, {"input": {**redeem_input, "idempotencyKey": next_id("rd")}})
    assert hidden["data"]["pointsRedeem"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_rules_change_by_version_and_bad_input_changes_nothing(clients, staff):  # noqa: F811
    a = await clients.partner()
    program, wallet = await funded_program(a)
    created = (await a.ok(RULE_CREATE, {"input": {"programId": program["id"], "kind": "PAYMENT", "pointsPerUnit": 1,
                                                  "spendUnit": "1.00"}}))["pointsEarnRuleCreate"]["rule"]
    updated = (await a.ok(RULE_UPDATE, {"input": {"ruleId": created["id"], "mcc": "5812", "perMonthCap": 1000}}))
    assert updated["pointsEarnRuleUpdate"]["rule"]["version"] == 2
    assert updated["pointsEarnRuleUpdate"]["rule"]["mcc"] == "5812"
    retired = (await a.ok(RULE_RETIRE, {"input": {"ruleId": created["id"]}}))["pointsEarnRuleRetire"]["rule"]
    assert (retired["status"], retired["version"]) == ("RETIRED", 3)
    bad = [
        {"name": "X", "unitCode": "CNY", "valuePerPoint": {"amount": "0.01", "currency": "CNY"}, "expiryMonths": 12,
         "fundingWalletId": wallet},
        {"name": "X", "unitCode": "PTS", "valuePerPoint": {"amount": "0.001", "currency": "CNY"}, "expiryMonths": 12,
         "fundingWalletId": wallet},
        {"name": "X", "unitCode": "PTS", "valuePerPoint": {"amount": "0.01", "currency": "USD"}, "expiryMonths": 12,
         "fundingWalletId": wallet},
    ]
    codes = [(await a.ok(PROGRAM_CREATE, {"input": i}))["pointsProgramCreate"]["userErrors"][0]["code"] for i in bad]
    assert codes == ["VALIDATION", "INVALID_AMOUNT", "VALIDATION"]
    support = await staff("support")
    refused = await support.gql(PROGRAM_CREATE, {"input": {**bad[0], "unitCode": "PTS"}})
    assert error_codes(refused) == ["FORBIDDEN"]
    admin = await staff("admin")
    bank_wide = (await admin.ok(PROGRAM_CREATE, {"input": {**bad[0], "unitCode": "QBP"}}))["pointsProgramCreate"]
    assert bank_wide["userErrors"] == [] and bank_wide["program"]["partnerId"] is None
