"""Per-request liveness of a verified token: revoked clients, suspended partners,
disabled staff and revoked token ids are refused at once, even mid-lifetime.

A positive answer is remembered for a moment, and forgotten as soon as any
access change happens: in this process directly, in the other workers through
PostgreSQL NOTIFY on the `qianbao_auth` channel. Without a working listener
(PostgreSQL only) nothing is remembered and every request asks the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from tortoise import connections

from auth.principal import CUSTOMER, STAFF, Principal
from services.ledger.sql import execute, fetch, is_postgres

log = logging.getLogger("qianbao.auth")
CHANNEL = "qianbao_auth"
# A safety net only: invalidation is by notification, this bounds a lost one.
_REMEMBER_S = 2.0
_REMEMBER_LIMIT = 50_000
_NOT_REVOKED = "NOT EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = $1)"

_live_until: dict[str, float] = {}
_listener_up = False


def _may_remember() -> bool:
    # SQLite serves from one process, so this process sees every change itself.
    return _listener_up or not is_postgres(connections.get("default"))


async def principal_is_live(principal: Principal) -> bool:
    """Is everything the token stands for still active and unrevoked? (one indexed query, or remembered)"""
    key = principal.token_id or ""
    deadline = _live_until.get(key)
    if deadline is not None and time.monotonic() < deadline:
        return True
    live = await _ask_database(principal)
    if live and _may_remember():
        if len(_live_until) >= _REMEMBER_LIMIT:
            _live_until.clear()
        _live_until[key] = time.monotonic() + _REMEMBER_S
    return live


async def _ask_database(principal: Principal) -> bool:
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


def forget_live_tokens() -> None:
    """Forget every remembered answer (an access change happened)."""
    _live_until.clear()


async def announce_access_change() -> None:
    """Call after a revocation, suspension or deactivation has been saved: every worker forgets."""
    forget_live_tokens()
    conn = connections.get("default")
    if is_postgres(conn):
        await execute(conn, "SELECT pg_notify($1, '')", [CHANNEL])


async def listen_for_access_changes(dsn: str) -> None:
    """Run forever: hold a LISTEN connection; while it is up, answers may be remembered."""
    global _listener_up
    import asyncpg

    while True:
        connection = None
        try:
            connection = await asyncpg.connect(dsn)
            lost = asyncio.Event()
            await connection.add_listener(CHANNEL, lambda *_: forget_live_tokens())
            connection.add_termination_listener(lambda *_: lost.set())
            forget_live_tokens()
            _listener_up = True
            await lost.wait()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep trying; meanwhile every request asks the database
            log.warning("access-change listener unavailable; checking every request", exc_info=True)
        finally:
            _listener_up = False
            forget_live_tokens()
            if connection is not None and not connection.is_closed():
                with contextlib.suppress(Exception):
                    await connection.close()
        await asyncio.sleep(2.0)
