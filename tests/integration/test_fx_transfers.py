"""transferCreate to a wallet in another currency, at an FX quote (services.fx.transfers, services.fx.compliance)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from auth.principal import Principal
from models import Account, DomainEvent, Entry, FxQuote, IdempotencyRecord, Transaction
from services import clock
from services.errors import (
    CurrencyMismatch, IdempotencyConflict, InsufficientFunds, NotFound, QuoteAlreadyUsed, QuoteExpired, QuoteMismatch,
    QuoteRequired, TransactionNotReversible,
)
from services.fees.charging import NO_FEE, Fee
from services.fees.rules import FeeDecision
from services.fees.schedule import create_rule
from services.fx.quotes import create_quote
from services.fx.transfers import create_transfer, with_transfer_fee
from services.ledger.reversal import reverse_transaction
from services.ledger.verify import verify_ledger
from tests.integration.fx_support import rate, treasury
from tests.integration.service_support import Holder, holder, new_partner


async def _balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance_minor


async def _counts() -> tuple[int, int, int, int]:
    return (await Transaction.all().count(), await Entry.all().count(), await DomainEvent.all().count(),
            await IdempotencyRecord.all().count())


async def _pair(principal: Principal, sell: str = "USD", buy: str = "JPY", fund: str = "1000.00") -> tuple[Holder, Holder]:
    """A funded US sender holding `sell` and another US customer holding `buy` (the default pack covers both)."""
    sender = await holder(principal, country="US", currency=sell)
    receiver = await holder(principal, country="US", currency=buy)
    from services.ledger.posting import post_top_up
    await post_top_up(principal=principal, wallet_id=sender.wallet_id, amount=fund,
                      idempotency_key=f"fund-{sender.wallet_id}")
    return sender, receiver


async def _send(principal: Principal, sender: Holder, receiver: Holder, amount: str, key: str, quote_id=None,
                **extra):  # noqa: ANN001, ANN003, ANN202
    return await create_transfer(principal=principal, from_wallet_id=sender.wallet_id,
                                 to_wallet_id=receiver.wallet_id, amount=amount, idempotency_key=key,
                                 quote_id=quote_id, quote_named=quote_id is not None, **extra)


async def test_a_cross_currency_transfer_posts_at_the_quote_through_the_fx_position(database_url):
    partner = await new_partner("fxt-legs")
    await rate("USD", "JPY", "150.25")
    await create_rule(terms={"kind": "FX", "partner_id": partner.partner_id, "currency": "USD", "rate_bps": 50,
                             "fixed_minor": 100, "fee_min_minor": 0, "free_per_month": 0}, created_by="test")
    # And a 0.25 USD transfer fee: both are charged, in the sell currency.
    await create_rule(terms={"kind": "TRANSFER", "partner_id": partner.partner_id, "currency": "USD",
                             "fixed_minor": 25}, created_by="test")
    sender, receiver = await _pair(partner)
    quote = await create_quote(principal=partner, sell_currency="USD", buy_currency="JPY", sell_amount="100.00",
                               from_wallet_id=sender.wallet_id)
    await rate("USD", "JPY", "90")  # the market moves after the quote: the quote's rate still applies
    txn = await _send(partner, sender, receiver, "100.00", "fxt-legs-1", quote.id, memo="rent")
    assert (txn.kind.value, txn.status.value, txn.currency, txn.amount_minor) == ("TRANSFER", "POSTED", "USD", 10_000)
    assert (txn.fee_minor, txn.buy_currency, txn.buy_amount_minor) == (125, "JPY", 14_949)
    assert txn.fee_breakdown["transfer_fee_minor"] == 25 and txn.fee_breakdown["fx"]["fee_minor"] == 100
    assert await _balance(sender.account_id) == 100_000 - 10_000 - 125
    assert await _balance(receiver.account_id) == 14_949
    by_kind: dict[tuple[str, str], int] = {}
    for entry in await Entry.filter(transaction_id=txn.id).prefetch_related("account"):
        key = (entry.account.kind.value, entry.currency)
        by_kind[key] = by_kind.get(key, 0) + entry.amount_minor
    assert by_kind == {
        ("WALLET", "USD"): -10_125, ("FX_POSITION", "USD"): 10_000, ("FEE_REVENUE", "USD"): 125,
        ("FX_POSITION", "JPY"): -15_025, ("WALLET", "JPY"): 14_949, ("FX_REVENUE", "JPY"): 76,
    }
    used = await FxQuote.get(id=quote.id)
    assert used.transaction_id == txn.id and used.used_at is not None
    event = await DomainEvent.filter(type="transaction.posted", object_id=str(txn.id)).first()
    assert event is not None and event.payload["buyAmount"] == {"amount": "14949", "currency": "JPY"}
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_quote_required_and_a_quote_on_a_same_currency_transfer_is_refused(database_url):
    partner = await new_partner("fxt-required")
    await rate("EUR", "USD", "1.10")
    sender, receiver = await _pair(partner, "EUR", "USD")
    same = await holder(partner, country="US", currency="EUR")
    before = await _counts()
    with pytest.raises(QuoteRequired) as refused:
        await _send(partner, sender, receiver, "10.00", "fxt-req-1")
    assert refused.value.field == ["quoteId"]
    quote = await create_quote(principal=partner, sell_currency="EUR", buy_currency="USD", sell_amount="10.00")
    with pytest.raises(QuoteMismatch):
        await _send(partner, sender, same, "10.00", "fxt-req-2", quote.id)
    with pytest.raises(NotFound):  # a quoteId that names no quote
        await create_transfer(principal=partner, from_wallet_id=sender.wallet_id, to_wallet_id=receiver.wallet_id,
                              amount="10.00", idempotency_key="fxt-req-3", quote_id=None, quote_named=True)
    with pytest.raises(CurrencyMismatch):
        await _send(partner, sender, receiver, "10.00", "fxt-req-4", quote.id, currency="USD")
    assert await _counts() == before and (await FxQuote.get(id=quote.id)).used_at is None
    # Without a quote, a same-currency transfer is exactly today's.
    plain = await _send(partner, sender, same, "10.00", "fxt-req-5")
    assert (plain.kind.value, plain.buy_currency, await _balance(same.account_id)) == ("TRANSFER", None, 1_000)


async def test_an_expired_or_foreign_or_mismatched_quote_moves_nothing(database_url):
    partner, other = await new_partner("fxt-refuse"), await new_partner("fxt-refuse-b")
    await rate("USD", "CNY", "7.2")
    sender, receiver = await _pair(partner, "USD", "CNY")
    someone = await holder(partner, country="US", currency="USD")
    start = clock.now()
    late = await create_quote(principal=partner, sell_currency="USD", buy_currency="CNY", sell_amount="10.00")
    foreign = await create_quote(principal=other, sell_currency="USD", buy_currency="CNY", sell_amount="10.00")
    token = Principal(kind="customer", subject="c", partner_id=partner.partner_id, scopes=partner.scopes,
                      customer_id=someone.customer_id)
    someones = await create_quote(principal=token, sell_currency="USD", buy_currency="CNY", sell_amount="10.00")
    pinned = await create_quote(principal=partner, sell_currency="USD", buy_currency="CNY", sell_amount="10.00",
                                from_wallet_id=someone.wallet_id)
    await rate("USD", "EUR", "0.9")
    other_pair = await create_quote(principal=partner, sell_currency="USD", buy_currency="EUR", sell_amount="10.00")
    fine = await create_quote(principal=partner, sell_currency="USD", buy_currency="CNY", sell_amount="10.00")
    before = (await _counts(), await _balance(sender.account_id), await _balance(receiver.account_id))
    with clock.frozen_at(start + timedelta(seconds=31)):
        with pytest.raises(QuoteExpired):
            await _send(partner, sender, receiver, "10.00", "fxt-ref-1", late.id)
    with pytest.raises(NotFound):  # another partner's quote is unknown here
        await _send(partner, sender, receiver, "10.00", "fxt-ref-2", foreign.id)
    with pytest.raises(QuoteMismatch):  # given to another customer's token
        await _send(partner, sender, receiver, "10.00", "fxt-ref-3", someones.id)
    with pytest.raises(QuoteMismatch):  # for another paying wallet
        await _send(partner, sender, receiver, "10.00", "fxt-ref-4", pinned.id)
    with pytest.raises(QuoteMismatch):  # for other currencies
        await _send(partner, sender, receiver, "10.00", "fxt-ref-5", other_pair.id)
    with pytest.raises(QuoteMismatch) as amounts:  # for another amount than the transfer's
        await _send(partner, sender, receiver, "10.01", "fxt-ref-6", fine.id)
    assert "other amounts than the transfer" in amounts.value.message and amounts.value.field == ["amount"]
    after = (await _counts(), await _balance(sender.account_id), await _balance(receiver.account_id))
    assert after == before
    assert await FxQuote.filter(used_at__isnull=False, id__in=[late.id, someones.id, pinned.id, fine.id]).count() == 0
    # The matching amount (written differently) goes through with the same quote.
    done = await _send(partner, sender, receiver, "10.0", "fxt-ref-7", fine.id)
    assert done.buy_amount_minor == 7_200 == await _balance(receiver.account_id)


async def test_replay_single_use_and_dry_run(database_url):
    partner = await new_partner("fxt-once")
    await rate("USD", "KRW", "1400")
    sender, receiver = await _pair(partner, "USD", "KRW")
    quote = await create_quote(principal=partner, sell_currency="USD", buy_currency="KRW", sell_amount="100.00")
    before = await _counts()
    dry = await _send(partner, sender, receiver, "100.00", "fxt-once-1", quote.id, dry_run=True)
    assert dry.dry_run and dry.buy_amount_minor == 140_000
    assert await _counts() == before and (await FxQuote.get(id=quote.id)).used_at is None
    first = await _send(partner, sender, receiver, "100.00", "fxt-once-1", quote.id)
    again = await _send(partner, sender, receiver, "100.00", "fxt-once-1", quote.id)
    assert again.replayed and again.id == first.id
    with clock.frozen_at(clock.now() + timedelta(minutes=5)):  # a retry after the quote expired still replays
        late = await _send(partner, sender, receiver, "100.00", "fxt-once-1", quote.id)
    assert late.id == first.id
    with pytest.raises(QuoteAlreadyUsed):
        await _send(partner, sender, receiver, "100.00", "fxt-once-2", quote.id)
    with pytest.raises(IdempotencyConflict):  # the same key with another quote
        fresh = await create_quote(principal=partner, sell_currency="USD", buy_currency="KRW", sell_amount="100.00")
        await _send(partner, sender, receiver, "100.00", "fxt-once-1", fresh.id)
    assert await _balance(receiver.account_id) == 140_000
    assert await _balance(sender.account_id) == 100_000 - 10_000
    assert (await verify_ledger()).ok


async def test_funds_include_both_fees_and_a_customer_token_pays_with_its_own_quote(database_url):
    partner = await new_partner("fxt-funds")
    await rate("GBP", "USD", "1.25")
    await create_rule(terms={"kind": "TRANSFER", "partner_id": partner.partner_id, "currency": "GBP",
                             "fixed_minor": 1}, created_by="test")
    sender, receiver = await _pair(partner, "GBP", "USD", fund="100.00")
    quote = await create_quote(principal=partner, sell_currency="GBP", buy_currency="USD", sell_amount="100.00")
    with pytest.raises(InsufficientFunds):  # 100.00 plus the 0.01 transfer fee
        await _send(partner, sender, receiver, "100.00", "fxt-funds-1", quote.id)
    assert (await FxQuote.get(id=quote.id)).used_at is None
    token = Principal(kind="customer", subject="c", partner_id=partner.partner_id, scopes=partner.scopes,
                      customer_id=sender.customer_id)
    own = await create_quote(principal=token, sell_currency="GBP", buy_currency="USD", sell_amount="50.00",
                             from_wallet_id=sender.wallet_id)
    done = await _send(token, sender, receiver, "50.00", "fxt-funds-2", own.id)
    assert (done.buy_amount_minor, done.fee_minor) == (6_250, 1)
    with pytest.raises(NotFound):  # a customer token pays only from its own wallet
        back = await create_quote(principal=partner, sell_currency="USD", buy_currency="GBP", sell_amount="1.00")
        await _send(token, receiver, sender, "1.00", "fxt-funds-3", back.id)
    assert (await verify_ledger()).ok


@pytest.mark.parametrize("decision", ["RELEASE", "REJECT"])
async def test_a_held_cross_currency_transfer_keeps_each_legs_currency_until_decided(database_url, decision):
    from tests.integration.aml_support import alerts, new_scene, resolve

    scene = await new_scene("FO")  # LARGE_TRANSACTION holds 10,000.00 EUR; its tier covers EUR only
    payer = await scene.party(fund=["9999.99", "9999.99"])
    payee = await holder(scene.principal, country="US", currency="USD")  # a tier that covers USD
    await rate("EUR", "USD", "1.10")
    quote = await create_quote(principal=scene.principal, sell_currency="EUR", buy_currency="USD",
                               sell_amount="10000.00")
    txn = await create_transfer(principal=scene.principal, from_wallet_id=payer.wallet_id,
                                to_wallet_id=payee.wallet_id, amount="10000.00", idempotency_key=f"fxt-held-{decision}",
                                quote_id=quote.id, quote_named=True)
    # FO to US is cross-border: the fee kind is INTERNATIONAL_TRANSFER, which the scene's partner has no rule for.
    assert (txn.status.value, txn.buy_amount_minor, txn.fee_minor) == ("HELD", 1_100_000, 0)
    assert all(len(leg) == 3 for leg in txn.held_legs or [])
    assert (await FxQuote.get(id=quote.id)).transaction_id == txn.id  # the hold used the quote
    assert (await Account.get(id=payer.account_id)).held_minor == 1_000_000
    report = await verify_ledger()
    assert report.ok, report.problems
    [alert] = await alerts(scene)
    await resolve(alert["id"], decision)
    payer_row = await Account.get(id=payer.account_id)
    assert payer_row.held_minor == 0
    if decision == "REJECT":
        assert (payer_row.balance_minor, await _balance(payee.account_id)) == (1_999_998, 0)
        assert not await Entry.filter(transaction_id=txn.id).exists()
    else:
        assert (payer_row.balance_minor, await _balance(payee.account_id)) == (1_999_998 - 1_000_000, 1_100_000)
        currencies = {e.currency for e in await Entry.filter(transaction_id=txn.id)}
        assert currencies == {"EUR", "USD"}
        released = await DomainEvent.filter(type="transaction.posted", object_id=str(txn.id)).first()
        assert released is not None and released.payload["buyAmount"] == {"amount": "11000.00", "currency": "USD"}
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_a_sandbox_partners_cross_currency_transfer_stays_in_its_sandbox_accounts(database_url):
    from services.ledger.posting import post_sandbox_fund
    from tests.integration.test_sandbox_partners import sandbox_partner

    partner = await sandbox_partner("fxt-sandbox")
    await rate("USD", "MXN", "17.5")
    sender = await holder(partner, country="US", currency="USD")
    receiver = await holder(partner, country="US", currency="MXN")
    await post_sandbox_fund(principal=partner, wallet_id=sender.wallet_id, amount="50.00", idempotency_key="fxt-sb")
    quote = await create_quote(principal=partner, sell_currency="USD", buy_currency="MXN", sell_amount="10.00")
    txn = await _send(partner, sender, receiver, "10.00", "fxt-sb-1", quote.id)
    kinds = {e.account.kind.value for e in await Entry.filter(transaction_id=txn.id).prefetch_related("account")}
    assert kinds == {"WALLET", "SANDBOX"}  # test money never reaches the bank's FX position
    assert await _balance(receiver.account_id) == 17_500
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_verify_flags_a_transfer_mixing_currencies_without_its_buy_side(database_url):
    partner = await new_partner("fxt-verify")
    await rate("USD", "CHF", "0.9")
    sender, receiver = await _pair(partner, "USD", "CHF")
    quote = await create_quote(principal=partner, sell_currency="USD", buy_currency="CHF", sell_amount="10.00")
    txn = await _send(partner, sender, receiver, "10.00", "fxt-verify-1", quote.id)
    assert (await verify_ledger()).ok
    await Transaction.filter(id=txn.id).update(buy_currency=None)  # as if written by a single-currency path
    try:
        problems = (await verify_ledger()).problems
        assert any(str(txn.id) in p and "2 currencies" in p for p in problems), problems
    finally:
        await Transaction.filter(id=txn.id).update(buy_currency="CHF")
    assert (await verify_ledger()).ok
    with pytest.raises(TransactionNotReversible):  # two currencies at a quote's rate: sent back at a new quote
        await reverse_transaction(principal=treasury("admin"), transaction_id=txn.id, reason="undo it")
    assert await Transaction.filter(id=txn.id, reversed_by__isnull=True).exists()


def test_the_transfer_fee_and_the_quotes_fee_add_up():
    transfer = Fee(fee_minor=25, kind="TRANSFER", decision=FeeDecision(fee_minor=25, rule=None, breakdown={"fee_minor": 25}),
                   share_minor=5)
    fx = Fee(fee_minor=100, kind="FX", decision=FeeDecision(fee_minor=100, rule=None, breakdown={"fee_minor": 100}),
             share_minor=10)
    both = with_transfer_fee(transfer, fx)
    assert (both.fee_minor, both.share_minor, both.kind) == (125, 15, "TRANSFER")
    assert both.breakdown["transfer_fee_minor"] == 25 and both.breakdown["fx"]["fee_minor"] == 100
    assert with_transfer_fee(NO_FEE, NO_FEE).fee_minor == 0
