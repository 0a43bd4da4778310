"""Beneficiaries and internationalTransferCreate over GraphQL: fee and rate first, HELD then settled, refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services import clock
from services.rails import registry
from services.rails.config import SimulatedRailSettings
from services.rails.jobs import run_rail_jobs
from services.rails.simulated import SimulatedRail
from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.test_fx_api import quote, set_rate
from tests.factories import ApiClientFactory, GraphQLClient, next_id

CREATE = ("mutation($input: BeneficiaryCreateInput!) { beneficiaryCreate(input: $input) { beneficiary { id status"
          " maskedNumber bic country currency numberKind } userErrors { code field } } }")
DELETE = ("mutation($input: BeneficiaryDeleteInput!) { beneficiaryDelete(input: $input) { beneficiary { id status }"
          " userErrors { code field } } }")
SEND = ("mutation($input: InternationalTransferCreateInput!) { internationalTransferCreate(input: $input) {"
        " internationalTransfer { id status amount { amount currency } buyAmount { amount currency }"
        " fee { amount } rate purposeCode quotaCounted { amount currency } complianceReview transactionId }"
        " transaction { id kind status dryRun amount { amount currency } fee { amount }"
        " buyAmount { amount currency } railTransfer { sourceKind status } } rate userErrors { code field } } }")
WALLET = "query($id: ID!) { wallet(id: $id) { balance { amount } availableBalance { amount } } }"
LIST = ("query($id: ID!) { beneficiaries(customerId: $id, first: 10) { edges { node { id name maskedNumber } } } }")


@pytest.fixture(autouse=True)
def instant_rail():
    registry.reset()
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=0)))
    yield
    registry.reset()


async def _beneficiary(partner: GraphQLClient, customer_id: str, **fields: Any) -> dict[str, Any]:
    values = {"customerId": customer_id, "name": "Jane Roe", "country": "US", "bic": "CHASUS33",
              "accountNumber": "123456789", "address": "1 Main St, Springfield", **fields}
    return (await partner.ok(CREATE, {"input": values}))["beneficiaryCreate"]


async def _send(session: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"idempotencyKey": next_id("xb"), "purposeCode": "FAM", **fields}
    return (await session.ok(SEND, {"input": values}))["internationalTransferCreate"]


async def _money(partner: GraphQLClient, wallet_id: str) -> tuple[str, str]:
    data = (await partner.ok(WALLET, {"id": wallet_id}))["wallet"]
    return data["balance"]["amount"], data["availableBalance"]["amount"]


async def test_an_international_transfer_shows_fee_and_rate_first_then_is_held_and_settles(
        clients: ApiClientFactory, staff):  # noqa: F811
    admin, partner = await staff("admin"), await clients.partner()
    await set_rate(admin, "CNY", "USD", "0.14")
    customer = await partner.create_customer()
    wallet = (await partner.open_wallet("CNY", customer["id"]))["id"]
    assert (await partner.top_up(wallet, "1000.00"))["userErrors"] == []
    made = await _beneficiary(partner, customer["id"])
    assert made["userErrors"] == [] and made["beneficiary"]["status"] == "ACTIVE"
    assert made["beneficiary"]["maskedNumber"] == "•••• 6789" and made["beneficiary"]["numberKind"] == "ACCOUNT_NUMBER"
    listed = (await partner.ok(LIST, {"id": customer["id"]}))["beneficiaries"]["edges"]
    assert [e["node"]["id"] for e in listed] == [made["beneficiary"]["id"]]
    given = (await quote(partner, "CNY", "USD", sellAmount="100.00", fromWalletId=wallet))["quote"]
    inputs = {"fromWalletId": wallet, "beneficiaryId": made["beneficiary"]["id"], "quoteId": given["id"]}
    dry = await _send(partner, **inputs, dryRun=True)
    assert dry["userErrors"] == [] and dry["internationalTransfer"] is None and dry["transaction"]["dryRun"] is True
    assert dry["transaction"]["buyAmount"] == {"amount": "14.00", "currency": "USD"} and dry["rate"]
    assert await _money(partner, wallet) == ("1000.00", "1000.00")
    done = await _send(partner, **inputs)
    assert done["userErrors"] == [], done
    sent, txn = done["internationalTransfer"], done["transaction"]
    assert (txn["kind"], txn["status"], txn["railTransfer"]) == ("WITHDRAWAL", "HELD",
                                                                 {"sourceKind": "BENEFICIARY", "status": "SUBMITTING"})
    assert txn["fee"] == dry["transaction"]["fee"] and sent["fee"] == txn["fee"]
    assert sent["quotaCounted"] == {"amount": "14.00", "currency": "USD"} and sent["purposeCode"] == "FAM"
    debit = 100 + float(txn["fee"]["amount"])
    balance, available = await _money(partner, wallet)
    assert balance == "1000.00" and float(available) == 1000 - debit
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    await run_rail_jobs(now=clock.now() + timedelta(seconds=5))
    node = (await partner.ok("query($id: ID!) { node(id: $id) { ... on InternationalTransfer { status } } }",
                             {"id": sent["id"]}))["node"]
    assert node == {"status": "SETTLED"}
    balance, available = await _money(partner, wallet)
    assert float(balance) == float(available) == 1000 - debit


async def test_bad_input_returns_stable_codes_and_moves_nothing(clients: ApiClientFactory, staff):  # noqa: F811
    admin, partner, other = await staff("admin"), await clients.partner(), await clients.partner()
    await set_rate(admin, "CNY", "USD", "0.14")
    customer = await partner.create_customer()
    wallet = (await partner.open_wallet("CNY", customer["id"]))["id"]
    assert (await partner.top_up(wallet, "100.00"))["userErrors"] == []
    bad_iban = await _beneficiary(partner, customer["id"], country="DE", bic="COBADEFFXXX", accountNumber=None,
                                  iban="DE89370400440532013001")
    assert bad_iban["userErrors"] == [{"code": "INVALID_BANK_ACCOUNT", "field": ["iban"]}]
    bad_bic = await _beneficiary(partner, customer["id"], bic="NOPE")
    assert bad_bic["userErrors"] == [{"code": "INVALID_BANK_ACCOUNT", "field": ["bic"]}]
    foreign = await _beneficiary(other, customer["id"])
    assert foreign["userErrors"] == [{"code": "NOT_FOUND", "field": ["customerId"]}]
    refused = (await _beneficiary(partner, customer["id"], country="KP", bic="KKBCKPPYXXX", currency="USD"))
    kp = refused["beneficiary"]["id"]
    given = (await quote(partner, "CNY", "USD", sellAmount="10.00", fromWalletId=wallet))["quote"]
    country = await _send(partner, fromWalletId=wallet, beneficiaryId=kp, quoteId=given["id"])
    assert country["userErrors"] == [{"code": "COUNTRY_REFUSED", "field": ["beneficiaryId"]}]
    good = (await _beneficiary(partner, customer["id"]))["beneficiary"]["id"]
    purpose = await _send(partner, fromWalletId=wallet, beneficiaryId=good, quoteId=given["id"], purposeCode=None)
    assert purpose["userErrors"] == [{"code": "VALIDATION", "field": ["purposeCode"]}]
    # Another partner cannot name this customer's beneficiary, nor this partner's quote.
    other_customer = await other.create_customer()
    other_wallet = (await other.open_wallet("CNY", other_customer["id"]))["id"]
    theirs = await _send(other, fromWalletId=other_wallet, beneficiaryId=good, quoteId=given["id"])
    assert theirs["userErrors"] == [{"code": "NOT_FOUND", "field": ["beneficiaryId"]}]
    gone = (await partner.ok(DELETE, {"input": {"beneficiaryId": good}}))["beneficiaryDelete"]
    assert gone["beneficiary"]["status"] == "DELETED"
    inactive = await _send(partner, fromWalletId=wallet, beneficiaryId=good, quoteId=given["id"])
    assert inactive["userErrors"] == [{"code": "BENEFICIARY_NOT_ACTIVE", "field": ["beneficiaryId"]}]
    assert await _money(partner, wallet) == ("100.00", "100.00")


async def cross_border_ids(a: GraphQLClient, admin: GraphQLClient, customer_id: str, wallet_id: str) -> dict[str, str]:
    """A beneficiary of A's customer and an international transfer to it, for tests/api/test_nodes.py."""
    await set_rate(admin, "CNY", "USD", "0.14")
    beneficiary = (await _beneficiary(a, customer_id))["beneficiary"]["id"]
    given = (await quote(a, "CNY", "USD", sellAmount="1.00", fromWalletId=wallet_id))["quote"]
    sent = await _send(a, fromWalletId=wallet_id, beneficiaryId=beneficiary, quoteId=given["id"])
    assert sent["userErrors"] == [], sent
    return {"Beneficiary": beneficiary, "InternationalTransfer": sent["internationalTransfer"]["id"]}


