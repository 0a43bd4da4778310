"""The API plus two plain Starlette JSON routes, to measure what the GraphQL layer costs (issue 18 parts 2 and 6).

Served by `qianbao serve --app bench.transfer_bench.plain_asgi:app` (never in production: serve refuses it there).
The app is the API's own (api.asgi: same middleware, lifespan, caches, change listener, pool), with two routes more
that do what a GraphQL operation does minus GraphQL (no parsing, validation, resolvers, strawberry's result):

  POST /plain/transfer  the token check, then the service transferCreate calls (services.fx.transfers.
                        create_transfer, audited in its own transaction as for the API), answered as JSON with the
                        fields TRANSFER_MUTATION selects;
  GET  /plain/wallets   the token check, then the two service calls behind
                        `wallets(first: 100) { ... transactions(first: 10) ... }` (the wallet page and the
                        transactions DataLoader's one query for all of them), answered as the same JSON document
                        settings.READ_QUERY gives (the bench checks the two are equal before it measures).

What the plain routes skip that /graphql does: the per-partner rate limiter and the query shape check (both cheap,
and the rate limiter is off in the bench by its documented setting), the request deadline, GraphQL itself.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.asgi import app
from api.auth_guard import authenticate
from auth.tokens import InvalidToken
from schema.common.audit_actor import actor_of
from schema.common.relay import global_id_to_uuid, to_global_id
from services.audit import AuditNote
from services.errors import DomainError
from services.fx.transfers import create_transfer
from services.ledger.queries import transaction_pages_by_wallet
from services.money import format_amount
from services.wallets import list_wallets



def _money(minor: int, currency: str) -> dict[str, str]:
    """Money as the API writes it."""
    return {"amount": format_amount(minor, currency), "currency": currency}


def _json(document: Any, status: int = 200) -> Response:
    """Compact JSON, as the GraphQL endpoint answers."""
    return Response(json.dumps(document, separators=(",", ":")), status_code=status, media_type="application/json")


async def _principal(request: Request):  # type: ignore[no-untyped-def]
    """The caller, by the same check /graphql makes; None for no valid token."""
    try:
        return await authenticate(request.app.state.qianbao, request.headers.get("authorization"))
    except InvalidToken:
        return None


async def plain_transfer(request: Request) -> Response:
    """transferCreate without GraphQL."""
    principal = await _principal(request)
    if principal is None:
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    body = json.loads(await request.body())
    try:
        record = await create_transfer(
            principal=principal, from_wallet_id=global_id_to_uuid(body["fromWalletId"], "Wallet"),
            to_wallet_id=global_id_to_uuid(body["toWalletId"], "Wallet"), amount=body["amount"],
            idempotency_key=body["idempotencyKey"],
            audit=AuditNote(actor=actor_of(principal), operation="transferCreate",
                            request_id=request.scope.get("qianbao.request_id")),
        )
    except DomainError as error:
        return _json({"userErrors": [{"code": error.code, "message": str(error)}]}, status=422)
    return _json({"transaction": {"id": to_global_id("Transaction", record.id),
                                  "amount": _money(record.amount_minor, record.currency)}})


async def plain_wallets(request: Request) -> Response:
    """`wallets(first: 100) { ... transactions(first: 10) ... }` without GraphQL: the same document."""
    principal = await _principal(request)
    if principal is None:
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    page = await list_wallets(principal=principal, first=100, after=None)
    transactions = await transaction_pages_by_wallet(principal=principal, wallet_ids=[w.id for w in page.items],
                                                     first=10, after=None)
    edges = []
    for wallet in page.items:
        tx_edges = [{"node": {"id": to_global_id("Transaction", t.id), "kind": t.kind.value, "status": t.status.value,
                              "amount": _money(t.amount_minor, t.currency), "createdAt": t.created_at.isoformat()}}
                    for t in transactions[wallet.id].items]
        edges.append({"node": {"id": to_global_id("Wallet", wallet.id), "currency": wallet.currency,
                               "balance": _money(wallet.balance_minor, wallet.currency),
                               "transactions": {"edges": tx_edges}}})
    return _json({"data": {"wallets": {"edges": edges}}})


app.router.routes[:0] = [Route("/plain/transfer", plain_transfer, methods=["POST"]),
                         Route("/plain/wallets", plain_wallets, methods=["GET"])]
