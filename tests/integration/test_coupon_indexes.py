"""Migration 0042: the coupon table keeps the indexes its readers use and loses the one no reader uses any more."""

from __future__ import annotations

from tortoise import connections

from services.db.sql import fetch, is_postgres


async def _coupon_indexes() -> set[str]:
    """The names of the coupon table's indexes in the test database."""
    conn = connections.get("default")
    if is_postgres(conn):
        rows = await fetch(conn, "SELECT indexname AS name FROM pg_indexes WHERE tablename = $1", ["coupon"])
    else:
        rows = await fetch(conn, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1", ["coupon"])
    return {row["name"] for row in rows}


async def test_the_used_coupon_index_is_gone_and_the_pair_index_stays(database_url):
    names = await _coupon_indexes()
    assert "idx_coupon_used_by_customer" not in names  # 0037's, dropped by 0042: every redemption wrote to it
    # (campaign_id, customer_id): ledger verify's coupon_use checks and a customer's coupons of a campaign
    assert any(name.startswith("idx_coupon_campaig_") for name in names), names  # Tortoise shortens the name