async def test_policy_packs_show_their_cross_border_rules_and_refuse_a_malformed_section(
        clients: ApiClientFactory, staff):  # noqa: F811
    admin = await staff("admin")
    packs = (await admin.ok("{ compliancePolicies { jurisdiction crossBorder { annualQuota { amount currency }"
                            " annualQuotaCustomerKinds refusedCountries purposeCodeRequired } } }"))["compliancePolicies"]
    cn = next(p for p in packs if p["jurisdiction"] == "CN")["crossBorder"]
    assert cn["annualQuota"] == {"amount": "50000.00", "currency": "USD"}
    assert cn["annualQuotaCustomerKinds"] == ["INDIVIDUAL"] and cn["purposeCodeRequired"] is True
    assert "KP" in cn["refusedCountries"]
    bad = (await admin.ok(
        "mutation($input: CompliancePolicyInput!) { compliancePolicyUpdate(input: $input) { policy { version }"
        " userErrors { code field } } }",
        {"input": {"jurisdiction": "CN", "crossBorder": {"refusedCountries": ["KP"], "reviewCountries": ["KP"]}}},
    ))["compliancePolicyUpdate"]
    assert bad == {"policy": None, "userErrors": [{"code": "VALIDATION",
                                                   "field": ["crossBorder", "reviewCountries"]}]}
    quota = (await admin.ok(
        "mutation($input: CompliancePolicyInput!) { compliancePolicyUpdate(input: $input) { policy { version }"
        " userErrors { code field } } }",
        {"input": {"jurisdiction": "CN", "crossBorder": {"annualQuotaCurrency": "USD", "annualQuotaAmount": "1.001"}}},
    ))["compliancePolicyUpdate"]
    assert quota["userErrors"] == [{"code": "VALIDATION", "field": ["crossBorder", "annualQuota", "amount"]}]


async def test_a_customer_token_sees_only_its_own_beneficiaries(clients: ApiClientFactory):
    from tests.api.staff_support import customer_session

    partner = await clients.partner()
    mine, theirs = await partner.create_customer(), await partner.create_customer()
    own = (await _beneficiary(partner, mine["id"]))["beneficiary"]["id"]
    other = (await _beneficiary(partner, theirs["id"]))["beneficiary"]["id"]
    frontend = await customer_session(partner, mine["id"], ["customers:read", "customers:write"])
    read = "query($id: ID!) { beneficiary(id: $id) { id } }"
    assert (await frontend.ok(read, {"id": own}))["beneficiary"] == {"id": own}
    hidden = await frontend.gql(read, {"id": other})
    assert hidden["data"]["beneficiary"] is None and hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    gone = (await frontend.ok(DELETE, {"input": {"beneficiaryId": other}}))["beneficiaryDelete"]
    assert gone["userErrors"] == [{"code": "NOT_FOUND", "field": ["beneficiaryId"]}]
