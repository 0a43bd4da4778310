"""FX quotes and walletConvert through the one posting engine (services.fx.quotes, services.fx.conversion)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from auth.principal import Principal
from models import Account, DomainEvent, Entry, FxQuote, IdempotencyRecord, Transaction
from models.enums import AccountKind
from services import clock
from services.errors import (
    CurrencyMismatch, IdempotencyConflict, InsufficientFunds, NotFound, QuoteAlreadyUsed, QuoteExpired, QuoteMismatch,
    RateUnavailable, SameCurrency, TransactionNotReversible, ValidationFailed,
)
from services.fees.schedule import create_rule
from services.fx.conversion import convert
from services.fx.quotes import create_quote
from services.fx.records import FxQuoteRecord
from services.ledger.reversal import reverse_transaction
from services.ledger.verify import verify_ledger
from tests.integration.fx_support import rate, treasury, two_wallets
from tests.integration.service_support import holder, new_partner


async def _balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance_minor


async def _quote(principal: Principal, sell: str = "USD", buy: str = "JPY", **amounts: str):
    return await create_quote(principal=principal, sell_currency=sell, buy_currency=buy,
                              **(amounts or {"sell_amount": "100.00"}))


async def test_a_conversion_moves_each_currency_through_the_fx_position_and_balances_per_currency(database_url):
    partner = await new_partner("fx-legs")
    await rate("USD", "JPY", "150.25")
    # The partner's FX rule: a 50 bps spread and a 1.00 USD fee on conversions selling USD.
    await create_rule(terms={"kind": "FX", "partner_id": partner.partner_id, "currency": "USD", "rate_bps": 50,
                             "fixed_minor": 100, "fee_min_minor": 0, "free_per_month": 0}, created_by="test")
    wallets = await two_wallets(partner)
    quote = await _quote(partner)
    assert (quote.spread_bps, quote.customer_rate_e9, quote.buy_amount_minor) == (50, 149_498_750_000, 14_949)
    assert (quote.spread_minor, quote.fee_minor) == (76, 100)
    assert isinstance(quote, FxQuoteRecord) and quote.mid_buy_minor == 15_025
    done = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                         to_wallet_id=wallets.buy_wallet, idempotency_key="fx-legs-1")
    txn = done.transaction
    assert (txn.kind.value, txn.currency, txn.amount_minor, txn.fee_minor) == ("FX_CONVERSION", "USD", 10_000, 100)
    assert (txn.buy_currency, txn.buy_amount_minor) == ("JPY", 14_949)
    assert await _balance(wallets.sell_account) == 100_000 - 10_000 - 100
    assert await _balance(wallets.buy_account) == 14_949
    entries = await Entry.filter(transaction_id=txn.id).prefetch_related("account")
    by_kind: dict[tuple[str, str], int] = {}
    for entry in entries:
        key = (entry.account.kind.value, entry.currency)
        by_kind[key] = by_kind.get(key, 0) + entry.amount_minor
    assert by_kind == {
        ("WALLET", "USD"): -10_100, ("FX_POSITION", "USD"): 10_000, ("FEE_REVENUE", "USD"): 100,
        ("FX_POSITION", "JPY"): -15_025, ("WALLET", "JPY"): 14_949, ("FX_REVENUE", "JPY"): 76,
    }
    for currency in ("USD", "JPY"):
        assert sum(e.amount_minor for e in entries if e.currency == currency) == 0
    assert (await FxQuote.get(id=quote.id)).transaction_id == txn.id
    event = await DomainEvent.filter(type="transaction.posted", object_id=str(txn.id)).first()
    assert event is not None and event.payload["buyAmount"] == {"amount": "14949", "currency": "JPY"}
    assert event.payload["amount"] == {"amount": "100.00", "currency": "USD"}
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_a_quote_executes_at_its_rate_even_after_the_rate_changes(database_url):
    partner = await new_partner("fx-locked")
    await rate("EUR", "USD", "1.10")
    wallets = await two_wallets(partner, "EUR", "USD")
    quote = await _quote(partner, "EUR", "USD")
    await rate("EUR", "USD", "1.50")  # the market moves after the quote was given
    done = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                         to_wallet_id=wallets.buy_wallet, idempotency_key="fx-locked-1")
    assert done.transaction.buy_amount_minor == 11_000 == await _balance(wallets.buy_account)
    assert (await _quote(partner, "EUR", "USD")).buy_amount_minor == 15_000  # a new quote has the new rate


async def test_a_quote_is_used_once_and_expires(database_url):
    partner = await new_partner("fx-once")
    await rate("USD", "KRW", "1400")
    wallets = await two_wallets(partner, "USD", "KRW")
    quote = await _quote(partner, "USD", "KRW")
    first = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                          to_wallet_id=wallets.buy_wallet, idempotency_key="fx-once-1")
    # The same key and input: the original answer, nothing new.
    again = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                          to_wallet_id=wallets.buy_wallet, idempotency_key="fx-once-1")
    assert again.transaction.replayed and again.transaction.id == first.transaction.id
    with pytest.raises(QuoteAlreadyUsed):
        await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                      to_wallet_id=wallets.buy_wallet, idempotency_key="fx-once-2")
    assert await _balance(wallets.buy_account) == 140_000
    start = clock.now()
    late = await _quote(partner, "USD", "KRW")
    with clock.frozen_at(start + timedelta(seconds=31)):
        with pytest.raises(QuoteExpired):
            await convert(principal=partner, quote_id=late.id, from_wallet_id=wallets.sell_wallet,
                          to_wallet_id=wallets.buy_wallet, idempotency_key="fx-once-3")
    assert not await IdempotencyRecord.filter(key="fx-once-3").exists()
    assert (await FxQuote.get(id=late.id)).used_at is None


async def test_a_dry_run_writes_nothing_and_leaves_the_quote_usable(database_url):
    partner = await new_partner("fx-dry")
    await rate("USD", "EUR", "0.9")
    wallets = await two_wallets(partner, "USD", "EUR")
    quote = await _quote(partner, "USD", "EUR")
    counts = (await Transaction.all().count(), await Entry.all().count(), await DomainEvent.all().count())
    dry = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                        to_wallet_id=wallets.buy_wallet, idempotency_key="fx-dry-1", dry_run=True)
    assert dry.transaction.dry_run and dry.transaction.buy_amount_minor == 9_000
    assert counts == (await Transaction.all().count(), await Entry.all().count(), await DomainEvent.all().count())
    assert (await FxQuote.get(id=quote.id)).used_at is None
    assert await _balance(wallets.sell_account) == 100_000
    done = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                         to_wallet_id=wallets.buy_wallet, idempotency_key="fx-dry-1")
    assert not done.transaction.dry_run and await _balance(wallets.buy_account) == 9_000


async def test_another_partners_or_customers_quote_is_refused(database_url):
    partner, other = await new_partner("fx-own"), await new_partner("fx-other")
    await rate("USD", "CNY", "7.2")
    mine, theirs = await two_wallets(partner, "USD", "CNY"), await two_wallets(other, "USD", "CNY")
    foreign = await _quote(other, "USD", "CNY")
    with pytest.raises(NotFound):  # another partner's quote is unknown here
        await convert(principal=partner, quote_id=foreign.id, from_wallet_id=mine.sell_wallet,
                      to_wallet_id=mine.buy_wallet, idempotency_key="fx-own-1")
    # A quote a customer token asked for is that customer's only.
    token = Principal(kind="customer", subject="c", partner_id=partner.partner_id, scopes=partner.scopes,
                      customer_id=mine.customer_id)
    customers_quote = await _quote(token, "USD", "CNY")
    assert customers_quote.customer_id == mine.customer_id
    someone = await two_wallets(partner, "USD", "CNY", key="fx-own-fund-2")
    with pytest.raises(QuoteMismatch):
        await convert(principal=partner, quote_id=customers_quote.id, from_wallet_id=someone.sell_wallet,
                      to_wallet_id=someone.buy_wallet, idempotency_key="fx-own-2")
    # A quote for another wallet, other currencies, wallets of two customers: QUOTE_MISMATCH.
    pinned = await create_quote(principal=partner, sell_currency="USD", buy_currency="CNY", sell_amount="1.00",
                                from_wallet_id=mine.sell_wallet)
    with pytest.raises(QuoteMismatch):
        await convert(principal=partner, quote_id=pinned.id, from_wallet_id=someone.sell_wallet,
                      to_wallet_id=someone.buy_wallet, idempotency_key="fx-own-3")
    await rate("CNY", "USD", "0.14")
    backwards = await _quote(partner, "CNY", "USD", sell_amount="10.00")
    with pytest.raises(QuoteMismatch):
        await convert(principal=partner, quote_id=backwards.id, from_wallet_id=mine.sell_wallet,
                      to_wallet_id=mine.buy_wallet, idempotency_key="fx-own-4")
    with pytest.raises(QuoteMismatch):
        await convert(principal=partner, quote_id=pinned.id, from_wallet_id=mine.sell_wallet,
                      to_wallet_id=someone.buy_wallet, idempotency_key="fx-own-5")
    # The customer's own token converts its own wallets with its own quote.
    done = await convert(principal=token, quote_id=customers_quote.id, from_wallet_id=mine.sell_wallet,
                         to_wallet_id=mine.buy_wallet, idempotency_key="fx-own-6")
    assert done.transaction.buy_amount_minor == 72_000
    assert (await verify_ledger()).ok
    assert await _balance(theirs.buy_account) == 0  # the other partner's wallets were never touched


async def test_quoting_refusals(database_url):
    partner = await new_partner("fx-refuse")
    with pytest.raises(SameCurrency):
        await _quote(partner, "USD", "USD")
    with pytest.raises(RateUnavailable):
        await _quote(partner, "USD", "THB")
    await rate("USD", "GBP", "0.79")
    with pytest.raises(ValidationFailed):
        await create_quote(principal=partner, sell_currency="USD", buy_currency="GBP")
    with pytest.raises(ValidationFailed):
        await create_quote(principal=partner, sell_currency="USD", buy_currency="GBP", sell_amount="1", buy_amount="1")
    wallet = await holder(partner, country="US", currency="EUR")
    with pytest.raises(CurrencyMismatch):
        await create_quote(principal=partner, sell_currency="USD", buy_currency="GBP", sell_amount="1",
                           from_wallet_id=wallet.wallet_id)
    # A wanted buy amount: the least sell amount that buys at least that much.
    wanted = await create_quote(principal=partner, sell_currency="USD", buy_currency="GBP", buy_amount="79.00")
    assert (wanted.sell_amount_minor, wanted.buy_amount_minor) == (10_000, 7_900)
    odd = await create_quote(principal=partner, sell_currency="USD", buy_currency="GBP", buy_amount="1.00")
    assert odd.sell_amount_minor == 127 and odd.buy_amount_minor == 100  # 1.27 USD buys 1.0033 -> 1.00 GBP


async def test_funds_are_checked_with_the_fee_and_a_conversion_is_not_reversible(database_url):
    partner = await new_partner("fx-funds")
    await rate("USD", "JPY", "150")
    wallets = await two_wallets(partner, fund="100.00")
    await create_rule(terms={"kind": "FX", "partner_id": partner.partner_id, "currency": "USD", "rate_bps": 0,
                             "fixed_minor": 1, "fee_min_minor": 0, "free_per_month": 0}, created_by="test")
    quote = await _quote(partner)  # 100.00 + a 0.01 fee: one cent more than the wallet holds
    with pytest.raises(InsufficientFunds):
        await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                      to_wallet_id=wallets.buy_wallet, idempotency_key="fx-funds-1")
    assert (await FxQuote.get(id=quote.id)).used_at is None  # a refusal does not use the quote
    small = await _quote(partner, sell_amount="50.00")
    done = await convert(principal=partner, quote_id=small.id, from_wallet_id=wallets.sell_wallet,
                         to_wallet_id=wallets.buy_wallet, idempotency_key="fx-funds-2")
    with pytest.raises(IdempotencyConflict):
        await convert(principal=partner, quote_id=(await _quote(partner, sell_amount="1.00")).id,
                      from_wallet_id=wallets.sell_wallet, to_wallet_id=wallets.buy_wallet,
                      idempotency_key="fx-funds-2")
    with pytest.raises(TransactionNotReversible):
        await reverse_transaction(principal=treasury("admin"), transaction_id=done.transaction.id, reason="undo it")
    assert (await verify_ledger()).ok
    positions = await Account.filter(kind=AccountKind.FX_POSITION).values_list("currency", flat=True)
    assert {"USD", "JPY"} <= set(positions)


async def test_the_bank_default_spread_applies_unless_the_partner_has_its_own(database_url):
    partner, other = await new_partner("fx-spread"), await new_partner("fx-spread-b")
    await rate("CHF", "SEK", "11.5")
    await create_rule(terms={"kind": "FX", "partner_id": None, "currency": "CHF", "rate_bps": 100, "fixed_minor": 0,
                             "fee_min_minor": 0, "free_per_month": 0}, created_by="test")
    await create_rule(terms={"kind": "FX", "partner_id": partner.partner_id, "currency": "CHF", "rate_bps": 20,
                             "fixed_minor": 0, "fee_min_minor": 0, "free_per_month": 0}, created_by="test")
    assert (await _quote(partner, "CHF", "SEK")).spread_bps == 20
    bank = await _quote(other, "CHF", "SEK")
    assert (bank.spread_bps, bank.buy_amount_minor, bank.spread_minor) == (100, 113_850, 1_150)
    # The selector is the currency SOLD: selling SEK for CHF matches neither rule.
    assert (await _quote(other, "SEK", "CHF", sell_amount="100.00")).spread_bps == 0


async def test_a_sandbox_partners_conversion_stays_in_its_sandbox_accounts(database_url):
    from services.ledger.posting import post_sandbox_fund
    from tests.integration.test_sandbox_partners import sandbox_partner

    partner = await sandbox_partner("fx-sandbox")
    await rate("USD", "MXN", "17.5")
    wallets = await two_wallets(partner, "USD", "MXN", fund=None)
    await post_sandbox_fund(principal=partner, wallet_id=wallets.sell_wallet, amount="50.00", idempotency_key="fx-sb")
    quote = await _quote(partner, "USD", "MXN", sell_amount="10.00")
    done = await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                         to_wallet_id=wallets.buy_wallet, idempotency_key="fx-sb-1")
    kinds = {e.account.kind.value for e in await Entry.filter(transaction_id=done.transaction.id).prefetch_related("account")}
    assert kinds == {"WALLET", "SANDBOX"}  # test money never reaches the bank's FX position
    report = await verify_ledger()
    assert report.ok, report.problems
