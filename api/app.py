"""The Starlette application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.db import close_orm, init_orm
from api.graphql_endpoint import GraphQLEndpoint
from api.health import healthz, jwks, metrics, readyz
from api.middleware import RequestMiddleware
from api.oauth import token_endpoint
from api.settings import Settings, load_settings
from api.state import AppState
from schema.build import schema
from services.signing_keys import load_token_authority


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "not_found"}, status_code=404)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = request.scope.get("qianbao.request_id", "-")
    return JSONResponse({"error": "internal_error", "request_id": request_id}, status_code=500)


def create_app(settings: Settings | None = None, *, manage_orm: bool = True) -> Starlette:
    """Build the API. With manage_orm the lifespan opens and closes the database."""
    settings = settings or load_settings()
    state = AppState(settings=settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_orm:
            await init_orm(settings.database_url)
        try:
            state.tokens = await load_token_authority(issuer=settings.issuer, audience=settings.audience)
            yield
        finally:
            if manage_orm:
                await close_orm()

    graphql = GraphQLEndpoint(schema, state)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        middleware=[Middleware(RequestMiddleware)],
        exception_handlers={404: _not_found, 500: _server_error},
        lifespan=lifespan,
    )
    app.state.qianbao = state
    return app
