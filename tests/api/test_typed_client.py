"""A typed client against the committed SDL: what partners' generated clients do, in the suite.

The Python `gql` client loads `schema.graphql` (the file partners generate
their clients from), validates every operation against it before sending, and
parses custom scalars on the way back. The partner's everyday operations must
validate and run; an operation using a field the SDL does not have must be
refused by the client itself, before any request.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import GraphQLError

SDL = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text(encoding="utf-8")

# The operations of a partner's first day, as a generated client would hold them.
OPERATIONS = {
    "CreateCustomer": """
        mutation CreateCustomer($input: CustomerCreateInput!) {
          customerCreate(input: $input) { customer { id externalRef kind kycStatus createdAt } userErrors { code message field } }
        }""",
    "OpenWallet": """
        mutation OpenWallet($input: WalletOpenInput!) {
          walletOpen(input: $input) { wallet { id currency status balance { amount currency } } userErrors { code field } }
        }""",
    "TopUp": """
        mutation TopUp($input: WalletTopUpInput!) {
          walletTopUp(input: $input) { transaction { id kind status amount { amount currency } feeLines { kind amount { amount } } } userErrors { code field } }
        }""",
    "Wallets": """
        query Wallets($first: Int, $after: String) {
          wallets(first: $first, after: $after) {
            edges { cursor node { id currency nickname availableBalance { amount currency } } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }""",
    "Node": """
        query Node($id: ID!) { node(id: $id) { __typename id ... on Wallet { currency } } }""",
}


def request(name: str, **variables: object) -> GraphQLRequest:
    """One of the operations above, with its variables."""
    return GraphQLRequest(OPERATIONS[name], variable_values=variables)


@pytest.fixture
async def typed_client(app, clients):
    """A gql Client holding the committed SDL, talking to the app in-process with a partner's token."""
    partner = await clients.partner()
    transport = HTTPXAsyncTransport(
        url="http://testserver/graphql", transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {partner.token}"},
    )
    client = Client(schema=SDL, transport=transport, parse_results=True, serialize_variables=True)
    async with client as session:
        yield session


def test_every_operation_validates_against_the_committed_sdl():
    client = Client(schema=SDL)
    for text in OPERATIONS.values():
        client.validate(gql(text))  # raises GraphQLError on any unknown field, type or wrong argument type


def test_an_operation_the_sdl_does_not_allow_is_refused_by_the_client():
    client = Client(schema=SDL)
    with pytest.raises(GraphQLError, match="noSuchField"):
        client.validate(gql("query { wallets(first: 1) { nodes { id noSuchField } } }"))


async def test_a_partner_day_runs_through_the_typed_client(typed_client):
    created = await typed_client.execute(request("CreateCustomer", input={
        "externalRef": "typed-1", "kind": "INDIVIDUAL", "displayName": "Typed Client", "country": "CN",
    }))
    payload = created["customerCreate"]
    assert payload["userErrors"] == [] and payload["customer"]["kind"] == "INDIVIDUAL"
    opened = await typed_client.execute(
        request("OpenWallet", input={"customerId": payload["customer"]["id"], "currency": "CNY"})
    )
    wallet = opened["walletOpen"]["wallet"]
    assert wallet["balance"] == {"amount": "0.00", "currency": "CNY"}
    page = await typed_client.execute(request("Wallets", first=10))
    assert [edge["node"]["id"] for edge in page["wallets"]["edges"]] == [wallet["id"]]
    found = await typed_client.execute(request("Node", id=wallet["id"]))
    assert found["node"] == {"__typename": "Wallet", "id": wallet["id"], "currency": "CNY"}
