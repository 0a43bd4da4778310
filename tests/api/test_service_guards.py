"""A service's own guard (services.authority) answers like the schema's permission rule.

The schema refuses these callers first; here its scope rules are switched off
to reach the services' own guard, which must answer the same way: a GraphQL
error with extensions.code FORBIDDEN and no data (never a userError, never an
internal error), audited as FORBIDDEN, nothing changed.
"""

from __future__ import annotations

import pytest

from models import AuditEvent, Wallet
from models.enums import WalletStatus
from schema.common.permissions import PartnerToken, _ScopePermission
from tests.api.kyc_support import individual
from tests.api.staff_support import customer_session
from tests.api.support import error_codes, object_uuid, random_global_id
from tests.factories import ApiClientFactory, next_id

FREEZE = "mutation($input: WalletStatusInput!) { walletFreeze(input: $input) { wallet { id } userErrors { code } } }"
CASE_OPEN = "mutation($input: AmlCaseOpenInput!) { amlCaseOpen(input: $input) { case { id } userErrors { code } } }"
ALERT_RESOLVE = ("mutation($input: AmlAlertResolveInput!) { amlAlertResolve(input: $input) { alert { id status } "
                 "userErrors { code } } }")
AUDIT = "query { auditEvents(first: 1) { edges { node { id } } } }"
KYC_SUBMIT = "mutation($input: KycSubmitInput!) { kycSubmit(input: $input) { submission { id } userErrors { code } } }"


@pytest.fixture
def schema_lets_everyone_through(monkeypatch):
    monkeypatch.setattr(_ScopePermission, "has_permission", lambda self, source, info, **kwargs: True)
    monkeypatch.setattr(PartnerToken, "has_permission", lambda self, source, info, **kwargs: True)


async def _refused(session, document: str, variables: dict, operation: str) -> None:
    request_id = next_id("guard-req")
    response = await session.http.post(
        "/graphql", json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {session.token}", "X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None and error_codes(body) == ["FORBIDDEN"], body
    assert body["errors"][0]["path"] == [operation] and "requestId" not in body["errors"][0]["extensions"], body
    rows = await AuditEvent.filter(request_id=request_id)
    if document.startswith("mutation"):
        assert [(row.operation, row.outcome) for row in rows] == [(operation, "FORBIDDEN")]


async def test_a_partner_past_the_schema_is_refused_by_the_services_alike(
    clients: ApiClientFactory, schema_lets_everyone_through
):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    await _refused(partner, FREEZE, {"input": {"walletId": wallet["id"], "reason": "no reason at all"}}, "walletFreeze")
    assert (await Wallet.get(id=object_uuid(wallet["id"]))).status == WalletStatus.ACTIVE
    await _refused(partner, CASE_OPEN, {"input": {"alertIds": [random_global_id("AmlAlert")], "title": "x"}}, "amlCaseOpen")
    await _refused(partner, ALERT_RESOLVE, {"input": {"alertId": random_global_id("AmlAlert"), "decision": "RELEASE",
                                                      "reason": "not mine to decide"}}, "amlAlertResolve")
    await _refused(partner, AUDIT, {}, "auditEvents")


async def test_a_customer_token_past_the_schema_cannot_submit_kyc(clients: ApiClientFactory, schema_lets_everyone_through):
    partner = await clients.partner()
    customer = await partner.create_customer()
    frontend = await customer_session(partner, customer["id"], ["customers:read"])
    await _refused(frontend, KYC_SUBMIT, {"input": individual(customer["id"])}, "kycSubmit")
