"""FX rates and quotes as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from schema.common.scalars import Decimal
from services import clock
from services.fx.pricing import format_rate, inverse_rate
from services.fx.rates import rate_max_age
from services.fx.records import FxQuoteRecord, FxRateRecord


@strawberry.type(
    description="An FX mid rate the bank quotes from: 1 unit of baseCurrency buys rate units of quoteCurrency. Exact"
    " decimals (at most 9), never floating point. Set by bank treasury (fxRateSet) or imported (qianbao fx import);"
    " a newer asOf supersedes it."
)
class FxRate(Node):
    base_currency: str = strawberry.field(description="The currency sold at this rate (ISO 4217).")
    quote_currency: str = strawberry.field(description="The currency bought at this rate (ISO 4217).")
    rate: Decimal = strawberry.field(  # type: ignore[valid-type]
        description='Units of quoteCurrency per unit of baseCurrency, as a decimal string with at most 9 decimals,'
        ' e.g. "7.1234".'
    )
    inverse_rate: Decimal = strawberry.field(  # type: ignore[valid-type]
        description="1 / rate rounded half up to 9 decimals: what quoting uses for the opposite direction when that"
        " pair has no rate of its own."
    )
    source: str = strawberry.field(description="Who published the rate (e.g. the market data feed's name).")
    as_of: datetime = strawberry.field(description="When the rate was observed (UTC): it is in force from then.")
    stale: bool = strawberry.field(
        description="True when asOf is older than the bank's maximum rate age (default one hour): fxQuote then refuses"
        " the pair with RATE_UNAVAILABLE."
    )

    @classmethod
    def from_record(cls, record: FxRateRecord) -> FxRate:
        """The GraphQL view of a rate."""
        return cls(
            id=to_global_id("FxRate", record.id), base_currency=record.base_currency,
            quote_currency=record.quote_currency, rate=format_rate(record.rate_e9),
            inverse_rate=format_rate(inverse_rate(record.rate_e9)), source=record.source, as_of=record.as_of,
            stale=record.as_of < clock.now() - rate_max_age(),
        )


@strawberry.type(
    description="An FX quote: what sellAmount of sellCurrency buys, at a rate held until expiresAt, for one"
    " conversion (walletConvert) only. Given to a partner, and to one customer when a customer token asked."
)
class FxQuote(Node):
    sell_amount: Money = strawberry.field(description="What the conversion sells (debited from the sell wallet).")
    buy_amount: Money = strawberry.field(
        description="What the conversion buys (credited to the buy wallet): floor(sellAmount x customerRate) in the"
        " buy currency's minor unit, so at most one minor unit below the exact product."
    )
    mid_rate: Decimal = strawberry.field(  # type: ignore[valid-type]
        description="The mid rate in force when quoted: buy-currency units per sell-currency unit (9 decimals at most)."
    )
    customer_rate: Decimal = strawberry.field(  # type: ignore[valid-type]
        description="The rate the customer gets: midRate x (1 - spreadBps / 10000), rounded down to 9 decimals."
    )
    spread_bps: int = strawberry.field(description="The spread taken off the mid rate, in basis points (FX fee rule).")
    spread: Money = strawberry.field(
        description="What the spread costs the customer, in the buy currency: sellAmount at the mid rate (rounded"
        " down) less buyAmount."
    )
    fee: Money = strawberry.field(
        description="The conversion fee in the sell currency, debited from the sell wallet on top of sellAmount"
        " (zero when no FX rule charges one)."
    )
    expires_at: datetime = strawberry.field(
        description="Until when walletConvert accepts the quote (QUOTE_EXPIRED after); 30 seconds by default."
    )
    used: bool = strawberry.field(description="True once a conversion used the quote (QUOTE_ALREADY_USED after).")
    partner_id: strawberry.ID = strawberry.field(description="The partner the quote was given to (a Partner global ID).")
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer whose token asked for the quote (a Customer global ID): only that customer's wallets"
        " may use it. Null when the partner itself asked: any one of its customers may use it."
    )
    created_at: datetime = strawberry.field(description="When the quote was given (UTC).")

    @classmethod
    def from_record(cls, record: FxQuoteRecord) -> FxQuote:
        """The GraphQL view of a quote."""
        return cls(
            id=to_global_id("FxQuote", record.id),
            sell_amount=Money.of(record.sell_amount_minor, record.sell_currency),
            buy_amount=Money.of(record.buy_amount_minor, record.buy_currency),
            mid_rate=format_rate(record.mid_rate_e9), customer_rate=format_rate(record.customer_rate_e9),
            spread_bps=record.spread_bps, spread=Money.of(record.spread_minor, record.buy_currency),
            fee=Money.of(record.fee_minor, record.sell_currency), expires_at=record.expires_at,
            used=record.used_at is not None, created_at=record.created_at,
            partner_id=to_global_id("Partner", record.partner_id),
            customer_id=to_global_id("Customer", record.customer_id) if record.customer_id else None,
        )
