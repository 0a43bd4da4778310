"""POST/GET /graphql: authenticate, build the per-request context, run strawberry."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from api.auth_guard import authenticate
from api.graphiql_example import EXAMPLE_QUERY
from api.state import AppState
from auth.tokens import InvalidToken
from schema.common.context import RequestContext
from schema.loaders import Loaders

MAX_BODY_BYTES = 256 * 1024


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


class QianbaoGraphQL(GraphQL):
    """strawberry's ASGI app with our context and a GraphiQL that opens on an example."""

    def __init__(self, schema: Any, state: AppState) -> None:
        ide = None if state.settings.production else "graphiql"
        super().__init__(schema, graphql_ide=ide, allow_queries_via_get=True)
        self.state = state

    async def get_context(self, request: Any, response: Any) -> RequestContext:  # type: ignore[override]
        principal = request.scope["qianbao.principal"]
        return RequestContext(
            principal=principal,
            loaders=Loaders(principal),
            request_id=request.scope.get("qianbao.request_id", "-"),
            request=request,
            response=response,
        )

    async def process_result(self, request: Any, result: Any) -> Any:  # type: ignore[override]
        data = await super().process_result(request, result)
        # Errors strawberry reports before our extensions run (a syntax error)
        # still carry a stable code.
        for error in data.get("errors") or []:
            error["extensions"] = {"code": "BAD_REQUEST", **(error.get("extensions") or {})}
        return data

    async def render_graphql_ide(self, request: Request) -> Response:
        html = self.graphql_ide_html
        start = html.find("const EXAMPLE_QUERY = `")
        end = html.find("`;", start)
        if start != -1 and end != -1:
            html = html[: start + len("const EXAMPLE_QUERY = `")] + EXAMPLE_QUERY.replace("`", "'") + html[end:]
        return HTMLResponse(html)


class GraphQLEndpoint:
    """Refuses anonymous or malformed requests before strawberry runs."""

    def __init__(self, schema: Any, state: AppState) -> None:
        self.state = state
        self.app = QianbaoGraphQL(schema, state)

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
        try:
            principal = await authenticate(self.state, request.headers.get("authorization"))
        except InvalidToken:
            await unauthorized()(scope, receive, send)
            return
        scope["qianbao.principal"] = principal
        if request.method == "POST":
            problem = await self._check_body(request)
            if problem is not None:
                await problem(scope, receive, send)
                return
            receive = _replay_body(await request.body())
        await self.app(scope, receive, send)

    def _wants_ide(self, request: Request) -> bool:
        return (
            self.app.graphql_ide is not None
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _check_body(self, request: Request) -> Response | None:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return graphql_error("request body too large", status=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return graphql_error("request body too large", status=413)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in ("application/json", "application/graphql+json", ""):
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return graphql_error("the request body is not valid JSON")
            if isinstance(payload, list):
                return graphql_error("batched operations are not supported; send one operation per request")
            if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
                return graphql_error('the body must be a JSON object with a "query" string')
            if "variables" in payload and payload["variables"] is not None and not isinstance(payload["variables"], dict):
                return graphql_error('"variables" must be a JSON object')
            return None
        return graphql_error("content type must be application/json", status=415)


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
