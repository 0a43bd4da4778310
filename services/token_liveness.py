"""Per-request liveness of a verified token: revoked clients, suspended partners,
disabled staff and revoked token ids are refused at once, even mid-lifetime.

A positive answer is remembered for a moment, and forgotten as soon as any
access change is announced (services.change_feed: in every worker, through
PostgreSQL NOTIFY). While a worker may miss announcements, nothing is
remembered and every request asks the database.
"""

from __future__ import annotations

import time
import uuid

from tortoise import connections

from auth.principal import Principal
from services.authority import is_staff
from services.caches import AUTH_CHANNEL as CHANNEL, LIVE_TOKENS
from services.change_feed import announce, reliable
from services.db.sql import fetch
from services.scoping import own_customer_clause, tenant_clause

# A safety net only: invalidation is by announcement, this bounds a lost one.
_REMEMBER_S = 2.0
_NOT_REVOKED = "NOT EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = $1)"


async def principal_is_live(principal: Principal) -> bool:
    """Is everything the token stands for still active and unrevoked? (one indexed query, or remembered)"""
    key = principal.token_id or ""
    deadline = LIVE_TOKENS.get(key)
    if deadline is not None and time.monotonic() < deadline:
        return True
    live = await _ask_database(principal)
    if live and reliable():
        LIVE_TOKENS.put(key, time.monotonic() + _REMEMBER_S)
    return live
async def _ask_database(principal: Principal) -> bool:
    conn = connections.get("default")
    if is_staff(principal):
        rows = await fetch(
            conn,
            f"SELECT 1 AS ok FROM staff_user s WHERE s.id = $2 AND s.active AND s.role = $3 AND {_NOT_REVOKED}",
            [principal.token_id, uuid.UUID(principal.subject), principal.role],
        )
        return bool(rows)
    # The client must belong to the token's partner; a customer token's customer too.
    tenant, tenant_values = tenant_clause(principal.partner_id, "c.partner_id", 3)
    values: list[object] = [principal.token_id, principal.subject, *tenant_values]
    customer_clause = ""
    own = own_customer_clause(principal, id_column="cu.id", partner_column="cu.partner_id", first_placeholder=len(values) + 1)
    if own is not None:
        customer_clause = f" AND EXISTS (SELECT 1 FROM customer cu WHERE {own[0]})"
        values += own[1]
    rows = await fetch(
        conn,
        "SELECT 1 AS ok FROM api_client c JOIN partner p ON p.id = c.partner_id"
        f" WHERE c.client_id = $2 AND {tenant} AND c.status = 'ACTIVE' AND p.status = 'ACTIVE'"
        f" AND {_NOT_REVOKED}{customer_clause}",
        values,
    )
    return bool(rows)


def forget_live_tokens() -> None:
    """Forget every remembered answer (an access change happened)."""
    LIVE_TOKENS.clear()


async def announce_access_change() -> None:
    """Call after a revocation, suspension or deactivation has been saved: every worker forgets."""
    await announce(CHANNEL)
