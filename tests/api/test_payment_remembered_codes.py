"""paymentCreate remembers a multi-use code of an ACTIVE merchant (services.payment_requests.preview): a suspension
or a frozen settlement wallet is still refused at once, with the same MERCHANT_NOT_ACTIVE as before anything was
remembered, and payments go through again once the merchant or its wallet is active again."""

from __future__ import annotations

import pytest

from services.caches import PAYABLE_REQUESTS, QR_DECODES
from services.change_feed import reliable
from tests.api.merchant_support import raw
from tests.api.payment_support import pay, shop_and_payer
from tests.api.staff_support import StaffClient, StaffFactory, staff  # noqa: F401 - the fixture
from tests.factories import ApiClientFactory

STATUS = ("mutation($input: MerchantStatusInput!) {{ {op}(input: $input) {{ merchant {{ id status }}"
          " userErrors {{ code message field }} }} }}")
FREEZE = ("mutation($input: WalletStatusInput!) {{ {op}(input: $input) {{ wallet {{ id status }}"
          " userErrors {{ code message field }} }} }}")


@pytest.fixture
async def compliance(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("compliance")


def _codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def test_a_suspended_merchant_is_refused_although_its_code_was_remembered(clients: ApiClientFactory):
    shop, payer = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop, payer)
    assert (await pay(payer, wallet, "rem-1", qrPayload=request["payload"], amount="1.00"))["userErrors"] == []
    assert (await pay(payer, wallet, "rem-2", qrPayload=request["payload"], amount="1.00"))["userErrors"] == []
    assert request["payload"] in QR_DECODES
    assert (raw(request["id"]) in PAYABLE_REQUESTS) == reliable()  # remembered while announcements are heard

    variables = {"input": {"merchantId": merchant["id"], "reason": "closed for renovation"}}
    assert (await shop.ok(STATUS.format(op="merchantSuspend"), variables))["merchantSuspend"]["userErrors"] == []
    assert raw(request["id"]) not in PAYABLE_REQUESTS  # the announcement made every process forget
    refused = await pay(payer, wallet, "rem-3", qrPayload=request["payload"], amount="1.00")
    assert _codes(refused) == ["MERCHANT_NOT_ACTIVE"] and refused["payment"] is None
    by_id = await pay(payer, wallet, "rem-4", paymentRequestId=request["id"], amount="1.00")
    assert _codes(by_id) == ["MERCHANT_NOT_ACTIVE"]

    assert (await shop.ok(STATUS.format(op="merchantReactivate"), variables))["merchantReactivate"]["userErrors"] == []
    assert (await pay(payer, wallet, "rem-5", qrPayload=request["payload"], amount="1.00"))["userErrors"] == []
    # A retry of a key that paid answers the original, remembered code or not.
    again = await pay(payer, wallet, "rem-1", qrPayload=request["payload"], amount="1.00")
    assert again["userErrors"] == [] and again["payment"]["amount"]["amount"] == "1.00"


async def test_a_frozen_settlement_wallet_is_refused_as_before_although_the_code_was_remembered(
        clients: ApiClientFactory, compliance: StaffClient):
    shop, payer = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop, payer)
    assert (await pay(payer, wallet, "frz-1", qrPayload=request["payload"], amount="1.00"))["userErrors"] == []
    assert (raw(request["id"]) in PAYABLE_REQUESTS) == reliable()

    # Nothing announces a wallet freeze: the posting's lock refuses it, then the fresh check names the merchant.
    freeze = {"input": {"walletId": merchant["settlementWalletId"], "reason": "Court order: freeze pending review"}}
    assert (await compliance.ok(FREEZE.format(op="walletFreeze"), freeze))["walletFreeze"]["userErrors"] == []
    before = await payer.balance(wallet)
    for key in ("frz-2", "frz-3"):
        refused = await pay(payer, wallet, key, qrPayload=request["payload"], amount="1.00")
        assert _codes(refused) == ["MERCHANT_NOT_ACTIVE"] and refused["payment"] is None
    dry = await pay(payer, wallet, "frz-dry", qrPayload=request["payload"], amount="1.00", dryRun=True)
    assert _codes(dry) == ["MERCHANT_NOT_ACTIVE"]
    assert await payer.balance(wallet) == before
    assert raw(request["id"]) not in PAYABLE_REQUESTS  # the fresh check forgot it

    unfreeze = {"input": {"walletId": merchant["settlementWalletId"], "reason": "Review closed"}}
    assert (await compliance.ok(FREEZE.format(op="walletUnfreeze"), unfreeze))["walletUnfreeze"]["userErrors"] == []
    assert (await pay(payer, wallet, "frz-4", qrPayload=request["payload"], amount="1.00"))["userErrors"] == []
