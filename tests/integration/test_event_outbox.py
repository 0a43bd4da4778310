"""The outbox: an event exists if and only if its change committed, on SQLite and PostgreSQL alike.

Also: every catalogue type that has a producer is emitted by a real code path
(services.event_catalogue), payloads carry no raw UUID and no personal data at
the edge (schema.events.payload.wire_payload), the feed (services.event_feed)
pages in id order from opaque cursors and shows a partner only its own events,
and the purge keeps at least 30 days.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from auth.principal import Principal
from models import DomainEvent, OutboxCursor, Transaction
from schema.events.payload import wire_payload
from services.db.sql import is_postgres
from services.errors import Forbidden, InsufficientFunds, ValidationFailed
from services.event_catalogue import BROADCAST_EVENT_TYPES, CATALOGUE, RESERVED_EVENT_TYPES
from services.event_feed import RETENTION_DAYS, list_events, purge_events
from services.fees.schedule import create_rule, retire_rule, update_rule
from services.ledger import postgres as pg_backend, sqlite as sqlite_backend
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from tests.integration.backend_support import balances
from tests.integration.service_support import holder, new_partner
from tests.query_counter import count_queries
from tortoise import connections

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_keys = iter(range(1, 1_000_000))


def key() -> str:
    return f"outbox-{next(_keys)}"


async def _types_of(partner_id: uuid.UUID) -> list[str]:
    return await DomainEvent.filter(partner_id=partner_id).order_by("id").values_list("type", flat=True)


async def test_onboarding_and_money_write_one_event_each(database_url):
    p = await new_partner("outbox")
    payer = await holder(p)
    payee = await holder(p)
    await post_top_up(principal=p, wallet_id=payer.wallet_id, amount="50.00", idempotency_key=key())
    txn = await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="12.50",
                              idempotency_key=key())
    types = await _types_of(p.partner_id)
    assert types.count("customer.created") == 2 and types.count("wallet.opened") == 2
    assert types.count("transaction.posted") == 2
    row = await DomainEvent.get(type="transaction.posted", object_id=str(txn.id))
    assert row.payload["amount"] == {"amount": "12.50", "currency": "CNY"}
    assert row.payload["fromWalletId"] == str(payer.wallet_id) and row.payload["toWalletId"] == str(payee.wallet_id)
    # A replay of the same key writes no second event.
    await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="12.50",
                        idempotency_key=txn.idempotency_key or "")
    assert (await _types_of(p.partner_id)).count("transaction.posted") == 2


async def test_a_refused_transfer_writes_no_event(database_url):
    p = await new_partner("outbox")
    payer, payee = await holder(p), await holder(p)
    before = await DomainEvent.all().count()
    with pytest.raises(InsufficientFunds):
        await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00",
                            idempotency_key=key())
    assert await DomainEvent.all().count() == before


async def test_a_crash_mid_posting_writes_neither_the_money_nor_the_event(database_url, monkeypatch):
    p = await new_partner("outbox")
    payer, payee = await holder(p), await holder(p)
    await post_top_up(principal=p, wallet_id=payer.wallet_id, amount="20.00", idempotency_key=key())
    before_events, before_balances = await DomainEvent.all().count(), await balances(payer, payee)
    if is_postgres(connections.get("default")):
        # The event's INSERT fails inside the one statement (a type longer than its column): nothing commits.
        monkeypatch.setattr(pg_backend, "POSTED", "transaction.posted" + "x" * 60)
    else:
        def crash(**_: object) -> dict[str, object]:
            raise RuntimeError("crash after the entries were written")
        monkeypatch.setattr(sqlite_backend, "posted_payload", crash)
    with pytest.raises(Exception):
        await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="5.00",
                            idempotency_key=key())
    assert await DomainEvent.all().count() == before_events
    assert await balances(payer, payee) == before_balances
    assert await Transaction.filter(partner_id=p.partner_id).count() == 1  # the top-up only


async def test_on_postgres_the_event_is_part_of_the_one_posting_statement(database_url):
    if not is_postgres(connections.get("default")):
        pytest.skip("PostgreSQL writes a posting in one statement")
    p = await new_partner("outbox")
    payer, payee = await holder(p), await holder(p)
    await post_top_up(principal=p, wallet_id=payer.wallet_id, amount="20.00", idempotency_key=key())
    await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00",
                        idempotency_key=key())  # warm the caches
    with count_queries() as log:
        await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00",
                            idempotency_key=key())
    writes = [s for s in log.statements if "INSERT INTO" in s]
    assert len(writes) == 1, log.listing()  # one round trip writes everything...
    assert "INSERT INTO domain_event" in writes[0] and "INSERT INTO ledger_transaction" in writes[0]  # ...the event too
    # The other statements are the planning's reads, as before the outbox row: none touches domain_event.
    assert sum("domain_event" in s for s in log.statements) == 1, log.listing()


async def test_release_and_withdrawal_and_fee_rules_emit_their_types(database_url):
    p = await new_partner("outbox")
    payer = await holder(p)
    await post_top_up(principal=p, wallet_id=payer.wallet_id, amount="20.00", idempotency_key=key())
    out = await post_withdrawal(principal=p, wallet_id=payer.wallet_id, amount="2.00", idempotency_key=key())
    posted = await DomainEvent.get(type="transaction.posted", object_id=str(out.id))
    assert posted.payload["toWalletId"] is None and posted.payload["kind"] == "WITHDRAWAL"
    created = await create_rule(terms={"kind": "PAYMENT", "partner_id": p.partner_id, "currency": "CNY",
                                       "fixed_minor": 10}, created_by="test")
    updated = await update_rule(rule_id=created.rule.id, changes={"fixed_minor": 20}, created_by="test")
    await retire_rule(rule_id=updated.rule.id, at=None)
    changes = await DomainEvent.filter(type="fee_rule.changed", partner_id=p.partner_id).order_by("id").values_list(
        "payload", flat=True)
    assert [c["change"] for c in changes] == ["CREATED", "UPDATED", "RETIRED"]
    assert changes[1]["replacesFeeRuleId"] == str(created.rule.id)


async def test_payloads_reach_partners_with_global_ids_and_no_personal_data(database_url):
    p = await new_partner("outbox")
    payer, payee = await holder(p), await holder(p)
    await post_top_up(principal=p, wallet_id=payer.wallet_id, amount="9.00", idempotency_key=key())
    await post_transfer(principal=p, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00",
                        idempotency_key=key())
    rows = await DomainEvent.filter(partner_id=p.partner_id)
    assert {r.type for r in rows} >= {"customer.created", "wallet.opened", "transaction.posted"}
    for row in rows:
        wire = wire_payload(row.type, row.payload)
        text = repr(wire)
        assert not UUID_RE.search(text), (row.type, wire)  # every id is a global ID
        assert "Holder" not in text  # no display names (holder() names customers "Holder N")


async def test_the_feed_pages_in_order_and_shows_a_partner_only_its_own(database_url):
    a, b = await new_partner("feed"), await new_partner("feed")
    one = await holder(a)
    for _ in range(3):
        await post_top_up(principal=a, wallet_id=one.wallet_id, amount="1.00", idempotency_key=key())
    await holder(b)
    seen, after = [], None
    while True:
        page = await list_events(principal=a, first=2, after=after)
        seen += page.items
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert [e.id for e in seen] == sorted(e.id for e in seen)
    # Its own events, and bank-wide fee rule changes (stored without a partner): never B's.
    assert {e.partner_id for e in seen} <= {a.partner_id, None}
    assert all(e.type in BROADCAST_EVENT_TYPES for e in seen if e.partner_id is None)
    seen = [e for e in seen if e.partner_id is not None]
    assert [e.type for e in seen].count("transaction.posted") == 3
    assert all(e.version == 1 for e in seen)
    only = await list_events(principal=a, first=100, after=None, types=["transaction.posted"])
    assert [e.type for e in only.items] == ["transaction.posted"] * 3
    with pytest.raises(ValidationFailed):
        await list_events(principal=a, first=10, after=None, types=["transaction.teleported"])
    customer = Principal(kind="customer", subject="c", partner_id=a.partner_id, customer_id=one.customer_id,
                         scopes=frozenset({"transactions:read", "customers:read"}))
    with pytest.raises(Forbidden):
        await list_events(principal=customer, first=10, after=None)


async def test_the_purge_keeps_thirty_days_and_what_the_fan_out_has_not_passed(database_url):
    p = await new_partner("purge")
    await holder(p)
    await holder(p)  # two more events, left young
    old = datetime.now(timezone.utc) - timedelta(days=RETENTION_DAYS + 1)
    rows = await DomainEvent.filter(partner_id=p.partner_id).order_by("id")
    await DomainEvent.filter(id__in=[rows[0].id, rows[1].id]).update(occurred_at=old)
    # The webhook fan-out has passed the first event, not the second.
    await OutboxCursor.filter(name="webhooks").update(tx=rows[0].tx, event_id=rows[0].id)
    with pytest.raises(ValidationFailed):
        await purge_events(older_than_days=RETENTION_DAYS - 1)
    assert await purge_events() >= 1
    assert not await DomainEvent.exists(id=rows[0].id)
    assert await DomainEvent.exists(id=rows[1].id)
    assert await DomainEvent.exists(id=rows[2].id)  # passed or not, younger than 30 days: kept
    assert await purge_events(include_undelivered=True) >= 1
    assert not await DomainEvent.exists(id=rows[1].id)
    assert await DomainEvent.exists(id=rows[2].id)


def test_every_type_but_the_reserved_ones_has_a_producer():
    """Each catalogue type appears as a literal in the code that writes it (services/, outside the catalogue)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "services"
    sources = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py") if p.name != "event_catalogue.py")
    missing = sorted(t for t in CATALOGUE if t not in RESERVED_EVENT_TYPES and f'"{t}"' not in sources)
    assert not missing, f"catalogue types nothing emits: {missing}"
    assert RESERVED_EVENT_TYPES == frozenset()  # every type in the catalogue has a producer
