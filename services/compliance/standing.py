"""A customer's compliance standing: country, kind, approved KYC tier and screening status.

Remembered per process for the posting path and forgotten whenever a review,
a screening hold or a policy change is announced (standing_channel). The
posting statement re-reads tier and screening status on the rows it writes,
so a stale memory refuses and re-plans; it can never let money through.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise import connections

from services.caches import STANDINGS
from services.change_feed import reliable
from services.db.sql import as_uuid, fetch


@dataclass(frozen=True)
class Standing:
    customer_id: uuid.UUID
    country: str
    kind: str
    kyc_tier: int
    screening_status: str


def forget_standing() -> None:
    """Drop every remembered standing (the next posting reads them again)."""
    STANDINGS.clear()


async def standings(customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, Standing]:
    """The standing of each customer (one query for those not remembered)."""
    remembered = reliable()
    missing = [c for c in customer_ids if not remembered or c not in STANDINGS]
    found: dict[uuid.UUID, Standing] = {c: STANDINGS.get(c) for c in customer_ids if c not in missing}
    if missing:
        placeholders = ", ".join(f"${i + 1}" for i in range(len(missing)))
        rows = await fetch(
            connections.get("default"),
            f"SELECT id, country, kind, kyc_tier, screening_status FROM customer WHERE id IN ({placeholders})",
            list(missing),
        )
        for row in rows:
            standing = Standing(
                as_uuid(row["id"]), row["country"], row["kind"], int(row["kyc_tier"]), row["screening_status"]
            )
            found[standing.customer_id] = standing
            if remembered:
                STANDINGS.put(standing.customer_id, standing)
    return found
