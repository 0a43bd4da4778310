"""Compliance freezes a wallet: nothing moves into or out of it until it is unfrozen.

Only compliance (wallets:freeze) may freeze or unfreeze; the reason is for the
bank's eyes (Wallet.statusReason needs aml:read), partners see FROZEN only.
Each change writes its domain event and audit row with the change itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models import AuditEvent, DomainEvent, Wallet
from models.enums import WalletStatus
from tests.api.staff_support import StaffClient, StaffFactory, customer_session, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, object_uuid, random_global_id, snapshot
from tests.factories import ApiClientFactory, GraphQLClient

PAYLOAD = "wallet { id status statusReason } userErrors { code message field }"
FREEZE = f"mutation($input: WalletStatusInput!) {{ walletFreeze(input: $input) {{ {PAYLOAD} }} }}"
UNFREEZE = f"mutation($input: WalletStatusInput!) {{ walletUnfreeze(input: $input) {{ {PAYLOAD} }} }}"
REASON = "Court order 2026/114: freeze pending investigation"


@pytest.fixture
async def compliance(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("compliance")


async def _freeze(officer: StaffClient, wallet_id: str, reason: str = REASON) -> dict[str, Any]:
    return (await officer.ok(FREEZE, {"input": {"walletId": wallet_id, "reason": reason}}))["walletFreeze"]


async def _unfreeze(officer: StaffClient, wallet_id: str, reason: str = "Investigation closed") -> dict[str, Any]:
    return (await officer.ok(UNFREEZE, {"input": {"walletId": wallet_id, "reason": reason}}))["walletUnfreeze"]


async def _funded_pair(partner: GraphQLClient) -> tuple[str, str]:
    one, two = await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(one["id"], "100.00"))["userErrors"] == []
    assert (await partner.top_up(two["id"], "50.00"))["userErrors"] == []
    return one["id"], two["id"]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _events(wallet_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = await DomainEvent.filter(object_type="Wallet", object_id=str(object_uuid(wallet_id))).exclude(type="wallet.opened").order_by("id")
    return [(row.type, row.payload) for row in rows]


async def test_a_frozen_wallet_neither_pays_nor_receives_until_unfrozen(clients: ApiClientFactory, compliance):
    partner = await clients.partner()
    frozen_id, other_id = await _funded_pair(partner)

    payload = await _freeze(compliance, frozen_id)
    assert payload["userErrors"] == [], payload
    assert payload["wallet"] == {"id": frozen_id, "status": "FROZEN", "statusReason": REASON}

    before = await snapshot(partner, [frozen_id, other_id])
    out = await partner.transfer(frozen_id, other_id, "1.00")
    assert _codes(out) == ["WALLET_NOT_ACTIVE"] and out["userErrors"][0]["field"] == ["fromWalletId"], out
    into = await partner.transfer(other_id, frozen_id, "1.00")
    assert _codes(into) == ["WALLET_NOT_ACTIVE"] and into["userErrors"][0]["field"] == ["toWalletId"], into
    assert _codes(await partner.top_up(frozen_id, "1.00")) == ["WALLET_NOT_ACTIVE"]
    assert _codes(await partner.withdraw(frozen_id, "1.00")) == ["WALLET_NOT_ACTIVE"]
    assert await snapshot(partner, [frozen_id, other_id]) == before, "a refused posting moved money"

    payload = await _unfreeze(compliance, frozen_id)
    assert payload["userErrors"] == [], payload
    assert payload["wallet"] == {"id": frozen_id, "status": "ACTIVE", "statusReason": None}
    assert (await partner.transfer(frozen_id, other_id, "10.00"))["userErrors"] == []
    assert (await partner.transfer(other_id, frozen_id, "5.00"))["userErrors"] == []
    assert (await partner.top_up(frozen_id, "1.00"))["userErrors"] == []
    assert await partner.balance(frozen_id) == "96.00"

    wallet_uuid, customer_uuid = object_uuid(frozen_id), (await Wallet.get(id=object_uuid(frozen_id))).customer_id
    assert await _events(frozen_id) == [
        # No reason in the events (they are for partners' webhooks): the audit trail keeps it.
        ("wallet.frozen", {"walletId": str(wallet_uuid), "customerId": str(customer_uuid)}),
        ("wallet.unfrozen", {"walletId": str(wallet_uuid), "customerId": str(customer_uuid)}),
    ]
    event = await DomainEvent.filter(type="wallet.frozen", object_id=str(wallet_uuid)).first()
    assert event is not None and str(event.partner_id) == partner.partner_id


async def test_each_decision_is_audited_with_the_wallet_and_the_reason(clients: ApiClientFactory, compliance):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    assert (await _freeze(compliance, wallet["id"]))["userErrors"] == []
    assert _codes(await _freeze(compliance, wallet["id"])) == ["INVALID_STATE"]
    rows = await AuditEvent.filter(operation="walletFreeze", actor_id=str(compliance.staff_id)).order_by("id")
    assert [row.outcome for row in rows] == ["OK", "INVALID_STATE"]
    done, refused = rows
    wallet_uuid = str(object_uuid(wallet["id"]))
    assert done.object_type == "Wallet" and done.object_id == wallet_uuid
    assert str(done.partner_id) == partner.partner_id
    assert wallet_uuid in (done.detail or "") and REASON in (done.detail or "")
    assert wallet["id"] in (refused.detail or "")


async def test_only_compliance_freezes_or_unfreezes(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    customer = await partner.create_customer()
    wallet = await partner.open_wallet("CNY", customer_id=customer["id"])
    frozen = await partner.open_wallet("CNY", customer_id=customer["id"])
    officers = await staff.every_role()
    assert (await _freeze(officers["compliance"], frozen["id"]))["userErrors"] == []
    frontend = await customer_session(partner, customer["id"], ["wallets:read", "transactions:write"])
    events_before = await DomainEvent.all().count()
    callers = [officers["admin"], officers["support"], officers["analyst"], partner, frontend]
    for caller in callers:
        for document, target in ((FREEZE, wallet["id"]), (UNFREEZE, frozen["id"])):
            body = await caller.gql(document, {"input": {"walletId": target, "reason": REASON}})
            assert error_codes(body) == ["FORBIDDEN"], body
    assert (await Wallet.get(id=object_uuid(wallet["id"]))).status == WalletStatus.ACTIVE
    assert (await Wallet.get(id=object_uuid(frozen["id"]))).status == WalletStatus.FROZEN
    assert await DomainEvent.all().count() == events_before


async def test_partners_see_the_status_but_not_the_reason(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    officers = await staff.every_role()
    assert (await _freeze(officers["compliance"], wallet["id"]))["userErrors"] == []
    query = "query($id: ID!) { wallet(id: $id) { status statusReason } }"
    assert (await partner.ok("query($id: ID!) { wallet(id: $id) { status } }", {"id": wallet["id"]}))["wallet"] == {
        "status": "FROZEN"}
    body = await partner.gql(query, {"id": wallet["id"]})
    assert error_codes(body) == ["FORBIDDEN"], body
    for role, expected in (("admin", REASON), ("compliance", REASON)):
        assert (await officers[role].ok(query, {"id": wallet["id"]}))["wallet"]["statusReason"] == expected
    for role in ("support", "analyst"):
        assert error_codes(await officers[role].gql(query, {"id": wallet["id"]})) == ["FORBIDDEN"]


async def test_state_and_input_errors_change_nothing(clients: ApiClientFactory, compliance):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    active = await partner.open_wallet("CNY")
    closed = await partner.open_wallet("CNY")
    await Wallet.filter(id=object_uuid(closed["id"])).update(status=WalletStatus.CLOSED)
    assert (await _freeze(compliance, wallet["id"]))["userErrors"] == []
    events_before = await DomainEvent.all().count()

    again = await _freeze(compliance, wallet["id"], "a second time")
    assert _codes(again) == ["INVALID_STATE"] and again["wallet"] is None, again
    assert _codes(await _unfreeze(compliance, active["id"])) == ["INVALID_STATE"]
    assert _codes(await _freeze(compliance, closed["id"])) == ["INVALID_STATE"]
    assert _codes(await _unfreeze(compliance, closed["id"])) == ["INVALID_STATE"]
    for missing in (random_global_id("Wallet"), random_global_id("Customer"), "not-an-id"):
        assert _codes(await _freeze(compliance, missing)) == ["NOT_FOUND"]
    for reason in ("", "  ", "ab", "x" * 501, "bad\x00reason"):
        refused = await _freeze(compliance, active["id"], reason)
        assert _codes(refused) == ["VALIDATION"] and refused["userErrors"][0]["field"] == ["reason"], refused

    assert await DomainEvent.all().count() == events_before
    frozen_row = await Wallet.get(id=object_uuid(wallet["id"]))
    assert frozen_row.status == WalletStatus.FROZEN and frozen_row.status_reason == REASON
    assert (await Wallet.get(id=object_uuid(active["id"]))).status == WalletStatus.ACTIVE
    assert (await Wallet.get(id=object_uuid(closed["id"]))).status == WalletStatus.CLOSED


async def test_two_officers_freezing_at_once_freeze_once(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    first, second = await staff("compliance"), await staff("compliance")
    results = await asyncio.gather(_freeze(first, wallet["id"], "first officer"), _freeze(second, wallet["id"], "second officer"))
    outcomes = sorted(tuple(_codes(result)) for result in results)
    assert outcomes == [(), ("INVALID_STATE",)], results
    assert [kind for kind, _ in await _events(wallet["id"])] == ["wallet.frozen"]
    row = await Wallet.get(id=object_uuid(wallet["id"]))
    winner = next(result for result in results if not result["userErrors"])
    assert row.status_reason == winner["wallet"]["statusReason"]


async def test_a_payment_racing_a_freeze_either_lands_before_it_or_is_refused(clients: ApiClientFactory, compliance):
    partner = await clients.partner()
    payer, payee = await _funded_pair(partner)
    transfers = [partner.transfer(payer, payee, "1.00") for _ in range(5)]
    results = await asyncio.gather(_freeze(compliance, payer), *transfers)
    assert results[0]["userErrors"] == [], results[0]
    moved = [r for r in results[1:] if not r["userErrors"]]
    assert all(_codes(r) == ["WALLET_NOT_ACTIVE"] for r in results[1:] if r["userErrors"]), results
    assert await partner.balance(payer) == f"{100 - len(moved)}.00"
    assert await partner.balance(payee) == f"{50 + len(moved)}.00"
