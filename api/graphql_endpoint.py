"""POST/GET /graphql: authenticate, build the per-request context, run strawberry."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.auth_guard import authenticate
from api.graphiql_page import graphiql_page
from api.graphql_posted import run_posted, runs_directly
from api.metrics import observe_operation, root_fields_of
from api.live_socket import MAX_SUBSCRIPTIONS_PER_CONNECTION, LiveSocketHandler
from api.rate_limit import rate_limited
from api.request_shape import MAX_OPERATIONS_PER_DOCUMENT, request_shape
from api.state import AppState
from auth.principal import Principal
from auth.tokens import InvalidToken
from schema.extensions import UNAVAILABLE, UNAVAILABLE_MESSAGE
from services.audit import record_event
from services.db.availability import RETRY_AFTER_S, is_unavailable
from schema.common.audit_actor import actor_of
from schema.common.context import RequestContext
from schema.loaders import Loaders

MAX_BODY_BYTES = 256 * 1024

log = logging.getLogger("qianbao.graphql")


def unauthorized(detail: str = "a valid bearer token is required") -> JSONResponse:
    """HTTP 401 with the RFC 6750 challenge."""
    return JSONResponse(
        {"errors": [{"message": "Unauthorized: " + detail, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="qianbao"'},
    )


def graphql_error(message: str, status: int = 400, code: str = "BAD_REQUEST") -> JSONResponse:
    """A GraphQL-shaped error response for requests strawberry never sees."""
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def unavailable(code: str, message: str, request_id: str | None) -> JSONResponse:
    """HTTP 503 for a fault, not a refusal: UNAVAILABLE (the database is away) or TIMEOUT (past the deadline).

    Nothing uncommitted was kept and a retry with the same idempotency key is safe: Retry-After says when."""
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]},
        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)},
    )


TIMEOUT_MESSAGE = ("The request took too long and was cancelled; nothing it did was kept. Retry (with the same"
                   " idempotency key for a money operation: it is safe).")


class QianbaoGraphQL(GraphQL):
    """strawberry's ASGI app with our context and an offline GraphiQL that opens on an example."""

    def __init__(self, schema: Any, state: AppState) -> None:
        ide = None if state.settings.production else "graphiql"
        super().__init__(
            schema, graphql_ide=ide, allow_queries_via_get=True,
            # Subscriptions (issue 12): graphql-transport-ws only; auth, heartbeat, expiry in api/live_socket.py.
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
        )
        self.state = state

    graphql_transport_ws_handler_class = LiveSocketHandler

    async def get_context(self, request: Any, response: Any) -> RequestContext:  # type: ignore[override]
        principal = request.scope.get("qianbao.principal")  # a websocket's comes with connection_init (live_socket)
        request.scope["qianbao.sub_response"] = response  # process_result turns an outage into HTTP 503
        return RequestContext(
            principal=principal,
            loaders=Loaders(principal),
            request_id=request.scope.get("qianbao.request_id", "-"),
            outcome_codes=request.scope.setdefault("qianbao.outcome_codes", []),  # the access log line names them
            tokens=self.state.tokens,
            request=request,
            response=response,
            charge=self._charger(principal),
        )

    def _charger(self, principal: Any) -> Any:
        """Take more tokens from the caller's rate-limit bucket (a batch's items beyond the first)."""
        limiter = self.state.api_limiter
        if principal is None or limiter is None:
            return None

        async def charge(cost: int) -> float:
            return await limiter.take(_bucket(principal), cost) if cost > 0 else 0.0

        return charge

    async def process_result(self, request: Any, result: Any) -> Any:  # type: ignore[override]
        data = await super().process_result(request, result)
        # Errors strawberry reports before our extensions run (a syntax error)
        # still carry a stable code.
        for error in data.get("errors") or []:
            error["extensions"] = {"code": "BAD_REQUEST", **(error.get("extensions") or {})}
        sub_response = request.scope.get("qianbao.sub_response")
        if sub_response is not None and any(e["extensions"].get("code") == UNAVAILABLE for e in data.get("errors") or []):
            # The database went away under a resolver (schema.extensions): a fault, answered as one.
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return data

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page, not strawberry's: that one loads GraphiQL from a CDN.
        return await graphiql_page(request)


def _bucket(principal: Any) -> str:
    """The rate-limit bucket of a caller: one per staff member, one per partner (its customer tokens included)."""
    return f"staff:{principal.subject}" if principal.is_staff else f"partner:{principal.partner_id}"


