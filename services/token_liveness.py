"""Per-request liveness of a verified token: revoked clients, suspended partners,
disabled staff and revoked token ids are refused at once, even mid-lifetime; so is
a partner or customer token whose `env` claim is not its partner's environment.

Cutoffs: a suspension, a secret rotation, a staff deactivation or role change
stores `min_token_iat_s` on the partner, API client or staff user (the epoch
second after the change); a token issued before it (its `iat` is smaller) is
refused for good, even after a reactivation. A rotation with a grace period
stores its cutoff as pending, in force once the old secret expires. JWT `iat`
counts whole seconds, so the issuers wait for the cutoff's second before they
issue (`wait_until_tokens_live`): a new token is never born refused.

A positive answer is remembered for a moment, and forgotten as soon as any
access change is announced (services.change_feed: in every worker, through
PostgreSQL NOTIFY). While a worker may miss announcements, nothing is
remembered and every request asks the database.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from tortoise import connections

from auth.principal import Principal
from services.authority import is_staff
from services.caches import AUTH_CHANNEL as CHANNEL, LIVE_TOKENS
from services.change_feed import announce, reliable
from services.db.sql import fetch
from services.partners.environment import partner_environment_of
from services.scoping import own_customer_clause, tenant_clause

# A safety net only: invalidation is by announcement, this bounds a lost one.
_REMEMBER_S = 2.0
_NOT_REVOKED = "NOT EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = $1)"
# An issuer waits at most this long for a cutoff's second (more means clocks disagree: it issues anyway).
_MAX_WAIT_S = 2.0


def token_cutoff(now_s: float | None = None) -> int:
    """The `min_token_iat_s` of a change made now: every token issued up to now has a smaller `iat`."""
    return int(time.time() if now_s is None else now_s) + 1


def _not_before(column: str, placeholder: int) -> str:
    return f"({column} IS NULL OR {column} <= ${placeholder})"


async def wait_until_tokens_live(*cutoffs: int | None) -> None:
    """Before issuing a token: wait until the current second is at or past every cutoff (under a second, rarely)."""
    floor = max((c for c in cutoffs if c is not None), default=None)
    if floor is None:
        return
    delay = floor - time.time()
    if delay > 0:
        await asyncio.sleep(min(delay, _MAX_WAIT_S))


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
    issued_at = principal.issued_at or 0  # a principal without iat (not from a token) predates every cutoff
    if is_staff(principal):
        rows = await fetch(
            conn,
            f"SELECT 1 AS ok FROM staff_user s WHERE s.id = $2 AND s.active AND s.role = $3"
            f" AND {_not_before('s.min_token_iat_s', 4)} AND {_NOT_REVOKED}",
            [principal.token_id, uuid.UUID(principal.subject), principal.role, issued_at],
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
    if principal.minted_by is not None:
        # A customer token dies with the partner token that minted it.
        customer_clause += f" AND NOT EXISTS (SELECT 1 FROM revoked_token rm WHERE rm.jti = ${len(values) + 1})"
        values.append(principal.minted_by)
    iat, now, env = len(values) + 1, len(values) + 2, len(values) + 3
    # The token's `env` claim must be its partner's environment: a sandbox token never acts for a live partner.
    values += [issued_at, int(time.time()), partner_environment_of(principal).value]
    rows = await fetch(
        conn,
        "SELECT 1 AS ok FROM api_client c JOIN partner p ON p.id = c.partner_id"
        f" WHERE c.client_id = $2 AND {tenant} AND c.status = 'ACTIVE' AND p.status = 'ACTIVE' AND p.environment = ${env}"
        f" AND {_not_before('p.min_token_iat_s', iat)} AND {_not_before('c.min_token_iat_s', iat)}"
        # A rotation's pending cutoff counts once the replaced secret's grace period is over.
        f" AND ({_not_before('c.pending_min_token_iat_s', iat)} OR c.previous_secret_expires_s > ${now})"
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
