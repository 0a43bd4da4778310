"""Liveness, readiness, JWKS and Prometheus metrics routes."""

from __future__ import annotations

import asyncio
import hmac

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise import connections

from api.metrics import SCRAPE_GAUGES
from api.settings import Settings
from api.state import AppState


async def healthz(request: Request) -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


READY_TIMEOUT_S = 1.0  # a load balancer's probe must get its answer quickly, ready or not

async def readyz(request: Request) -> JSONResponse:
    """The database answers a trivial query within READY_TIMEOUT_S (a database that hangs is not ready either)."""
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), READY_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - any failure (the timeout included) means not ready
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok"})


async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify our tokens (RFC 7517)."""
    state: AppState = request.app.state.qianbao
    assert state.tokens is not None
    return JSONResponse(state.tokens.jwks(), headers={"Cache-Control": "public, max-age=300"})


def metrics_refusal(settings: Settings, authorization: str | None) -> Response | None:
    """Why /metrics is not served to this caller (None: serve it). Its figures (partners' volumes by kind, error
    rates, pool usage) are for the bank's monitoring: behind QIANBAO_METRICS_TOKEN, or in production not at all."""
    if settings.metrics_token is None:
        return JSONResponse({"error": "not_found"}, status_code=404) if settings.production else None
    expected = f"Bearer {settings.metrics_token}".encode()
    # Constant-time: the comparison tells nothing about how much of a guess was right.
    if authorization is None or not hmac.compare_digest(authorization.encode("latin-1", "replace"), expected):
        return JSONResponse({"error": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return None


async def metrics(request: Request) -> Response:
    """Prometheus metrics of this worker process (outbox depth and pool usage are read now, at scrape time)."""
    state: AppState = request.app.state.qianbao
    refusal = metrics_refusal(state.settings, request.headers.get("authorization"))
    if refusal is not None:
        return refusal
    await SCRAPE_GAUGES.refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
