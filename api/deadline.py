"""Faults answered as faults on the plain HTTP routes (/oauth/token, /auth/login): a deadline and 503s.

The GraphQL endpoint keeps its own (api.graphql_endpoint); these routes read the
database too (the client's secret, the staff user), so a database that stops
answering must not hold them past the request timeout, and one that is away is
a 503 with Retry-After, not a bare 500.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.db.availability import RETRY_AFTER_S, is_unavailable

log = logging.getLogger("qianbao.http")
Handler = Callable[[Request], Awaitable[Response]]


def fault_response(request: Request, code: str) -> JSONResponse:
    """503 with an RFC 6749 error (temporarily_unavailable), our code and the request id."""
    request_id = request.scope.get("qianbao.request_id", "-")
    return JSONResponse(
        {"error": "temporarily_unavailable", "error_description": "the service is unavailable for the moment; retry",
         "code": code, "request_id": request_id},
        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S), "X-Request-ID": request_id},
    )


def within_deadline(handler: Handler) -> Handler:
    """The route under the request timeout: 503 TIMEOUT past it, 503 UNAVAILABLE when the database is away."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        timeout = request.app.state.qianbao.settings.request_timeout_s
        try:
            return await asyncio.wait_for(handler(request), timeout)
        except asyncio.TimeoutError:
            log.warning("%s %s past the %ss deadline", request.method, request.url.path, timeout)
            return fault_response(request, "TIMEOUT")
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("%s %s: database unavailable (%s)", request.method, request.url.path, type(exc).__name__)
            return fault_response(request, "UNAVAILABLE")

    return guarded