class GraphQLEndpoint:
    """Refuses anonymous or malformed requests before strawberry runs."""

    def __init__(self, schema: Any, state: AppState) -> None:
        self.state = state
        self.app = QianbaoGraphQL(schema, state)
        self.root_fields = root_fields_of(schema)  # issue 17 part 5: the bounded labels of the latency histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if request.method == "GET" and self._wants_ide(request):
            # Rendered here, not through strawberry's run(): that would build a
            # request context, and an anonymous visitor has no principal.
            await (await self.app.render_graphql_ide(request))(scope, receive, send)
            return
        if request.method not in ("GET", "POST"):
            await graphql_error("use GET or POST", status=405)(scope, receive, send)
            return
        request_id = scope.get("qianbao.request_id")
        deadline = time.monotonic() + self.state.settings.request_timeout_s
        try:
            # The token check reads the database (liveness): it runs inside the request's deadline too, so a
            # database that stops answering cannot hold a request past it.
            async with asyncio.timeout(self.state.settings.request_timeout_s):
                principal = await authenticate(self.state, request.headers.get("authorization"))
        except InvalidToken:
            await unauthorized()(scope, receive, send)
            return
        except TimeoutError:
            log.warning("request %s: authentication past the %ss deadline", request_id, self.state.settings.request_timeout_s)
            await unavailable("TIMEOUT", TIMEOUT_MESSAGE, request_id)(scope, receive, send)
            return
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("request %s: database unavailable during authentication (%s)", request_id, type(exc).__name__)
            await unavailable("UNAVAILABLE", UNAVAILABLE_MESSAGE, request_id)(scope, receive, send)
            return
        scope["qianbao.deadline"] = deadline
        scope["qianbao.principal"] = principal
        scope["qianbao.partner_id"] = str(principal.partner_id) if principal.partner_id else None  # the access log line
        posted: dict[str, Any] | None = None
        if request.method == "GET":
            query, operation_name = request.query_params.get("query"), request.query_params.get("operationName")
        else:  # POST: what the body names (a query string is not read, as strawberry's view does not read it)
            problem, payload = await self._check_body(request)
            if problem is not None:
                await problem(scope, receive, send)
                return
            query, operation_name = payload.get("query"), payload.get("operationName")
            if runs_directly(self.app, request, payload):
                posted = payload  # run on this parse (api/graphql_posted.py), not through strawberry's view
            else:
                receive = _replay_body(await request.body())
        refusal = await self._check_shape_and_rate(principal, query, operation_name)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self._run_with_timeout(scope, receive, send, request, posted)
        finally:
            observe_operation(query, operation_name, self.root_fields, time.perf_counter() - started)

    async def _check_shape_and_rate(self, principal: Principal, query: object, operation_name: object) -> Response | None:
        """Refuse, before anything runs, over-large documents, several money movements, and callers over their rate."""
        shape = None
        if isinstance(query, str):
            shape = request_shape(query, operation_name if isinstance(operation_name, str) else None)
        if shape is not None and shape.operations > MAX_OPERATIONS_PER_DOCUMENT:
            return graphql_error(f"at most {MAX_OPERATIONS_PER_DOCUMENT} operations per document")
        if shape is not None and shape.operations > 1 and not operation_name:
            # GraphQL over HTTP: a document with several operations runs only the one operationName names.
            return graphql_error("the document holds several operations: name the one to run in operationName")
        if shape is not None and shape.money_mutations > 1:
            return graphql_error(
                "at most one money-moving mutation (walletTopUp, transferCreate, withdrawalCreate) per request"
            )
        # One token per root field: aliases cannot multiply work for the price of one request.
        cost = shape.root_fields if shape is not None else 1
        assert self.state.api_limiter is not None
        wait_s = await self.state.api_limiter.take(_bucket(principal), cost)
        if wait_s > 0:
            return rate_limited(graphql_error("rate limit exceeded; retry later", code="RATE_LIMITED"), wait_s)
        return None

    async def _run_with_timeout(self, scope: Scope, receive: Receive, send: Send, request: Request,
                                posted: dict[str, Any] | None) -> None:
        """Run strawberry under the per-request deadline; a request past it is cancelled (its
        database transaction rolls back) and answered 503 TIMEOUT. With `posted` (the parsed body of a request
        runs_directly accepts), it runs on that body instead of through strawberry's view."""
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        remaining = max(0.0, scope.get("qianbao.deadline", time.monotonic() + self.state.settings.request_timeout_s)
                        - time.monotonic())
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for runs the request in a task of its own.
            async with asyncio.timeout(remaining):
                if posted is not None:
                    await (await run_posted(self.app, request, posted))(scope, receive, tracking_send)
                else:
                    await self.app(scope, receive, tracking_send)
        except TimeoutError:
            # Cancelled work rolled back and wrote no audit row: record that it was tried.
            principal = scope["qianbao.principal"]
            # Best effort: when the deadline passed because the database is away, this row cannot be written either.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(record_event(
                    actor=actor_of(principal), operation="graphql", outcome="TIMEOUT",
                    request_id=scope.get("qianbao.request_id"), detail="cancelled at the request deadline; rolled back",
                ), 1.0)
            if not started:
                await unavailable("TIMEOUT", TIMEOUT_MESSAGE, scope.get("qianbao.request_id"))(scope, receive, send)

    def _wants_ide(self, request: Request) -> bool:
        return (
            self.app.graphql_ide is not None
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _check_body(self, request: Request) -> tuple[Response | None, dict[str, Any]]:
        """A refusal for a body strawberry should never see, or None and the parsed body."""
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return graphql_error("request body too large", status=413), {}
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return graphql_error("request body too large", status=413), {}
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in ("application/json", "application/graphql+json", ""):
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return graphql_error("the request body is not valid JSON"), {}
            if isinstance(payload, list):
                return graphql_error("batched operations are not supported; send one operation per request"), {}
            if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
                return graphql_error('the body must be a JSON object with a "query" string'), {}
            if "variables" in payload and payload["variables"] is not None and not isinstance(payload["variables"], dict):
                return graphql_error('"variables" must be a JSON object'), {}
            return None, payload
        return graphql_error("content type must be application/json", status=415), {}


def _replay_body(body: bytes) -> Receive:
    """A receive callable that hands the already-read body to the next app."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
