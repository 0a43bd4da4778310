"""FX mid rates: set by treasury staff (fxRateSet) or imported (qianbao fx import), read by quoting.

Rates are appended, never changed; the latest as_of of a pair is in force. A
pair stored in one direction only also answers the other: its inverse
(1 / rate, rounded half up to 9 decimals, services.fx.pricing). A rate older
than QIANBAO_FX_RATE_MAX_AGE_S (default one hour) is stale: quoting refuses it
with RATE_UNAVAILABLE rather than price on an old rate.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from api.settings import load_fx_settings
from auth.principal import Principal
from models import FxRate
from services import clock
from services.authority import require_staff
from services.errors import RateUnavailable, SameCurrency, UnsupportedCurrency
from services.fx.pricing import inverse_rate, parse_rate
from services.fx.records import FxRateRecord
from services.money import normalise_currency
from services.validation import clean_text

PERMISSION = "fx:write"
MAX_SOURCE_CHARS = 64


def rate_max_age() -> timedelta:
    """How old a rate may be before quoting refuses it (QIANBAO_FX_RATE_MAX_AGE_S, default one hour)."""
    return timedelta(seconds=load_fx_settings().rate_max_age_s)


def pair(base: str, quote: str, *, fields: tuple[str, str] = ("baseCurrency", "quoteCurrency")) -> tuple[str, str]:
    """Two offered, different currency codes (UNSUPPORTED_CURRENCY, SAME_CURRENCY otherwise)."""
    codes = []
    for raw, field in ((base, fields[0]), (quote, fields[1])):
        try:
            codes.append(normalise_currency(raw))
        except UnsupportedCurrency as error:
            raise UnsupportedCurrency(error.message, field=[field]) from None
    if codes[0] == codes[1]:
        raise SameCurrency("the two currencies are the same", field=[fields[1]])
    return codes[0], codes[1]


def checked_source(source: str, *, field: str = "source") -> str:
    """The rate's source (who published it), 1 to 64 characters."""
    return clean_text(source, field=field, max_len=MAX_SOURCE_CHARS, required=True)


async def set_rate(*, principal: Principal, base: str, quote: str, rate: str, source: str, created_by: str) -> FxRateRecord:
    """Treasury (fx:write): a new mid rate of a pair, in force from now."""
    require_staff(principal, PERMISSION)
    base_code, quote_code = pair(base, quote)
    rate_e9 = parse_rate(rate)
    row = await FxRate.create(base_currency=base_code, quote_currency=quote_code, rate_e9=rate_e9,
                              source=checked_source(source), as_of=clock.now(), created_by=created_by[:160])
    return FxRateRecord.from_row(row)


async def _latest(base: str, quote: str) -> FxRate | None:
    return await FxRate.filter(base_currency=base, quote_currency=quote).order_by("-as_of", "-id").first()


async def mid_rate(sell: str, buy: str, *, now: datetime | None = None) -> FxRateRecord:
    """The rate in force for selling sell for buy: the pair's own latest, else its opposite's inverse; never stale."""
    now = now or clock.now()
    direct = await _latest(sell, buy)
    record = FxRateRecord.from_row(direct) if direct is not None else None
    if record is None:
        opposite = await _latest(buy, sell)
        if opposite is not None:
            stored = FxRateRecord.from_row(opposite)
            record = replace(stored, base_currency=sell, quote_currency=buy, rate_e9=inverse_rate(stored.rate_e9),
                             derived=True)
    if record is None:
        raise RateUnavailable(f"the bank has no {sell}/{buy} rate", field=["buyCurrency"])
    if record.as_of < now - rate_max_age():
        raise RateUnavailable(f"the {sell}/{buy} rate is stale (as of {record.as_of.isoformat()})", field=["buyCurrency"])
    return record


async def latest_rates() -> list[FxRateRecord]:
    """The latest rate of every stored pair, plus the derived inverse of each pair stored in one direction only."""
    rows = await FxRate.all().order_by("base_currency", "quote_currency", "-as_of", "-id")
    latest: dict[tuple[str, str], FxRateRecord] = {}
    for row in rows:
        latest.setdefault((row.base_currency, row.quote_currency), FxRateRecord.from_row(row))
    for (base, quote), record in list(latest.items()):
        if (quote, base) not in latest:
            latest[(quote, base)] = replace(record, base_currency=quote, quote_currency=base,
                                            rate_e9=inverse_rate(record.rate_e9), derived=True)
    return [latest[k] for k in sorted(latest)]
