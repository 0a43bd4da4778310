"""GraphQL subscriptions over a websocket (graphql-transport-ws): authentication, heartbeats, token expiry.

The client sends its token in connection_init's payload, as
{"Authorization": "Bearer <token>"} or {"token": "<token>"}. It is verified
exactly like an HTTP request's (api.auth_guard.authenticate: signature, claims,
revocation and liveness); a missing or bad token closes the socket with 4401,
a token that dies later (revoked, client or partner suspended) with 4403, and
the connection closes with 4401 when the token's exp passes. After
connection_ack the server sends a protocol `ping` every HEARTBEAT_S seconds
(clients answer `pong`) and re-checks the token's liveness then.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from api.auth_guard import authenticate
from auth.tokens import InvalidToken
from schema.loaders import Loaders
from services.token_liveness import principal_is_live

HEARTBEAT_S = 15.0
MAX_SUBSCRIPTIONS_PER_CONNECTION = 10
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


def authorization_of(payload: dict[str, Any]) -> str | None:
    """An `Authorization` header value from a connection_init payload (either accepted spelling)."""
    for key in ("Authorization", "authorization"):
        if isinstance(payload.get(key), str):
            return payload[key]
    token = payload.get("token")
    return f"Bearer {token}" if isinstance(token, str) else None


def refusal_of(query: object, operation_name: object) -> str | None:
    """Why the websocket will not run this document, or None: only a subscription that parses runs here
    (a document naming no single operation is strawberry's to answer)."""
    if not isinstance(query, str):
        return "the subscribe payload needs a query string"
    try:
        operation = get_operation_ast(parse(query), operation_name if isinstance(operation_name, str) else None)
    except GraphQLError as exc:
        return exc.message
    if operation is None or operation.operation == OperationType.SUBSCRIPTION:
        return None
    return "only subscriptions run over the websocket: send queries and mutations with POST /graphql"


class LiveSocketHandler(BaseGraphQLTransportWSHandler):
    """strawberry's graphql-transport-ws handler with our authentication, heartbeat and expiry."""

    heartbeat_s = HEARTBEAT_S
    _watch: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        payload = message.get("payload") or {}
        if isinstance(payload, dict) and not self.connection_init_received and not self.connection_timed_out:
            try:
                principal = await authenticate(self.view.state, authorization_of(payload))
            except InvalidToken:
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                # As over HTTP, the client is not told which check failed.
                await self.websocket.close(CLOSE_UNAUTHORIZED, "Unauthorized: a valid bearer token is required")
                return
            self.context.principal = principal
            self.context.loaders = Loaders(principal)
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watch is None:
            self._watch = asyncio.create_task(self._heartbeat_until_expiry())

    async def handle_subscribe(self, message: Any) -> None:
        # Queries and mutations go through POST /graphql, where rate limits, the one-money-mutation rule and the
        # request deadline apply: the websocket runs subscriptions only.
        payload = message["payload"]
        refusal = refusal_of(payload.get("query"), payload.get("operationName")) if self.connection_acknowledged else None
        if refusal is not None:
            await self.send_message({"id": message["id"], "type": "error", "payload": [{
                "message": refusal, "extensions": {"code": "BAD_REQUEST"},
            }]})
            return
        await super().handle_subscribe(message)

    async def _heartbeat_until_expiry(self) -> None:
        principal = self.context.principal
        try:
            while True:
                left_s = (principal.expires_at or float("inf")) - time.time()
                if left_s <= 0:
                    await self.websocket.close(CLOSE_UNAUTHORIZED, "Unauthorized: token expired")
                    return
                await asyncio.sleep(min(self.heartbeat_s, left_s))
                if principal.expires_at is not None and time.time() >= principal.expires_at:
                    continue  # closes at the top of the loop
                if not await principal_is_live(principal):
                    await self.websocket.close(CLOSE_FORBIDDEN, "Forbidden: token revoked or no longer active")
                    return
                await self.send_message({"type": "ping"})
        except WebSocketDisconnected:
            return  # the client left: shutdown cleans up
        except Exception as error:  # noqa: BLE001 - logged like strawberry's own worker tasks
            await self.handle_task_exception(error)

    async def shutdown(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
        await super().shutdown()
