"""FX quotes (fxQuote): a price given for a short time, used at most once; and locking one in for a posting.

A quote is priced from the mid rate in force (services.fx.rates), the
partner's FX spread and fee (services.fx.spread) and stored with its owner
(the partner, and the customer when a customer token asked). It expires
after QIANBAO_FX_QUOTE_TTL_S (default 30 s, on services.clock).

`lock_quote` is what a posting that converts money calls (walletConvert
today, international transfers later): it checks the quote against what the
caller is about to do and returns the posting's terms with the RowClaim that
marks the quote used in the posting's own atomic write, only while it is
unused and unexpired, so it converts exactly once and at its own rate even if
the rate has changed since.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.settings import load_fx_settings
from auth.principal import Principal
from models import FxQuote
from services import clock
from services.db.wallet_rows import wallet_facts
from services.errors import (
    CurrencyMismatch, InvalidAmount, NotFound, QuoteAlreadyUsed, QuoteExpired, QuoteMismatch, ValidationFailed,
)
from services.fx.pricing import Price, buy_for_sell, customer_rate, price, sell_for_buy
from services.fx.rates import mid_rate, pair
from services.fx.records import FxQuoteRecord
from services.fx.spread import fx_terms, stored_fee
from services.ledger.request import CrossCurrency
from services.ledger.side_writes import RowClaim
from services.money import MAX_MINOR, parse_amount
from services.scoping import of_tenant, own_customer, token_customer


def quote_ttl() -> timedelta:
    """How long a quote holds (QIANBAO_FX_QUOTE_TTL_S, default 30 seconds)."""
    return timedelta(seconds=load_fx_settings().quote_ttl_s)


async def _quoting_wallet(principal: Principal, wallet_id: uuid.UUID | None, sell: str) -> uuid.UUID | None:
    """The wallet named when quoting: the caller's (its customer's, for a customer token), holding the sell currency."""
    if wallet_id is None:
        return None
    facts = (await wallet_facts(principal.partner_id, [wallet_id])).get(wallet_id)
    if facts is None or not own_customer(principal, facts.customer_id):
        raise NotFound("wallet not found", field=["fromWalletId"])
    if facts.currency != sell:
        raise CurrencyMismatch(f"the wallet holds {facts.currency}, not {sell}", field=["fromWalletId"])
    return wallet_id


def _checked_amounts(sell_amount: str | None, buy_amount: str | None, sell: str, buy: str) -> tuple[int | None, int | None]:
    """Exactly one of the two amounts, parsed in its currency (positive, at most its decimals)."""
    if (sell_amount is None) == (buy_amount is None):
        raise ValidationFailed("give exactly one of sellAmount and buyAmount", field=["sellAmount"])
    if sell_amount is not None:
        return parse_amount(sell_amount, sell, field=["sellAmount"]), None
    assert buy_amount is not None
    return None, parse_amount(buy_amount, buy, field=["buyAmount"])


async def create_quote(
    *, principal: Principal, sell_currency: str, buy_currency: str, sell_amount: str | None = None,
    buy_amount: str | None = None, from_wallet_id: uuid.UUID | None = None,
) -> FxQuoteRecord:
    """Price a conversion now and store the quote (the partner's, and the customer's for a customer token)."""
    if principal.partner_id is None:
        raise NotFound("a quote is given to a partner or its customer", field=["sellCurrency"])
    sell, buy = pair(sell_currency, buy_currency, fields=("sellCurrency", "buyCurrency"))
    sell_minor, buy_minor = _checked_amounts(sell_amount, buy_amount, sell, buy)
    wallet_id = await _quoting_wallet(principal, from_wallet_id, sell)
    now = clock.now()
    rate = await mid_rate(sell, buy, now=now)
    if sell_minor is None:
        assert buy_minor is not None
        # The amount sold selects the rule (amount tiers): found at the mid rate first, then at the rule's own rate.
        sell_minor = sell_for_buy(buy_minor, rate.rate_e9, sell, buy)
        for _ in range(2):
            terms = await fx_terms(partner_id=principal.partner_id, sell_currency=sell, sell_minor=sell_minor,
                                   wallet_id=wallet_id, at=now)
            sell_minor = sell_for_buy(buy_minor, customer_rate(rate.rate_e9, terms.spread_bps), sell, buy)
    terms = await fx_terms(partner_id=principal.partner_id, sell_currency=sell, sell_minor=sell_minor,
                           wallet_id=wallet_id, at=now)
    priced = price(sell_minor, rate.rate_e9, terms.spread_bps, sell, buy)
    _check_priced(priced, terms.fee.fee_minor)
    row = await FxQuote.create(
        partner_id=principal.partner_id, customer_id=token_customer(principal), sell_currency=sell, buy_currency=buy,
        sell_amount_minor=priced.sell_minor, buy_amount_minor=priced.buy_minor, mid_rate_e9=rate.rate_e9,
        customer_rate_e9=priced.customer_rate_e9, spread_bps=terms.spread_bps, spread_minor=priced.spread_minor,
        fee_minor=terms.fee.fee_minor, fee_share_minor=terms.fee.share_minor, fee_breakdown=terms.fee.breakdown,
        rate_id=rate.id, rate_derived=rate.derived, from_wallet_id=wallet_id, expires_at=now + quote_ttl(),
    )
    return FxQuoteRecord.from_row(row)


def _check_priced(priced: Price, fee_minor: int) -> None:
    """The quote buys something and every amount fits the ledger."""
    if priced.buy_minor <= 0:
        raise InvalidAmount("the amount is too small to buy one minor unit of the buy currency", field=["sellAmount"])
    if max(priced.sell_minor + fee_minor, priced.mid_buy_minor) > MAX_MINOR:
        raise InvalidAmount("the amount is too large", field=["sellAmount"])


@dataclass(frozen=True)
class LockedQuote:
    """A quote checked for one posting: the posting's sell amount, its buy side, and the claim that uses the quote."""

    quote: FxQuoteRecord
    cross: CrossCurrency
    claim: RowClaim

    @property
    def sell_amount_minor(self) -> int:
        return self.quote.sell_amount_minor


