"""Reading FX rates (any partner or staff member: rates are the bank's, not a partner's) and FX quotes (scoped)."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import FxQuote, FxRate
from services.fx.records import FxQuoteRecord, FxRateRecord
from services.pagination import Page, keyset_page, map_page
from services.scoping import get_scoped


async def list_latest_rates(*, first: int | None = None, after: str | None = None) -> Page[FxRateRecord]:
    """The latest stored rate of every pair (each direction stored separately), in id order."""
    rows = await FxRate.all().order_by("base_currency", "quote_currency", "-as_of", "-id").values_list(
        "id", "base_currency", "quote_currency")
    latest: dict[tuple[str, str], uuid.UUID] = {}
    for rate_id, base, quote in rows:
        latest.setdefault((base, quote), rate_id)
    page = await keyset_page(FxRate.filter(id__in=list(latest.values())), first=first, after=after)
    return map_page(page, FxRateRecord.from_row)


async def get_rate(rate_id: uuid.UUID | None) -> FxRateRecord | None:
    """One stored rate by id, or None."""
    row = await FxRate.get_or_none(id=rate_id) if rate_id else None
    return FxRateRecord.from_row(row) if row is not None else None


async def get_quote(*, principal: Principal, quote_id: uuid.UUID | None) -> FxQuoteRecord:
    """One quote the caller may read (its partner's; a customer token: its own), or NOT_FOUND."""
    return FxQuoteRecord.from_row(await get_scoped(FxQuote, principal, quote_id, what="quote", field=["id"]))
