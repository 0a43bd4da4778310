"""Retention (issue 19 item 6): idempotency keys past 72 hours and finished webhook deliveries past 30 days are
purged by the dispatcher's hourly job (services.retention); the ledger and the audit log never are."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from models import AuditEvent, IdempotencyRecord, Transaction, WebhookDelivery
from services import clock
from services.errors import ValidationFailed
from services.retention import purge_expired, purge_idempotency_keys
from tests.api.webhook_support import finished_delivery, new_endpoint, raw
from tests.factories import next_id


async def _age(model, hours: float, **where) -> None:  # noqa: ANN001 - a Tortoise model class
    """Move rows' created_at back by `hours` (as if written then)."""
    for row in await model.filter(**where):
        await model.filter(pk=row.pk).update(created_at=row.created_at - timedelta(hours=hours))


async def test_keys_past_the_window_are_purged_and_a_retry_is_then_a_new_request(clients):
    partner = await clients.partner()
    source, target = (await partner.open_wallet())["id"], (await partner.open_wallet())["id"]
    assert (await partner.top_up(source, "50.00"))["userErrors"] == []
    old_key, fresh_key, dispute_key = next_id("old"), next_id("fresh"), f"dispute-{uuid.uuid4()}"
    old = await partner.transfer(source, target, "1.00", key=old_key)
    fresh = await partner.transfer(source, target, "2.00", key=fresh_key)
    disputed = await partner.transfer(source, target, "3.00", key=dispute_key)
    partner_id = uuid.UUID(partner.partner_id)
    await _age(IdempotencyRecord, 73, partner_id=partner_id, key__in=[old_key, dispute_key])
    await _age(IdempotencyRecord, 71, partner_id=partner_id, key=fresh_key)
    transactions, audit_rows = await Transaction.all().count(), await AuditEvent.all().count()

    purged = await purge_expired(now=clock.now())

    assert purged.idempotency_keys >= 1
    kept = set(await IdempotencyRecord.filter(partner_id=partner_id).values_list("key", flat=True))
    assert old_key not in kept and {fresh_key, dispute_key} <= kept, "a dispute's key is its memory: kept"
    # The ledger and the audit log are never purged: the old transaction keeps its key there.
    assert await Transaction.all().count() == transactions and await AuditEvent.all().count() >= audit_rows
    assert await Transaction.filter(id=raw(old["transaction"]["id"]), idempotency_key=old_key).exists()
    # Within the window a retry replays the original; past it, the same key is a new request (README, Retention).
    again = await partner.transfer(source, target, "2.00", key=fresh_key)
    assert again["transaction"]["id"] == fresh["transaction"]["id"]
    replayed_dispute = await partner.transfer(source, target, "3.00", key=dispute_key)
    assert replayed_dispute["transaction"]["id"] == disputed["transaction"]["id"]
    late = await partner.transfer(source, target, "1.00", key=old_key)
    assert late["userErrors"] == [] and late["transaction"]["id"] != old["transaction"]["id"]
    assert await partner.balance(source) == "43.00"


async def test_fewer_than_72_hours_is_refused_and_changes_nothing(clients):
    partner = await clients.partner()
    wallet = (await partner.open_wallet())["id"]
    key = next_id("short")
    assert (await partner.top_up(wallet, "5.00", key=key))["userErrors"] == []
    await _age(IdempotencyRecord, 50, partner_id=uuid.UUID(partner.partner_id), key=key)
    with pytest.raises(ValidationFailed, match="at least 72 hours"):
        await purge_idempotency_keys(now=clock.now(), older_than_hours=48)
    assert await IdempotencyRecord.filter(partner_id=uuid.UUID(partner.partner_id), key=key).exists()


async def test_finished_deliveries_past_30_days_go_and_pending_ones_stay(clients):
    partner = await clients.partner()
    endpoint = (await new_endpoint(partner))["webhookEndpoint"]["id"]
    old_ok = raw(await finished_delivery(partner.partner_id, endpoint, status="SUCCEEDED"))
    old_failed = raw(await finished_delivery(partner.partner_id, endpoint, status="FAILED"))
    old_pending = raw(await finished_delivery(partner.partner_id, endpoint, status="PENDING"))
    recent = raw(await finished_delivery(partner.partner_id, endpoint, status="SUCCEEDED"))
    await _age(WebhookDelivery, 31 * 24, id__in=[old_ok, old_failed, old_pending])
    await _age(WebhookDelivery, 29 * 24, id=recent)

    purged = await purge_expired(now=clock.now())

    assert purged.webhook_deliveries >= 2
    left = set(await WebhookDelivery.filter(id__in=[old_ok, old_failed, old_pending, recent]).values_list("id", flat=True))
    assert left == {old_pending, recent}


def test_the_retention_setting_never_goes_below_72_hours(monkeypatch):
    from api.settings import load_settings

    monkeypatch.setenv("QIANBAO_IDEMPOTENCY_RETENTION_HOURS", "168")
    assert load_settings().idempotency_retention_hours == 168
    for bad in ("0", "71", "8761"):
        monkeypatch.setenv("QIANBAO_IDEMPOTENCY_RETENTION_HOURS", bad)
        with pytest.raises(SystemExit, match="QIANBAO_IDEMPOTENCY_RETENTION_HOURS"):
            load_settings()
