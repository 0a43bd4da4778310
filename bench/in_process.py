"""What the in-process PostgreSQL benches share (bench/coupon_payments.py, bench/merchant_concurrency.py): a fresh
database of their own next to --database-url, dropped at the end, the served worker's change listener, and the CN
pack's VELOCITY lifted for the bench's busy customers."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg

from api.db import asyncpg_dsn


async def fresh_database(base_url: str, prefix: str) -> tuple[str, str]:
    """A fresh database `<prefix>_<random>` next to base_url: (its URL, its name)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(asyncpg_dsn(base_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base_url.rsplit("/", 1)[0] + "/" + name, name


async def drop_database(base_url: str, name: str) -> None:
    """Drop the bench database."""
    conn = await asyncpg.connect(asyncpg_dsn(base_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def listening() -> None:
    """Wait until the change listener hears announcements (as a served worker does before its first request)."""
    from services.change_feed import reliable

    for _ in range(200):
        if reliable():
            return
        await asyncio.sleep(0.025)
    raise RuntimeError("the change listener did not start within 5 s")


async def lift_velocity() -> None:
    """The bench database's CN pack with VELOCITY at 10,000 a minute, as bench/transfers.py gives its customers.

    Each bench payer pays or transfers hundreds of times a minute: at the shipped 20 an hour the rule fired on nearly
    every posting after a payer's twentieth, which then ran its posting statement twice (refused, then again with the
    alert) and wrote an AML alert, so the bench measured the alert path. At 10,000 a minute it never fires, and every
    posting still pays for the velocity count. Call it after the database is migrated and the ORM is up.
    """
    from tortoise import connections

    await connections.get("default").execute_query(
        "UPDATE compliance_policy SET aml_rules = jsonb_set(aml_rules::jsonb, '{VELOCITY}',"
        " aml_rules::jsonb->'VELOCITY' || '{\"maxCount\": 10000, \"windowMinutes\": 1}') WHERE jurisdiction = 'CN'")
