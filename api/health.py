"""Liveness, readiness, JWKS and Prometheus metrics routes."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise import connections

from api.metrics import SCRAPE_GAUGES
from api.state import AppState


async def healthz(request: Request) -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers a trivial query."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means not ready
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok"})


async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify our tokens (RFC 7517)."""
    state: AppState = request.app.state.qianbao
    assert state.tokens is not None
    return JSONResponse(state.tokens.jwks(), headers={"Cache-Control": "public, max-age=300"})


async def metrics(request: Request) -> Response:
    """Prometheus metrics of this worker process (outbox depth and pool usage are read now, at scrape time)."""
    await SCRAPE_GAUGES.refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
