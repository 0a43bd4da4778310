"""The stack's floor (bench/stack_floor.py): the cheapest answers uvicorn, Starlette and strawberry can give.

No database, no authentication, no business rule: three routes answering a transferCreate-shaped request with a
constant transferCreate-shaped result, so that the server CPU they cost per request is what the fixed stack costs
before Qianbao does anything.
- `/asgi`: a bare ASGI callable (uvicorn with httptools and uvloop, nothing else);
- `/plain`: a Starlette route that parses the JSON body and answers a JSONResponse;
- `/graphql`: strawberry's ASGI app on a one-mutation schema with the same input and payload shape as
  `transferCreate`, parsed and validated documents cached (ParserCache, ValidationCache), no other extension.
"""

from __future__ import annotations

import json

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

_ANSWER = {"data": {"transferCreate": {
    "transaction": {"id": "VHJhbnNhY3Rpb246MQ==", "amount": {"amount": "0.42", "currency": "CNY"}},
    "userErrors": [],
}}}
_ANSWER_BYTES = json.dumps(_ANSWER).encode()


@strawberry.input
class TransferCreateInput:
    from_wallet_id: strawberry.ID
    to_wallet_id: strawberry.ID
    amount: str
    idempotency_key: str


@strawberry.type
class Money:
    amount: str
    currency: str


@strawberry.type
class Transaction:
    id: strawberry.ID
    amount: Money


@strawberry.type
class UserError:
    code: str
    message: str
    field: list[str] | None


@strawberry.type
class TransferPayload:
    transaction: Transaction | None
    user_errors: list[UserError]


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def transfer_create(self, input: TransferCreateInput) -> TransferPayload:
        return TransferPayload(transaction=Transaction(id=strawberry.ID("VHJhbnNhY3Rpb246MQ=="),
                                                       amount=Money(amount=input.amount, currency="CNY")),
                               user_errors=[])


schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[lambda: ParserCache(maxsize=100), lambda: ValidationCache(maxsize=100)])


async def bare(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """Read the body, answer constant bytes: the ASGI server's own cost."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(_ANSWER_BYTES)).encode())]})
    await send({"type": "http.response.body", "body": _ANSWER_BYTES})


async def plain(request: Request) -> JSONResponse:
    """Parse the JSON body, answer the same document: Starlette's cost on top."""
    payload = await request.json()
    amount = payload["variables"]["input"]["amount"]
    answer = {"data": {"transferCreate": {**_ANSWER["data"]["transferCreate"],
                                          "transaction": {"id": "VHJhbnNhY3Rpb246MQ==",
                                                          "amount": {"amount": amount, "currency": "CNY"}}}}}
    return JSONResponse(answer)


_starlette = Starlette(routes=[Route("/plain", plain, methods=["POST"]),
                               Route("/graphql", GraphQL(schema, graphql_ide=None), methods=["POST"])])


async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """`/asgi` before any routing; everything else through Starlette."""
    if scope["type"] == "http" and scope["path"] == "/asgi":
        await bare(scope, receive, send)
    else:
        await _starlette(scope, receive, send)
