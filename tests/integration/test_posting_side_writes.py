"""The posting engine's claims and side inserts: one atomic write, exactly one winner, nothing on refusal.

The mechanism is tried on a table every database has (a webhook endpoint's
status stands in for a single-use payment request: ENABLED → DISABLED once);
payments, refunds and captures use it with their own rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import asyncpg
import pytest

from api.db import asyncpg_dsn
from models import DomainEvent, Transaction, WebhookEndpoint
from models.enums import TransactionKind
from services import clock
from services.errors import WalletStateConflict
from services.ledger.dry_run import dry_run_posting
from services.ledger.engine import post
from services.ledger.posting import post_top_up
from services.ledger.request import PostingRequest, check_request
from services.ledger.side_writes import RowClaim, RowInsert, event_insert
from services.webhooks.endpoints import create_endpoint
from tests.conftest import requires_postgres
from tests.integration.service_support import holder, new_partner


def _claim(endpoint_id: uuid.UUID) -> RowClaim:
    """Take the endpoint from ENABLED to DISABLED with the posting, or refuse (it stands in for 'paid once')."""
    return RowClaim(table="webhook_endpoint", row_id=endpoint_id, condition="status = $1",
                    assignment="status = $2, disabled_reason = $3", values=("ENABLED", "DISABLED", "claimed"),
                    refusal=lambda: WalletStateConflict("already claimed", field=["claim"]))


def _transfer(payer, payee, key: str, claim: RowClaim | None, inserts=(), dry_run: bool = False) -> PostingRequest:
    """A transfer of 1.00 carrying a claim and side inserts."""
    return PostingRequest(
        operation="transferCreate", kind=TransactionKind.TRANSFER,
        idempotency_key=key, amount_text="1.00", from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
        from_field="fromWalletId", to_field="toWalletId", requires_from=True, requires_to=True,
        claim=claim, inserts=tuple(inserts), dry_run=dry_run,
    )


@pytest.fixture(autouse=True)
def _local_endpoints(monkeypatch):
    """The endpoint is never called: a loopback URL needs no DNS here."""
    monkeypatch.setenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")


async def _scene(name: str):
    """A partner, a funded payer, a payee and one endpoint to claim."""
    principal = await new_partner(name)
    payer, payee = await holder(principal), await holder(principal)
    await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount="100.00", idempotency_key=f"{name}-fund")
    endpoint = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])).endpoint
    return principal, payer, payee, endpoint


def test_names_in_side_writes_must_be_plain_identifiers():
    """A table or column name is never built from input: anything but a plain identifier is refused."""
    with pytest.raises(ValueError):
        RowClaim(table="x; DROP TABLE account", row_id=uuid.uuid4(), condition="true", assignment="a = 1", values=(),
                 refusal=lambda: WalletStateConflict("x"))
    with pytest.raises(ValueError):
        RowInsert(table="domain_event", columns=(("type) VALUES ('x'); --", 1, None),))
    with pytest.raises(ValueError):
        event_insert(type="aml.alert_raised", partner_id=None, object_type="AmlAlert", object_id="x", payload={},
                     at=clock.now())


async def test_a_claim_and_its_inserts_commit_with_the_posting_and_a_second_claim_is_refused(database_url):
    principal, payer, payee, endpoint = await _scene("claim-once")
    note = event_insert(type="customer.updated", partner_id=principal.partner_id, object_type="Customer",
                        object_id=payee.customer_id, payload={"customerId": str(payee.customer_id), "changed": ["x"]},
                        at=clock.now())
    first = await post(principal, _transfer(payer, payee, "claim-1", _claim(endpoint.id), [note]), None)
    assert (await WebhookEndpoint.get(id=endpoint.id)).status == "DISABLED"
    assert await DomainEvent.filter(type="customer.updated", object_id=str(payee.customer_id)).count() == 1
    with pytest.raises(WalletStateConflict):
        await post(principal, _transfer(payer, payee, "claim-2", _claim(endpoint.id), [note]), None)
    # The refusal wrote nothing: no second transaction, no second event, the key is free.
    assert await Transaction.filter(id=first.id).exists()
    assert not await Transaction.filter(idempotency_key="claim-2").exists()
    assert await DomainEvent.filter(type="customer.updated", object_id=str(payee.customer_id)).count() == 1


async def test_a_dry_run_checks_the_claim_and_writes_nothing(database_url):
    principal, payer, payee, endpoint = await _scene("claim-dry")
    preview = await post(principal, _transfer(payer, payee, "dry-1", _claim(endpoint.id), dry_run=True), None)
    assert preview.dry_run and not await Transaction.filter(id=preview.id).exists()
    direct = await dry_run_posting(principal, check_request(principal, _transfer(payer, payee, "dry-1", None, dry_run=True)))
    assert (direct.dry_run, direct.amount_minor, direct.status.value) == (True, 100, "POSTED")
    assert (await WebhookEndpoint.get(id=endpoint.id)).status == "ENABLED"
    await WebhookEndpoint.filter(id=endpoint.id).update(status="DISABLED")
    with pytest.raises(WalletStateConflict):
        await post(principal, _transfer(payer, payee, "dry-2", _claim(endpoint.id), dry_run=True), None)


@requires_postgres
async def test_twenty_concurrent_postings_on_one_claim_make_exactly_one_winner(database_url):
    principal, payer, payee, endpoint = await _scene("claim-race")

    async def one(n: int):
        try:
            return await post(principal, _transfer(payer, payee, f"race-{n}", _claim(endpoint.id)), None)
        except WalletStateConflict:
            return None

    results = await asyncio.gather(*(one(n) for n in range(20)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert await Transaction.filter(from_wallet_id=payer.wallet_id, kind="TRANSFER").count() == 1


def _named_claim(endpoint_id: uuid.UUID, name: str) -> RowClaim:
    """The same claim, refused with an error that names which claim refused."""
    return RowClaim(table="webhook_endpoint", row_id=endpoint_id, condition="status = $1",
                    assignment="status = $2, disabled_reason = $3", values=("ENABLED", "DISABLED", name),
                    refusal=lambda: WalletStateConflict("already claimed", field=[name]))


def _two_claims(payer, payee, key: str, first: RowClaim, second: RowClaim, dry_run: bool = False) -> PostingRequest:
    """A transfer of 1.00 claiming two rows."""
    return dataclasses.replace(_transfer(payer, payee, key, first, dry_run=dry_run), more_claims=(second,))


async def test_every_claim_commits_with_the_posting_or_none_does(database_url):
    principal, payer, payee, a = await _scene("claims-two")
    b = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/b", event_types=["*"])).endpoint
    c = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/c", event_types=["*"])).endpoint
    await post(principal, _two_claims(payer, payee, "two-1", _named_claim(a.id, "a"), _named_claim(b.id, "b")), None)
    assert [(await WebhookEndpoint.get(id=e.id)).disabled_reason for e in (a, b, c)] == ["a", "b", None]
    # c would pass but b is taken: refused with b's error, c untouched, no transaction, the key still free.
    with pytest.raises(WalletStateConflict) as refused:
        await post(principal, _two_claims(payer, payee, "two-2", _named_claim(c.id, "c"), _named_claim(b.id, "b")), None)
    assert refused.value.field == ["b"]
    assert (await WebhookEndpoint.get(id=c.id)).status == "ENABLED"
    assert not await Transaction.filter(from_wallet_id=payer.wallet_id, idempotency_key="two-2").exists()
    assert await Transaction.filter(from_wallet_id=payer.wallet_id, kind="TRANSFER").count() == 1


async def test_the_first_claim_given_that_fails_names_the_refusal_whatever_the_lock_order(database_url):
    principal, payer, payee, a = await _scene("claims-order")
    b = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/b", event_types=["*"])).endpoint
    await WebhookEndpoint.filter(id__in=[a.id, b.id]).update(status="DISABLED")
    for first, second in ((a, b), (b, a)):
        for dry_run in (False, True):
            with pytest.raises(WalletStateConflict) as refused:
                await post(principal, _two_claims(payer, payee, f"order-{first.id}-{dry_run}",
                                                  _named_claim(first.id, str(first.id)),
                                                  _named_claim(second.id, str(second.id)), dry_run=dry_run), None)
            assert refused.value.field == [str(first.id)]


async def test_a_dry_run_checks_every_claim_and_writes_nothing(database_url):
    principal, payer, payee, a = await _scene("claims-dry")
    b = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/b", event_types=["*"])).endpoint
    preview = await post(principal, _two_claims(payer, payee, "cdry-1", _named_claim(a.id, "a"),
                                                _named_claim(b.id, "b"), dry_run=True), None)
    assert preview.dry_run
    assert [(await WebhookEndpoint.get(id=e.id)).status for e in (a, b)] == ["ENABLED", "ENABLED"]
    await WebhookEndpoint.filter(id=b.id).update(status="DISABLED")
    with pytest.raises(WalletStateConflict) as refused:
        await post(principal, _two_claims(payer, payee, "cdry-2", _named_claim(a.id, "a"), _named_claim(b.id, "b"),
                                          dry_run=True), None)
    assert refused.value.field == ["b"]


async def test_one_row_claimed_twice_is_a_bug_refused_before_anything_runs(database_url):
    principal, payer, payee, a = await _scene("claims-twice")
    with pytest.raises(ValueError):
        await post(principal, _two_claims(payer, payee, "twice-1", _named_claim(a.id, "a"), _named_claim(a.id, "b")),
                   None)
    assert (await WebhookEndpoint.get(id=a.id)).status == "ENABLED"
    assert not await Transaction.filter(from_wallet_id=payer.wallet_id, idempotency_key="twice-1").exists()


@requires_postgres
async def test_claimed_rows_are_locked_in_one_order_whatever_order_they_are_given_in(database_url):
    """Two postings claiming the same rows in opposite orders cannot deadlock: each locks them in lock_order.

    Another session holds the row that lock_order takes second; a posting that names it first is then seen holding
    the other row while it waits (taking them in the order given, it would wait holding nothing)."""
    principal, payer, payee, a = await _scene("claims-order-locks")
    b = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/b", event_types=["*"])).endpoint
    first, second = sorted((a, b), key=lambda e: str(e.id))
    other = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT 1 FROM webhook_endpoint WHERE id = $1 FOR UPDATE", second.id)
        posting = asyncio.create_task(post(principal, _two_claims(
            payer, payee, "locks-1", _named_claim(second.id, "second"), _named_claim(first.id, "first")), None))
        await asyncio.sleep(0.5)  # the posting is waiting for `second`
        with pytest.raises(asyncpg.LockNotAvailableError):
            await other.execute("SELECT 1 FROM webhook_endpoint WHERE id = $1 FOR UPDATE NOWAIT", first.id)
        await holding.rollback()
        await asyncio.wait_for(posting, 10)
    finally:
        await other.close()
    assert {(await WebhookEndpoint.get(id=e.id)).status for e in (a, b)} == {"DISABLED"}
    assert await Transaction.filter(from_wallet_id=payer.wallet_id, idempotency_key="locks-1").count() == 1


@requires_postgres
async def test_concurrent_postings_claiming_two_rows_in_opposite_orders_make_one_winner(database_url):
    principal, payer, payee, a = await _scene("claims-cross")
    b = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/b", event_types=["*"])).endpoint

    async def one(n: int):
        first, second = (a, b) if n % 2 else (b, a)
        try:
            return await post(principal, _two_claims(payer, payee, f"cross-{n}", _named_claim(first.id, "x"),
                                                     _named_claim(second.id, "y")), None)
        except WalletStateConflict:
            return None

    results = await asyncio.gather(*(one(n) for n in range(20)))
    assert len([r for r in results if r is not None]) == 1
    assert await Transaction.filter(from_wallet_id=payer.wallet_id, kind="TRANSFER").count() == 1
    assert {(await WebhookEndpoint.get(id=e.id)).status for e in (a, b)} == {"DISABLED"}
