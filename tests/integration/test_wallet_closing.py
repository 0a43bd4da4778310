"""walletClose on the real services and database: empty wallets close, money is swept in the same transaction,
anything left or waiting refuses with nothing changed, and a closed wallet moves nothing but keeps its history."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from auth.principal import Principal
from models import Account, AuditEvent, Customer, DomainEvent, Entry, IdempotencyRecord, Transaction, Wallet
from models.enums import ScreeningStatus, TransactionKind, TransactionStatus, WalletStatus
from services.audit import Actor, AuditNote
from services.compliance.standing_channel import announce_standing_changed
from services.compliance.sweep_checks import check_sweep
from services.db.wallet_rows import LockedWallet
from services.errors import DomainError, Forbidden
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.ledger.verify import verify_ledger
from services.wallet_closing import close_wallet
from services.wallets import get_wallet, open_wallet
from tests.integration.service_support import Holder, holder, new_partner


async def refused(call) -> DomainError:
    with pytest.raises(DomainError) as error:
        await call
    return error.value


async def state(*wallet_ids: uuid.UUID) -> list[tuple]:
    """Status, balance and holds of each wallet, and how many transactions touch it: what a refusal must not change."""
    out = []
    for wallet_id in wallet_ids:
        wallet = await Wallet.get(id=wallet_id).select_related("account")
        moves = await Transaction.filter(from_wallet_id=wallet_id).count() + await Transaction.filter(to_wallet_id=wallet_id).count()
        out.append((wallet.status, wallet.closed_at, wallet.account.balance_minor, wallet.account.held_minor, moves))
    return out


async def funded_pair(principal: Principal, amount: str = "120.50") -> tuple[Holder, uuid.UUID]:
    """A customer with a funded wallet and a second, empty wallet in the same currency."""
    someone = await holder(principal)
    second = await open_wallet(principal=principal, customer_id=someone.customer_id, currency="CNY")
    await post_top_up(principal=principal, wallet_id=someone.wallet_id, amount=amount, idempotency_key=f"fund-{someone.wallet_id}")
    return someone, second.id


async def test_an_empty_wallet_closes_and_keeps_its_history(database_url):
    principal = await new_partner("close")
    payer, payee = await holder(principal), await holder(principal)
    await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount="10.00", idempotency_key="in")
    await post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="10.00",
                        idempotency_key="out")
    note = AuditNote(actor=Actor(kind="partner", id=principal.subject, partner_id=principal.partner_id), operation="walletClose")
    closing = await close_wallet(principal=principal, wallet_id=payer.wallet_id, reason="customer asked", audit=note)
    assert (closing.wallet.status, closing.sweep, closing.audited) == (WalletStatus.CLOSED, None, True)
    assert closing.wallet.closed_at is not None
    assert await Transaction.filter(from_wallet_id=payer.wallet_id).count() == 1  # history kept
    assert await Entry.filter(account_id=payer.account_id).count() == 2
    events = await DomainEvent.filter(type="wallet.closed", object_id=str(payer.wallet_id)).values_list("payload", flat=True)
    assert events == [{"walletId": str(payer.wallet_id), "customerId": str(payer.customer_id)}]
    audit = await AuditEvent.get(operation="walletClose", object_id=str(payer.wallet_id))
    assert audit.outcome == "OK" and "reason=customer asked" in audit.detail
    assert (await get_wallet(principal=principal, wallet_id=payer.wallet_id)).status == WalletStatus.CLOSED


async def test_a_closed_wallet_refuses_every_movement(database_url):
    principal = await new_partner("close")
    closed, other = await holder(principal), await holder(principal)
    await post_top_up(principal=principal, wallet_id=other.wallet_id, amount="50.00", idempotency_key="fund")
    await close_wallet(principal=principal, wallet_id=closed.wallet_id)
    before = await state(closed.wallet_id, other.wallet_id)
    attempts = {
        "walletId": post_top_up(principal=principal, wallet_id=closed.wallet_id, amount="1.00", idempotency_key="t"),
        "toWalletId": post_transfer(principal=principal, from_wallet_id=other.wallet_id, to_wallet_id=closed.wallet_id,
                                    amount="1.00", idempotency_key="in"),
        "fromWalletId": post_transfer(principal=principal, from_wallet_id=closed.wallet_id, to_wallet_id=other.wallet_id,
                                      amount="1.00", idempotency_key="out"),
        "walletId ": post_withdrawal(principal=principal, wallet_id=closed.wallet_id, amount="1.00", idempotency_key="w"),
    }
    for field, call in attempts.items():
        error = await refused(call)
        assert (error.code, error.field, error.message) == ("WALLET_NOT_ACTIVE", [field.strip()], "wallet is closed")
    assert await state(closed.wallet_id, other.wallet_id) == before
    assert not await IdempotencyRecord.filter(partner_id=principal.partner_id, key__in=["t", "in", "out", "w"]).exists()


async def test_money_is_swept_into_another_wallet_of_the_customer_and_the_wallet_closes_in_one_go(database_url):
    principal = await new_partner("close")
    someone, second = await funded_pair(principal, "120.50")
    closing = await close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second,
                                 idempotency_key="close-1")
    sweep = closing.sweep
    assert sweep is not None
    assert (sweep.kind, sweep.status, sweep.amount_minor, sweep.fee_minor) == (
        TransactionKind.SWEEP, TransactionStatus.POSTED, 12_050, 0)
    assert (sweep.from_wallet_id, sweep.to_wallet_id, sweep.idempotency_key) == (someone.wallet_id, second, "close-1")
    assert (closing.wallet.status, closing.wallet.balance_minor) == (WalletStatus.CLOSED, 0)
    assert (await get_wallet(principal=principal, wallet_id=second)).balance_minor == 12_050
    payload = (await DomainEvent.get(type="wallet.closed", object_id=str(someone.wallet_id))).payload
    assert payload["sweptToWalletId"] == str(second) and payload["transactionId"] == str(sweep.id)
    report = await verify_ledger()
    assert report.ok, report.problems

    # A retry with the key returns the original result; the key with other input is a conflict.
    again = await close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second,
                               idempotency_key="close-1")
    assert (again.sweep.id, again.wallet.status) == (sweep.id, WalletStatus.CLOSED)
    third = await open_wallet(principal=principal, customer_id=someone.customer_id, currency="CNY")
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=third.id,
                                       idempotency_key="close-1"))
    assert (error.code, error.field) == ("IDEMPOTENCY_CONFLICT", ["idempotencyKey"])
    await post_top_up(principal=principal, wallet_id=third.id, amount="1.00", idempotency_key="used-elsewhere")
    error = await refused(close_wallet(principal=principal, wallet_id=third.id, sweep_to_wallet_id=second,
                                       idempotency_key="used-elsewhere"))
    assert error.code == "IDEMPOTENCY_CONFLICT"
    assert await Transaction.filter(kind=TransactionKind.SWEEP, from_wallet_id=someone.wallet_id).count() == 1


async def test_a_wallet_with_money_and_no_sweep_target_is_refused_and_nothing_changes(database_url):
    principal = await new_partner("close")
    someone, second = await funded_pair(principal, "0.01")
    before = await state(someone.wallet_id, second)
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id))
    assert (error.code, error.field) == ("WALLET_NOT_EMPTY", ["walletId"])
    assert error.message.startswith("the wallet holds 0.01 CNY: name sweepToWalletId")
    assert await state(someone.wallet_id, second) == before
    assert not await DomainEvent.exists(type="wallet.closed", object_id=str(someone.wallet_id))


async def test_funds_on_hold_or_under_review_keep_a_wallet_open_even_with_a_sweep_target(database_url):
    principal = await new_partner("close")
    someone, second = await funded_pair(principal)
    await Account.filter(id=someone.account_id).update(held_minor=500)  # an authorisation waiting for capture
    before = await state(someone.wallet_id, second)
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second,
                                       idempotency_key="held"))
    assert (error.code, error.field) == ("WALLET_NOT_EMPTY", ["walletId"])
    assert "5.00 CNY of the wallet is on hold" in error.message
    assert await state(someone.wallet_id, second) == before

    await Account.filter(id=someone.account_id).update(held_minor=0)
    # A payment into the wallet that compliance holds for review (its hold is on the payer's side).
    # (A bare row, not a whole held posting: removed afterwards so that no ledger check of a later test sees it.)
    review = await Transaction.create(
        partner_id=principal.partner_id, kind=TransactionKind.TRANSFER, status=TransactionStatus.HELD, currency="CNY",
        amount_minor=100, to_wallet_id=someone.wallet_id, idempotency_key="review",
    )
    try:
        before = await state(someone.wallet_id, second)
        error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second,
                                           idempotency_key="review-close"))
        assert error.code == "WALLET_NOT_EMPTY" and "compliance review" in error.message
        assert await state(someone.wallet_id, second) == before
        assert not await IdempotencyRecord.exists(partner_id=principal.partner_id, key="review-close")
    finally:
        await review.delete()


async def test_the_sweep_target_must_be_another_active_wallet_of_the_customer_in_the_currency(database_url):
    principal = await new_partner("close")
    someone, second = await funded_pair(principal)
    stranger = await holder(principal)
    dollars = await open_wallet(principal=principal, customer_id=someone.customer_id, currency="USD")
    foreign = await holder(await new_partner("close"))
    cases = [
        (someone.wallet_id, "SAME_WALLET"), (stranger.wallet_id, "VALIDATION"), (dollars.id, "CURRENCY_MISMATCH"),
        (foreign.wallet_id, "NOT_FOUND"), (uuid.uuid4(), "NOT_FOUND"),
    ]
    before = await state(someone.wallet_id, second, stranger.wallet_id)
    for target, code in cases:
        error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=target,
                                           idempotency_key=f"bad-{code}"))
        assert (error.code, error.field) == (code, ["sweepToWalletId"]), target
    await Wallet.filter(id=second).update(status=WalletStatus.FROZEN)
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second,
                                       idempotency_key="frozen-target"))
    assert (error.code, error.field) == ("WALLET_NOT_ACTIVE", ["sweepToWalletId"])
    await Wallet.filter(id=second).update(status=WalletStatus.ACTIVE)
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second))
    assert (error.code, error.field) == ("VALIDATION", ["idempotencyKey"])
    assert await state(someone.wallet_id, second, stranger.wallet_id) == before


async def test_only_active_wallets_close_and_only_through_the_partner(database_url):
    principal = await new_partner("close")
    someone = await holder(principal)
    await Wallet.filter(id=someone.wallet_id).update(status=WalletStatus.FROZEN, status_reason="investigation")
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id))
    assert (error.code, error.field) == ("INVALID_STATE", ["walletId"]) and "frozen" in error.message
    await Wallet.filter(id=someone.wallet_id).update(status=WalletStatus.ACTIVE, status_reason=None)
    await close_wallet(principal=principal, wallet_id=someone.wallet_id)
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id))
    assert error.code == "INVALID_STATE" and "closed already" in error.message

    fresh = await holder(principal)
    token = Principal(kind="customer", subject=principal.subject, partner_id=principal.partner_id,
                      customer_id=fresh.customer_id, scopes=frozenset({"wallets:write"}))
    with pytest.raises(Forbidden):
        await close_wallet(principal=token, wallet_id=fresh.wallet_id)
    error = await refused(close_wallet(principal=await new_partner("close"), wallet_id=fresh.wallet_id))
    assert error.code == "NOT_FOUND"
    assert (await Wallet.get(id=fresh.wallet_id)).status == WalletStatus.ACTIVE


async def test_a_sweep_the_receiving_tier_cannot_take_leaves_the_wallet_open(database_url):
    principal = await new_partner("close")
    someone = await holder(principal, country="US", currency="USD", tier=1)  # the lowest tier: 1,000.00 USD at most
    second = await open_wallet(principal=principal, customer_id=someone.customer_id, currency="USD")
    await post_top_up(principal=principal, wallet_id=someone.wallet_id, amount="600.00", idempotency_key="a")
    await post_top_up(principal=principal, wallet_id=second.id, amount="600.00", idempotency_key="b")
    before = await state(someone.wallet_id, second.id)
    error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second.id,
                                       idempotency_key="too-much"))
    assert (error.code, error.field) == ("LIMIT_EXCEEDED", ["sweepToWalletId"])
    assert await state(someone.wallet_id, second.id) == before
    assert not await IdempotencyRecord.exists(partner_id=principal.partner_id, key="too-much")


async def test_nothing_is_swept_for_a_customer_held_by_screening(database_url):
    principal = await new_partner("close")
    someone, second = await funded_pair(principal)
    await Customer.filter(id=someone.customer_id).update(screening_status=ScreeningStatus.HOLD)
    await announce_standing_changed()
    try:
        before = await state(someone.wallet_id, second)
        error = await refused(close_wallet(principal=principal, wallet_id=someone.wallet_id, sweep_to_wallet_id=second,
                                           idempotency_key="held-customer"))
        assert (error.code, error.field) == ("COMPLIANCE_HOLD", ["walletId"])
        assert await state(someone.wallet_id, second) == before
    finally:
        await Customer.filter(id=someone.customer_id).update(screening_status=ScreeningStatus.CLEAR)
        await announce_standing_changed()


async def test_a_sweep_check_refuses_anything_but_two_wallets_of_one_customer(database_url):
    principal = await new_partner("close")
    one, two = await holder(principal), await holder(principal)
    source = LockedWallet(one.wallet_id, one.customer_id, "ACTIVE", "CNY", one.account_id, 100, 0)
    foreign = LockedWallet(two.wallet_id, two.customer_id, "ACTIVE", "CNY", two.account_id, 0, 0)
    for kind, target in ((TransactionKind.SWEEP, foreign), (TransactionKind.TRANSFER, source), (TransactionKind.SWEEP, None)):
        error = await refused(check_sweep(kind=kind, source=source, target=target, amount_minor=100, currency="CNY",
                                          at=datetime.now(timezone.utc), from_field="walletId", to_field="sweepToWalletId"))
        assert (error.code, error.field) == ("VALIDATION", ["sweepToWalletId"])
