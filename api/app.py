"""The Starlette application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from api.console import ROUTES as CONSOLE_ROUTES
from api.rail_callbacks import rail_callback
from api.db import asyncpg_dsn, close_orm, init_orm, serving_session_settings
from api.deadline import fault_response, within_deadline
from api.graphiql_assets import asset_route
from api.graphql_endpoint import GraphQLEndpoint
from api.health import healthz, jwks, metrics, readyz
from api.middleware import RequestMiddleware
from api.oauth import token_endpoint
from api.rate_limit import build_limiter
from api.staff_login import login_endpoint
from api.statements import statement_file
from api.bulk_upload import bulk_payout_upload
from api.settings import Settings, load_settings
from api.state import AppState
from schema.build import build_schema, schema
from services.audit import chain_pending
from services.audit_checkpoint import take_checkpoint
from services.db.availability import is_unavailable, log_job_failure
from services.caches import wire_caches
from services import live
from services.change_feed import listen, subscribe
from services.signing_keys import load_token_authority
from schema.events.payload import wire_payload
from services.webhooks.config import in_process_dispatcher
from services.webhooks.dispatcher import run_forever as run_dispatcher
from services.reporting.schedule import run_rollups_forever

log = logging.getLogger("qianbao.audit")
AUDIT_CHAIN_INTERVAL_S = 2.0


async def run_audit_chainer(checkpoint_every: timedelta) -> None:
    """Every few seconds, append new audit rows to the hash chain (one chainer at a time, by lock), and sign its
    head as a checkpoint once `checkpoint_every` has passed since the last one (any worker's)."""
    while True:
        await asyncio.sleep(AUDIT_CHAIN_INTERVAL_S)
        try:
            await chain_pending()
            await take_checkpoint(min_interval=checkpoint_every)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep chaining after a transient database error
            log_job_failure(log, "audit chaining", exc)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "not_found"}, status_code=404)


async def _client_gone(request: Request, exc: Exception) -> JSONResponse:
    # The client went away while its body was being read (it gave up, crashed, or its network dropped): nothing
    # was read whole, so nothing was done, and nobody is listening for the answer. One line, not a 500.
    log.info("client disconnected before sending its whole request (request %s)",
             request.scope.get("qianbao.request_id", "-"))
    return JSONResponse({"error": "client_disconnected"}, status_code=400)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):  # an outage on any route: 503 with Retry-After, not a bug's 500
        return fault_response(request, "UNAVAILABLE")
    request_id = request.scope.get("qianbao.request_id", "-")
    # Sent by Starlette's outermost middleware, past RequestMiddleware: add the header here.
    return JSONResponse(
        {"error": "internal_error", "request_id": request_id}, status_code=500, headers={"X-Request-ID": request_id}
    )


def create_app(settings: Settings | None = None, *, manage_orm: bool = True, chain_audit: bool = True) -> Starlette:
    """Build the API. With manage_orm the lifespan opens and closes the database;
    with chain_audit a background task appends new audit rows to the hash chain."""
    settings = settings or load_settings()
    state = AppState(settings=settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        wire_caches(subscribe)  # before serving: every cache that can go stale hears its announcements
        if manage_orm:
            await init_orm(settings.database_url, serving_session_settings(settings))
        state.api_limiter = build_limiter(
            redis_url=settings.redis_url, rate_per_s=settings.rate_limit_rps, burst=settings.rate_limit_burst, prefix="qianbao:rl:api:"
        )
        per_min = settings.login_rate_limit_per_min
        state.login_limiter = build_limiter(
            redis_url=settings.redis_url, rate_per_s=per_min / 60, burst=per_min, prefix="qianbao:rl:login:"
        )
        checkpoint_every = timedelta(seconds=settings.audit_checkpoint_interval_s)
        chainer = asyncio.create_task(run_audit_chainer(checkpoint_every)) if chain_audit else None
        # Webhook delivery in-process unless `serve --no-worker` (then `qianbao worker` runs it); test apps have none.
        dispatcher = (asyncio.create_task(run_dispatcher(wire=wire_payload, idempotency_hours=settings.idempotency_retention_hours))
                      if chain_audit and in_process_dispatcher() else None)
        # The reporting rollups of closed days (services.reporting.rollup); the reports are right without them.
        rollups = asyncio.create_task(run_rollups_forever()) if chain_audit else None
        listener = None
        if not settings.is_sqlite:
            listener = asyncio.create_task(listen(asyncpg_dsn(settings.database_url)))
        try:
            state.tokens = await load_token_authority(issuer=settings.issuer, audience=settings.audience)
            await live.start(settings.redis_url)  # subscriptions fan out through Redis when configured
            yield
        finally:
            for task in (chainer, listener, dispatcher, rollups):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            for limiter in (state.api_limiter, state.login_limiter):
                if hasattr(limiter, "close"):
                    await limiter.close()
            await live.stop()
            if manage_orm:
                await close_orm()

    graphql = GraphQLEndpoint(build_schema(production=True) if settings.production else schema, state)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
            Route("/oauth/token", within_deadline(token_endpoint), methods=["POST"]),
            Route("/auth/login", within_deadline(login_endpoint), methods=["POST"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
            Route("/rails/{rail}/callback", rail_callback, methods=["POST"]),
            Route("/statements/{wallet_file}", statement_file, methods=["GET"]),  # {walletId}.csv or .pdf
            Route("/bulk-payouts/{wallet_file}", bulk_payout_upload, methods=["POST"]),  # {walletId}.csv: a large file
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *CONSOLE_ROUTES,  # the staff console's static files (api.console)
            *([] if settings.production else [asset_route()]),  # GraphiQL's files, served like the IDE
        ],
        middleware=[Middleware(RequestMiddleware)],
        exception_handlers={404: _not_found, ClientDisconnect: _client_gone, 500: _server_error},
        lifespan=lifespan,
    )
    app.state.qianbao = state
    return app
