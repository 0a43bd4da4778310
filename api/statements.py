"""GET /statements/{walletId}.csv and .pdf?from=&to=: a wallet's statement as a file.

Authenticated exactly like /graphql (api.auth_guard.authenticate: Bearer token, live), limited by the same
per-partner rate limiter, and read through services.statements (the scope: another partner's wallet is 404).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.auth_guard import authenticate
from api.graphql_endpoint import unauthorized
from api.rate_limit import rate_limited
from api.state import AppState
from auth.tokens import InvalidToken
from schema.common.relay import global_id_to_uuid, to_global_id
from services.errors import DomainError, Forbidden, NotFound
from services.statements.owner import holder_name
from services.statements.csv_export import statement_csv
from services.statements.pdf_export import statement_pdf
from services.statements.period import parse_period
from services.statements.statement import wallet_statement

_FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
# A PDF costs more than a GraphQL field: it takes this many tokens of the caller's rate bucket.
_COST = {"csv": 5, "pdf": 10}


def _error(exc: DomainError) -> JSONResponse:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 400
    return JSONResponse({"error": {"code": exc.code, "message": exc.message, "field": exc.field}}, status_code=status)


def _wallet_ref(wallet_id: object) -> str:
    return str(to_global_id("Wallet", wallet_id))  # type: ignore[arg-type]


async def statement_file(request: Request) -> Response:
    """The statement of the wallet in the path, as CSV (streamed) or PDF, for the from/to query parameters."""
    state: AppState = request.app.state.qianbao
    try:
        principal = await authenticate(state, request.headers.get("authorization"))
    except InvalidToken:
        return unauthorized()
    wallet_ref, _, fmt = request.path_params["wallet_file"].rpartition(".")
    if fmt not in _FORMATS:
        return JSONResponse({"error": {"code": "NOT_FOUND", "message": "use .csv or .pdf", "field": None}}, status_code=404)
    bucket = f"staff:{principal.subject}" if principal.is_staff else f"partner:{principal.partner_id}"
    assert state.api_limiter is not None
    wait_s = await state.api_limiter.take(bucket, _COST[fmt])
    if wait_s > 0:
        return rate_limited(JSONResponse({"error": {"code": "RATE_LIMITED", "message": "retry later", "field": None}},
                                         status_code=429), wait_s)
    try:
        period = parse_period(request.query_params.get("from"), request.query_params.get("to"))
        statement = await wallet_statement(principal, global_id_to_uuid(wallet_ref, "Wallet"), period.start, period.end)
        name = f"statement-{_wallet_ref(statement.wallet.wallet_id)}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
        if fmt == "csv":
            return StreamingResponse(statement_csv(statement, _wallet_ref), media_type=_FORMATS[fmt], headers=headers)
        body = await statement_pdf(statement, holder=await holder_name(statement.wallet), wallet_ref=_wallet_ref)
        return Response(body, media_type=_FORMATS[fmt], headers=headers)
    except DomainError as exc:
        return _error(exc)
