"""A second API instance with its own settings (timeout, rate limits, production mode, Redis),
sharing the session's database and ORM, and a partner's client pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.app import create_app
from api.settings import load_settings
from tests.factories import GraphQLClient


@asynccontextmanager
async def app_instance(
    database_url: str, *, raise_app_exceptions: bool = True, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on a new app built with these settings (lifespan entered, no audit chainer).

    `redis_url` is None unless given, whatever the environment says, so a test that
    wants the in-memory limiter gets it. With raise_app_exceptions=False the client sees
    the 500 a server would send instead of the exception.
    """
    redis_url = overrides.pop("redis_url", None)
    overrides.setdefault("env", "test")
    settings = dataclasses.replace(load_settings(database_url=database_url, **overrides), redis_url=redis_url)
    app = create_app(settings, manage_orm=False, chain_audit=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def on(partner: GraphQLClient, http: httpx.AsyncClient) -> GraphQLClient:
    """The same partner and token, talking to another app instance."""
    return dataclasses.replace(partner, http=http)
