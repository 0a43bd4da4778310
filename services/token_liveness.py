"""Per-request liveness of a verified token: revoked clients, suspended partners,
disabled staff and revoked token ids are refused at once, even mid-lifetime."""

from __future__ import annotations

import uuid

from tortoise import connections

from auth.principal import CUSTOMER, STAFF, Principal
from services.ledger.sql import fetch

_NOT_REVOKED = "NOT EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = $1)"


async def principal_is_live(principal: Principal) -> bool:
    """One indexed query: is everything the token stands for still active and unrevoked?"""
    conn = connections.get("default")
    if principal.kind == STAFF:
        rows = await fetch(
            conn,
            f"SELECT 1 AS ok FROM staff_user s WHERE s.id = $2 AND s.active AND s.role = $3 AND {_NOT_REVOKED}",
            [principal.token_id, uuid.UUID(principal.subject), principal.role],
        )
        return bool(rows)
    customer_clause = ""
    values: list[object] = [principal.token_id, principal.subject, principal.partner_id]
    if principal.kind == CUSTOMER:
        values.append(principal.customer_id)
        customer_clause = " AND EXISTS (SELECT 1 FROM customer cu WHERE cu.id = $4 AND cu.partner_id = $3)"
    rows = await fetch(
        conn,
        "SELECT 1 AS ok FROM api_client c JOIN partner p ON p.id = c.partner_id"
        f" WHERE c.client_id = $2 AND c.partner_id = $3 AND c.status = 'ACTIVE' AND p.status = 'ACTIVE'"
        f" AND {_NOT_REVOKED}{customer_clause}",
        values,
    )
    return bool(rows)
