"""Scopes as the Scope enum: typed fields beside the deprecated strings, for partners, clients, tokens and staff."""

from __future__ import annotations

from auth.roles import STAFF_ROLES, permissions_of
from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.support import error_codes

VIEWER = "{ viewer { scopes grantedScopes } }"
MINT = ("mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) {"
        " token scopes grantedScopes userErrors { code field } } }")
CREATE = ("mutation($input: PartnerCreateInput!) { partnerCreate(input: $input) {"
          " apiClient { scopes grantedScopes } userErrors { code field } } }")


def _names(typed: list[str]) -> list[str]:
    return [name.lower().replace("_", ":", 1) for name in typed]


async def test_every_caller_sees_its_scopes_typed(clients, staff):  # noqa: F811 - fixture
    partner = await clients.partner()
    viewer = (await partner.ok(VIEWER))["viewer"]
    assert _names(viewer["grantedScopes"]) == viewer["scopes"]
    for role in STAFF_ROLES:
        viewer = (await (await staff(role)).ok(VIEWER))["viewer"]
        assert sorted(_names(viewer["grantedScopes"])) == sorted(permissions_of(role)) == sorted(viewer["scopes"])


async def test_a_customer_token_is_minted_with_typed_scopes(clients):
    partner = await clients.partner()
    customer = await partner.create_customer()
    typed = (await partner.ok(MINT, {"input": {"customerId": customer["id"], "grantedScopes": ["WALLETS_READ", "CUSTOMERS_WRITE"]}}))
    minted = typed["customerTokenCreate"]
    assert minted["token"] and minted["grantedScopes"] == ["CUSTOMERS_WRITE", "WALLETS_READ"]
    assert minted["scopes"] == ["customers:write", "wallets:read"]
    both = (await partner.ok(MINT, {"input": {"customerId": customer["id"], "grantedScopes": ["WALLETS_READ"],
                                              "scopes": ["wallets:read"]}}))["customerTokenCreate"]
    assert both["token"] is None and both["userErrors"] == [{"code": "VALIDATION", "field": ["grantedScopes"]}]
    neither = (await partner.ok(MINT, {"input": {"customerId": customer["id"]}}))["customerTokenCreate"]
    assert neither["token"] is None and [e["code"] for e in neither["userErrors"]] == ["VALIDATION"]
    staff_only = await partner.gql(MINT, {"input": {"customerId": customer["id"], "grantedScopes": ["AUDIT_READ"]}})
    assert staff_only["data"]["customerTokenCreate"]["userErrors"][0]["code"] == "VALIDATION", staff_only


async def test_a_partner_is_created_with_typed_scopes(staff):  # noqa: F811 - fixture
    admin = await staff("admin")
    created = (await admin.ok(CREATE, {"input": {"name": "Typed Scopes", "grantedScopes": ["WALLETS_READ"]}}))
    client = created["partnerCreate"]["apiClient"]
    assert client == {"scopes": ["wallets:read"], "grantedScopes": ["WALLETS_READ"]}
    refused = (await admin.ok(CREATE, {"input": {"name": "Staff Scope", "grantedScopes": ["AUDIT_READ"]}}))
    assert refused["partnerCreate"]["userErrors"] == [{"code": "VALIDATION", "field": ["scopes"]}]
    assert error_codes(await admin.gql(CREATE, {"input": {"name": "x", "grantedScopes": ["NOT_A_SCOPE"]}}))
