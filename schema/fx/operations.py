"""Foreign exchange: rates (fxRates; fxRateSet for treasury), quotes (fxQuote) and conversions (walletConvert)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import actor_label, audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.common.scalars import Decimal
from schema.fx.types import FxQuote, FxRate
from schema.ledger.types import Transaction
from services.errors import NotFound
from services.fx import conversion, queries, quotes, rates

_REFUSALS = "Why nothing changed; empty on success."


@strawberry.input(description="A new mid rate of a currency pair, in force from now.")
class FxRateSetInput:
    base_currency: str = strawberry.field(description="The currency sold at this rate (ISO 4217, one the bank offers).")
    quote_currency: str = strawberry.field(
        description="The currency bought at this rate (ISO 4217, one the bank offers; SAME_CURRENCY if it is the base)."
    )
    rate: Decimal = strawberry.field(  # type: ignore[valid-type]
        description='Units of quoteCurrency per unit of baseCurrency: a positive decimal string with at most 9'
        ' decimals, e.g. "7.1234" (VALIDATION otherwise; never rounded).'
    )
    source: str = strawberry.field(description="Who published the rate (1 to 64 characters).")


@strawberry.type(description="The rate as stored, or why nothing was stored.")
class FxRateSetPayload:
    rate: FxRate | None = strawberry.field(description="The new rate; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} VALIDATION (rate, source), UNSUPPORTED_CURRENCY or SAME_CURRENCY."
    )


@strawberry.input(
    description="What to convert: the currency sold and the one bought, and either the amount sold or the amount"
    " wanted. Give fromWalletId to price for that wallet's customer (and to keep the quote to that wallet). The"
    " same quote serves walletConvert and a transferCreate to another customer's wallet in buyCurrency (quoteId):"
    " name the paying wallet only."
)
class FxQuoteInput:
    sell_currency: str = strawberry.field(description="The currency sold (ISO 4217, one the bank offers).")
    buy_currency: str = strawberry.field(
        description="The currency bought (ISO 4217, one the bank offers; SAME_CURRENCY if it is sellCurrency)."
    )
    sell_amount: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="How much to sell, in sellCurrency with at most its decimals; the buy amount is then"
        " floor(sellAmount x customerRate). Give exactly one of sellAmount and buyAmount (VALIDATION otherwise).",
    )
    buy_amount: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="How much to buy, in buyCurrency: the quote sells the smallest amount whose buy amount is at"
        " least this (so buyAmount may come out a fraction of a unit higher than asked).",
    )
    from_wallet_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: the wallet that will sell (one of yours, or your own for a customer token; NOT_FOUND"
        " otherwise; CURRENCY_MISMATCH if it does not hold sellCurrency). Its customer's kind selects the FX rule,"
        " and only this wallet may then use the quote.",
    )


@strawberry.type(description="The quote given, or why none was.")
class FxQuotePayload:
    quote: FxQuote | None = strawberry.field(description="The quote; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} RATE_UNAVAILABLE (no rate, or a stale one), SAME_CURRENCY, UNSUPPORTED_CURRENCY,"
        " INVALID_AMOUNT, VALIDATION, NOT_FOUND or CURRENCY_MISMATCH (fromWalletId)."
    )


@strawberry.input(description="Which quote to execute, between which two wallets of one customer, under which key.")
class WalletConvertInput:
    quote_id: strawberry.ID = strawberry.field(description="The FxQuote's global ID (fxQuote); NOT_FOUND if not yours.")
    from_wallet_id: strawberry.ID = strawberry.field(
        description="The wallet that sells: in the quote's sell currency; it pays sellAmount plus the fee."
    )
    to_wallet_id: strawberry.ID = strawberry.field(
        description="The wallet that buys: the same customer's wallet in the quote's buy currency; it gets buyAmount."
    )
    idempotency_key: str = strawberry.field(
        description="Your unique key for this conversion (at most 255 characters): a retry with the same key and input"
        " answers the original transaction; the same key with other input is IDEMPOTENCY_CONFLICT."
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="true: check everything (quote, wallets, balance, maximum balance) and answer the transaction it"
        " would post, writing nothing: the quote stays unused, the key unused. Default false.",
    )


@strawberry.type(description="The conversion's transaction and the quote it used, or why nothing moved.")
class WalletConvertPayload:
    transaction: Transaction | None = strawberry.field(
        description="The FX_CONVERSION transaction: amount and fee in the sell currency, buyAmount in the buy currency;"
        " null when userErrors is not empty."
    )
    quote: FxQuote | None = strawberry.field(description="The quote, now used (still unused after a dry run).")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved; empty on success. QUOTE_EXPIRED, QUOTE_ALREADY_USED, QUOTE_MISMATCH (other"
        " currencies, another customer's wallets or quote, or not the wallet the quote named), NOT_FOUND,"
        " SAME_WALLET, INSUFFICIENT_FUNDS (sellAmount plus fee), WALLET_NOT_ACTIVE, COMPLIANCE_HOLD, LIMIT_EXCEEDED"
        " (the buy wallet's maximum balance), IDEMPOTENCY_CONFLICT or VALIDATION. A refusal does not use the quote"
        " or the key."
    )


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    if global_id is None:
        return None
    value = global_id_to_uuid(global_id, type_name)
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


@strawberry.type
class FxQueries:
    @strawberry.field(
        permission_classes=requires("fees:read"),
        description="The latest mid rate of every currency pair the bank has a rate for (each stored direction once;"
        " inverseRate gives the other). Needs fees:read: partners, their customers' tokens and bank staff.",
    )
    async def fx_rates(self, info: Info, first: FirstArg = None, after: AfterArg = None) -> Connection[FxRate]:
        page = await queries.list_latest_rates(first=first, after=after)
        return Connection.from_page(page, FxRate.from_record)


@strawberry.type
class FxMutations:
    @strawberry.mutation(
        permission_classes=requires("fx:write"),
        description="Bank treasury or admin (fx:write): a new mid rate of a pair, in force from now (quotes already"
        " given keep their rate). Audited.",
    )
    async def fx_rate_set(
        self, info: Info, input: Annotated[FxRateSetInput, strawberry.argument(description="The pair and its rate.")],
    ) -> FxRateSetPayload:
        record, errors = await attempt(info, rates.set_rate(
            principal=info.context.principal, base=input.base_currency, quote=input.quote_currency, rate=input.rate,
            source=input.source, created_by=actor_label(info),
        ))
        return FxRateSetPayload(rate=FxRate.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Price a currency conversion now and hold the price for 30 seconds (expiresAt), for one"
        " walletConvert or one cross-currency transferCreate (quoteId). Needs transactions:write (a partner token, or a customer token: the quote is then that"
        " customer's only). The spread and fee come from the partner's FX fee rules; nothing moves.",
    )
    async def fx_quote(
        self, info: Info, input: Annotated[FxQuoteInput, strawberry.argument(description="What to convert.")],
    ) -> FxQuotePayload:
        async def give() -> Any:
            return await quotes.create_quote(
                principal=info.context.principal, sell_currency=input.sell_currency, buy_currency=input.buy_currency,
                sell_amount=input.sell_amount, buy_amount=input.buy_amount,
                from_wallet_id=_id(input.from_wallet_id, "Wallet", "fromWalletId"),
            )

        record, errors = await attempt(info, give())
        return FxQuotePayload(quote=FxQuote.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Convert between two wallets of one customer at an FX quote: the sell wallet pays sellAmount plus"
        " the fee, the buy wallet gets buyAmount, exactly as quoted even if the rate has moved since, and the quote"
        " is used up in the same write (it converts once). Needs transactions:write (a partner token, or a customer"
        " token for its own wallets). Idempotent by idempotencyKey.",
    )
    async def wallet_convert(
        self, info: Info,
        input: Annotated[WalletConvertInput, strawberry.argument(description="The quote, the two wallets and the key.")],
    ) -> WalletConvertPayload:
        async def run() -> Any:
            return await conversion.convert(
                principal=info.context.principal, quote_id=_id(input.quote_id, "FxQuote", "quoteId"),
                from_wallet_id=_id(input.from_wallet_id, "Wallet", "fromWalletId"),
                to_wallet_id=_id(input.to_wallet_id, "Wallet", "toWalletId"), idempotency_key=input.idempotency_key,
                dry_run=input.dry_run, audit=None if input.dry_run else audit_note(info),
            )

        record, errors = await attempt(info, run(), dry_run=input.dry_run)
        return WalletConvertPayload(
            transaction=Transaction.from_record(record.transaction) if record else None,
            quote=FxQuote.from_record(record.quote) if record else None, user_errors=errors,
        )
