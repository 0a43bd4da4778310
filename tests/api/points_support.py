"""Points programmes through the API (tests/api): a programme with a funded funding wallet and an earn rule."""

from __future__ import annotations

from typing import Any

from tests.factories import GraphQLClient

PROGRAM_CREATE = ("mutation($input: PointsProgramCreateInput!) { pointsProgramCreate(input: $input) {"
                  " program { id name unitCode valuePerPoint { amount currency } expiryMonths partnerId fundingWalletId }"
                  " userErrors { code field } } }")
RULE_FIELDS = ("id programId kind pointsPerUnit spendUnit { amount currency } mcc merchantId validFrom validTo"
               " perTransactionCap perMonthCap status version")
RULE_CREATE = ("mutation($input: PointsEarnRuleInput!) { pointsEarnRuleCreate(input: $input) {"
               f" rule {{ {RULE_FIELDS} }} userErrors {{ code field }} }} }}")
RULE_UPDATE = ("mutation($input: PointsEarnRuleInput!) { pointsEarnRuleUpdate(input: $input) {"
               f" rule {{ {RULE_FIELDS} }} userErrors {{ code field }} }} }}")
RULE_RETIRE = ("mutation($input: PointsEarnRuleRetireInput!) { pointsEarnRuleRetire(input: $input) {"
               f" rule {{ {RULE_FIELDS} }} userErrors {{ code field }} }} }}")
REDEEM = ("mutation($input: PointsRedeemInput!) { pointsRedeem(input: $input) { transaction { id kind amount { amount"
          " currency } } points amount { amount currency } userErrors { code field } } }")
POINTS = ("query($id: ID!, $program: ID!) { customer(id: $id) { points(programId: $program) { balance"
          " expiringSoon(days: 400) history(first: 10) { kind points transactionId cursor } } } }")


async def funded_program(client: GraphQLClient, *, fund: str = "100.00") -> tuple[dict[str, Any], str]:
    """A programme of the client's partner (1 point = 0.01 CNY, 12 months) funded from a new wallet; (program, wallet)."""
    wallet = await client.open_wallet("CNY")
    assert (await client.top_up(wallet["id"], fund))["userErrors"] == []
    created = (await client.ok(PROGRAM_CREATE, {"input": {
        "name": "Shop Points", "unitCode": "PTS", "valuePerPoint": {"amount": "0.01", "currency": "CNY"},
        "expiryMonths": 12, "fundingWalletId": wallet["id"]}}))["pointsProgramCreate"]
    assert created["userErrors"] == [], created
    return created["program"], wallet["id"]


async def points_ids(client: GraphQLClient) -> dict[str, str]:
    """A programme and an earn rule of the client's partner, for tests/api/test_nodes.py."""
    program, _ = await funded_program(client)
    rule = (await client.ok(RULE_CREATE, {"input": {"programId": program["id"], "kind": "PAYMENT", "pointsPerUnit": 1,
                                                    "spendUnit": "1.00"}}))["pointsEarnRuleCreate"]
    assert rule["userErrors"] == [], rule
    return {"PointsProgram": program["id"], "PointsEarnRule": rule["rule"]["id"]}


async def matrix_rule(client: GraphQLClient) -> str:
    """A fresh programme of the client's partner with one earn rule; the rule's global ID."""
    return (await points_ids(client))["PointsEarnRule"]


async def matrix_redeem_input(client: GraphQLClient, customer_id: str) -> dict[str, Any]:
    """pointsRedeem's input for 1 of 10 points the customer holds in a fresh programme of the client's partner."""
    import uuid as _uuid

    from models import Customer
    from schema.common.relay import parse_global_id
    from services.points.earning import earn
    from services.points.rules import Spend
    from services import clock

    ids = await points_ids(client)
    parsed = parse_global_id(customer_id)
    assert parsed is not None
    customer = await Customer.get(id=parsed[1])
    lots = await earn(customer=customer, currency="CNY", spend=Spend(kind="PAYMENT", amount_minor=1000, at=clock.now()),
                      source_id=_uuid.uuid4())
    assert lots, "the matrix customer earned no points"
    return {"customerId": customer_id, "programId": ids["PointsProgram"], "points": 1,
            "idempotencyKey": f"matrix-points-{_uuid.uuid4().hex[:12]}"}
