"""The per-customer limit's row (models.CouponUse): made with a customer's first coupon of a campaign, claimed by
every payment that redeems one (services.coupons.reserving), lowered when a used coupon is restored."""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from models.ids import uuid7
from services.db.sql import execute


async def ensure_use(conn: BaseDBAsyncClient, *, campaign_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """The (campaign, customer) row, made at 0 if missing (a concurrent issue making it too is harmless)."""
    await execute(conn, "INSERT INTO coupon_use (id, campaign_id, customer_id, used) VALUES ($1, $2, $3, 0)"
                        " ON CONFLICT (campaign_id, customer_id) DO NOTHING", [uuid7(), campaign_id, customer_id])


async def give_use_back(conn: BaseDBAsyncClient, *, campaign_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """A used coupon is ISSUED again: it no longer counts against the customer's limit. Called in the transaction
    that restores it, under its campaign's row lock (a payment claims the campaign's row before this one)."""
    lowered = await execute(conn, "UPDATE coupon_use SET used = used - 1 WHERE campaign_id = $1 AND customer_id = $2"
                                  " AND used > 0", [campaign_id, customer_id])
    if lowered != 1:
        raise RuntimeError("a restored coupon's use count was already zero")