def _use_claim(quote_id: uuid.UUID, transaction_id: uuid.UUID, now: datetime) -> RowClaim:
    """The quote is still unused and unexpired, and this posting marks it used (with its transaction), or refuses."""
    return RowClaim(
        table="fx_quote", row_id=quote_id,
        condition="used_at IS NULL AND expires_at > $1", assignment="used_at = $2, transaction_id = $3",
        values=(now, now, transaction_id),
        refusal=lambda: QuoteAlreadyUsed("the quote was already used (or has just expired)", field=["quoteId"]),
    )


async def lock_quote(
    *, principal: Principal, quote_id: uuid.UUID | None, sell_currency: str, buy_currency: str, customer_id: uuid.UUID,
    from_wallet_id: uuid.UUID | None, transaction_id: uuid.UUID,
) -> LockedQuote:
    """Check a quote for a posting that sells sell_currency for buy_currency for one customer; what to post.

    NOT_FOUND: not the caller's partner's quote. QUOTE_MISMATCH: other currencies, another customer (a quote given
    to a customer token is that customer's only), or not the wallet the quote named. QUOTE_EXPIRED,
    QUOTE_ALREADY_USED. The returned claim re-checks unused and unexpired inside the posting's own write.
    """
    row = await of_tenant(FxQuote, principal.partner_id).get_or_none(id=quote_id) if quote_id else None
    if row is None:
        raise NotFound("quote not found", field=["quoteId"])
    quote = FxQuoteRecord.from_row(row)
    if (quote.sell_currency, quote.buy_currency) != (sell_currency, buy_currency):
        raise QuoteMismatch(f"the quote sells {quote.sell_currency} for {quote.buy_currency}, not {sell_currency} for"
                            f" {buy_currency}", field=["quoteId"])
    # A quote a customer token asked for is that customer's only; one the partner asked for serves any of its
    # customers (the wallets, checked by the caller, are the customer's own for a customer token).
    if quote.customer_id is not None and quote.customer_id != customer_id:
        raise QuoteMismatch("the quote was given to another customer", field=["quoteId"])
    if quote.from_wallet_id is not None and from_wallet_id != quote.from_wallet_id:
        raise QuoteMismatch("the quote was given for another paying wallet", field=["fromWalletId"])
    now = clock.now()
    if quote.used_at is not None:
        raise QuoteAlreadyUsed("the quote was already used", field=["quoteId"])
    if quote.expires_at <= now:
        raise QuoteExpired("the quote has expired: ask for a new one", field=["quoteId"])
    return locked_for(quote, transaction_id, now)


def locked_for(quote: FxQuoteRecord, transaction_id: uuid.UUID, now: datetime) -> LockedQuote:
    """The posting terms of a quote and the claim that uses it (checked by the posting's own write)."""
    # The stored amounts are the price: what the posting sells and buys, whatever the rate is now.
    assert buy_for_sell(quote.sell_amount_minor, quote.customer_rate_e9, quote.sell_currency,
                        quote.buy_currency) == quote.buy_amount_minor
    cross = CrossCurrency(
        buy_currency=quote.buy_currency, buy_amount_minor=quote.buy_amount_minor, mid_buy_minor=quote.mid_buy_minor,
        fee=stored_fee(quote.fee_minor, quote.fee_share_minor, quote.fee_breakdown),
    )
    return LockedQuote(quote=quote, cross=cross, claim=_use_claim(quote.id, transaction_id, now))
