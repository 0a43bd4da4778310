"""services.ledger.engine: one posting per request, replays of a used key, refusals, re-planning on stale standing."""

from __future__ import annotations

from dataclasses import replace

import pytest

import services.ledger.engine as engine
from auth.principal import Principal
from models import Wallet
from models.enums import TransactionStatus, WalletStatus
from services.compliance.posting_checks import StaleStanding
from services.errors import ComplianceHold, IdempotencyConflict, InsufficientFunds, WalletNotActive
from services.ledger.engine import backend_name, post, postings_by_backend
from tests.conftest import backend
from tests.integration.backend_support import funded, top_up_request, transfer_request


def test_the_engine_posts_on_the_backend_of_the_test_run(database_url):
    assert backend_name() == backend()


async def test_a_posting_is_counted_once_and_a_replay_returns_the_original(database_url):
    f = await funded()
    req = transfer_request(f.payer, f.payee, "5.00")
    before = postings_by_backend[backend()]
    first = await post(f.principal, req, None)
    assert postings_by_backend[backend()] == before + 1
    again = await post(f.principal, req, None)
    assert (again.id, again.status, again.amount_minor) == (first.id, TransactionStatus.POSTED, 500)
    assert postings_by_backend[backend()] == before + 1  # a replay writes nothing


async def test_a_used_key_with_other_input_is_a_conflict(database_url):
    f = await funded()
    req = transfer_request(f.payer, f.payee, "5.00")
    await post(f.principal, req, None)
    with pytest.raises(IdempotencyConflict) as caught:
        await post(f.principal, replace(req, amount_text="6.00"), None)
    assert caught.value.field == ["idempotencyKey"]


async def test_a_refusal_of_a_used_key_replays_the_original_decision(database_url):
    f = await funded()
    req = transfer_request(f.payer, f.payee, "100.00")  # every cent the payer has
    first = await post(f.principal, req, None)
    # The same request again would now be refused (no money left): the key's original result wins.
    assert (await post(f.principal, req, None)).id == first.id
    with pytest.raises(InsufficientFunds):
        await post(f.principal, transfer_request(f.payer, f.payee, "100.00"), None)


async def test_a_customer_token_is_not_told_why_the_payee_cannot_take_the_money(database_url):
    f = await funded()
    await Wallet.filter(id=f.payee.wallet_id).update(status=WalletStatus.FROZEN)
    customer = Principal(kind="customer", subject=f.principal.subject, partner_id=f.principal.partner_id,
                         scopes=f.principal.scopes, customer_id=f.payer.customer_id)
    with pytest.raises(WalletNotActive) as caught:
        await post(customer, transfer_request(f.payer, f.payee, "1.00"), None)
    assert (caught.value.message, caught.value.field) == ("the receiving wallet cannot accept this payment", ["toWalletId"])
    with pytest.raises(WalletNotActive) as caught:
        await post(f.principal, transfer_request(f.payer, f.payee, "1.00"), None)
    assert caught.value.message == "wallet is frozen"  # the partner itself is told


def stale_then_real(monkeypatch, stale_times: int) -> list[int]:
    """Make the backend report a changed standing `stale_times` times, then write for real; return the call count."""
    calls: list[int] = []
    real = engine.post_on_postgres if backend() == "postgres" else engine.post_on_sqlite

    async def write(*args):
        calls.append(1)
        if len(calls) <= stale_times:
            raise StaleStanding()
        return await real(*args)

    monkeypatch.setattr(engine, "post_on_postgres" if backend() == "postgres" else "post_on_sqlite", write)
    return calls


async def test_a_standing_changed_while_planning_is_planned_again(database_url, monkeypatch):
    f = await funded()
    calls = stale_then_real(monkeypatch, stale_times=2)
    txn = await post(f.principal, transfer_request(f.payer, f.payee, "1.00"), None)
    assert (len(calls), txn.status) == (3, TransactionStatus.POSTED)


async def test_a_standing_that_keeps_changing_is_a_compliance_hold_to_retry(database_url, monkeypatch):
    f = await funded()
    calls = stale_then_real(monkeypatch, stale_times=3)
    with pytest.raises(ComplianceHold, match="retry with the same idempotencyKey") as caught:
        await post(f.principal, transfer_request(f.payer, f.payee, "1.00"), None)
    assert (len(calls), caught.value.field) == (3, ["fromWalletId"])
    calls.clear()
    with pytest.raises(ComplianceHold) as caught:
        await post(f.principal, top_up_request(f.payee, "1.00"), None)
    assert caught.value.field == ["walletId"]  # a top-up names its receiving wallet
