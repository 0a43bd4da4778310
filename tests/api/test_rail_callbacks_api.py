"""POST /rails/{rail}/callback: signed, recent and once; anything else is refused and changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import RailCallback, RailTransfer
from services.rails import registry
from services.rails.config import DEVELOPMENT_SECRET, SimulatedRailSettings
from services.rails.simulated import SimulatedRail
from services.rails.sources import FundingSource
from services.rails.submission import submit_transfer
from services.rails.transfers import RailRequest, post_rail_transfer
from schema.common.relay import parse_global_id
from tests.factories import ApiClientFactory


@pytest.fixture(autouse=True)
def slow_rail():
    registry.reset()
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=3600)))  # only callbacks report here
    yield
    registry.reset()


def signed(body: dict, *, secret: str = DEVELOPMENT_SECRET, at: datetime | None = None,
           message_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A callback body and its Standard Webhooks headers."""
    raw = json.dumps(body).encode()
    moment = at or datetime.now(timezone.utc)
    msg = message_id or f"msg_{uuid.uuid4().hex}"
    return raw, {"webhook-id": msg, "webhook-timestamp": str(int(moment.timestamp())),
                 "webhook-signature": Webhook(secret).sign(msg, moment, raw), "content-type": "application/json"}


async def withdrawal(clients: ApiClientFactory) -> tuple[object, str, RailTransfer]:
    """A partner's funded wallet with a SUBMITTED 30.00 rail withdrawal; (client, wallet id, transfer)."""
    partner = await clients.partner()
    customer = await partner.create_customer()
    wallet = await partner.open_wallet("CNY", customer["id"])
    assert (await partner.top_up(wallet["id"], "100.00"))["userErrors"] == []
    principal = Principal(kind="partner", subject=partner.client_id, partner_id=uuid.UUID(partner.partner_id),
                          scopes=frozenset(PARTNER_SCOPES))
    customer_id, wallet_id = parse_global_id(customer["id"])[1], parse_global_id(wallet["id"])[1]  # type: ignore[index]
    txn = await post_rail_transfer(principal=principal, req=RailRequest(
        direction="OUT", wallet_id=wallet_id, source_kind="BANK_ACCOUNT", source_id=None, amount="30.00",
        idempotency_key="cb-out"), source=FundingSource("BANK_ACCOUNT", uuid.uuid4(), customer_id))
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert await submit_transfer(transfer.id) == 1
    return partner, wallet["id"], await RailTransfer.get(id=transfer.id)


async def post(http: httpx.AsyncClient, raw: bytes, headers: dict[str, str], rail: str = "simulated") -> httpx.Response:
    return await http.post(f"/rails/{rail}/callback", content=raw, headers=headers)


async def test_a_signed_callback_settles_once_and_a_replay_changes_nothing(clients: ApiClientFactory, http):
    partner, wallet_id, transfer = await withdrawal(clients)
    raw, headers = signed({"reference": transfer.rail_reference, "status": "SETTLED"})
    first = await post(http, raw, headers)
    assert (first.status_code, first.json()) == (200, {"result": "APPLIED"})
    assert await partner.balance(wallet_id) == "70.00"
    replay = await post(http, raw, headers)
    assert (replay.status_code, replay.json()) == (200, {"result": "DUPLICATE"})
    retold = await post(http, *signed({"reference": transfer.rail_reference, "status": "FAILED"}))
    assert (retold.status_code, retold.json()) == (200, {"result": "NOTHING_TO_DO"})  # already settled: no change
    assert await partner.balance(wallet_id) == "70.00"
    assert (await RailTransfer.get(id=transfer.id)).status == "SETTLED"


async def test_bad_callbacks_are_refused_and_change_nothing(clients: ApiClientFactory, http):
    partner, wallet_id, transfer = await withdrawal(clients)
    body = {"reference": transfer.rail_reference, "status": "SETTLED"}
    before = await RailCallback.all().count()
    wrong_secret = "whsec_" + "d3JvbmctcmFpbC1zZWNyZXQtZm9yLXRlc3Rz"
    cases = [
        (signed(body, secret=wrong_secret), 401, "UNAUTHENTICATED"),
        (signed(body, at=datetime.now(timezone.utc) - timedelta(minutes=10)), 401, "UNAUTHENTICATED"),
        ((json.dumps(body).encode(), {"content-type": "application/json"}), 401, "UNAUTHENTICATED"),
        (signed({"reference": transfer.rail_reference, "status": "PAID"}), 400, "MALFORMED"),
        (signed({"reference": "x" * 65, "status": "SETTLED"}), 400, "MALFORMED"),
        (signed({"reference": "sim_unknown", "status": "SETTLED"}), 404, "UNKNOWN_REFERENCE"),
    ]
    for (raw, headers), status, code in cases:
        answer = await post(http, raw, headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
    tampered_raw, tampered_headers = signed(body)
    answer = await post(http, tampered_raw.replace(b"SETTLED", b"FAILED "), tampered_headers)
    assert answer.status_code == 401
    unknown_rail = await post(http, *signed(body), rail="nowhere")
    assert (unknown_rail.status_code, unknown_rail.json()["code"]) == (404, "UNKNOWN_RAIL")
    too_big = await post(http, b"{" + b" " * 5000 + b"}", {"content-type": "application/json"})
    assert too_big.status_code == 413
    assert (await RailTransfer.get(id=transfer.id)).status == "SUBMITTED"
    assert await partner.balance(wallet_id) == "100.00"
    assert await RailCallback.all().count() == before
