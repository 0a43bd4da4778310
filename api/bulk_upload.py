"""POST /bulk-payouts/{walletId}.csv?mode=&idempotencyKey=: upload a bulk payout file of up to 10,000 lines.

The same as the bulkPayoutCreate mutation (services.business.bulk_create: validated line by line, stored with its
report, nothing moves), for files larger than a GraphQL request may be (api.graphql_endpoint caps bodies at
256 KiB, about 2,500 lines). The body is the file's bytes (UTF-8, a byte order mark allowed), at most
MAX_UPLOAD_BYTES. Authenticated exactly like /graphql, it needs the transactions:write scope, and it costs more
of the caller's rate bucket than one GraphQL request. The answer is the batch (global IDs) or an error with its
stable code; the report per line is read with bulkPayout(id) { lines }.
"""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth_guard import authenticate
from api.graphql_endpoint import unauthorized
from api.rate_limit import rate_limited
from api.state import AppState
from auth.tokens import InvalidToken
from schema.common.relay import global_id_to_uuid, parse_global_id, to_global_id
from services.business.bulk_create import create_bulk_payout
from services.business.bulk_records import BulkPayoutRecord
from services.errors import DomainError, Forbidden, NotFound

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 10,000 lines of global IDs, amounts and references fit in well under this
_COST = 20  # tokens of the caller's rate bucket: a file is many lines' worth of validation
SCOPE = "transactions:write"


def _error(code: str, message: str, status: int, field: list[str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)


def _domain_error(exc: DomainError) -> JSONResponse:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 400
    # The service names the mutation's inputs; here the file is the body and the rest are in the path and query.
    names = {"csvBase64": "file", "fromWalletId": "walletId"}
    return _error(exc.code, exc.message, status, [names.get(f, f) for f in exc.field] if exc.field else exc.field)


def _answer(record: BulkPayoutRecord) -> JSONResponse:
    """The stored batch, as the mutation's BulkPayout would show its main fields."""
    return JSONResponse({"bulkPayout": {
        "id": str(to_global_id("BulkPayout", record.id)), "fromWalletId": str(to_global_id("Wallet", record.from_wallet_id)),
        "mode": record.mode, "status": record.status, "lineCount": record.line_count, "validCount": record.valid_count,
        "invalidCount": record.invalid_count, "replayed": record.replayed,
    }}, status_code=200 if record.replayed else 201)


async def _body(request: Request) -> bytes | None:
    """The request body, or None when it is (or announces itself) larger than MAX_UPLOAD_BYTES."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_UPLOAD_BYTES):
        return None
    body = bytearray()
    async for chunk in request.stream():  # read in pieces so a body without a length cannot grow unbounded
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            return None
    return bytes(body)


async def bulk_payout_upload(request: Request) -> JSONResponse:
    """Store a bulk payout from the file in the body, for the wallet in the path (nothing moves until executed)."""
    state: AppState = request.app.state.qianbao
    try:
        principal = await authenticate(state, request.headers.get("authorization"))
    except InvalidToken:
        return unauthorized()  # type: ignore[return-value]
    wallet_ref, _, fmt = request.path_params["wallet_file"].rpartition(".")
    if fmt != "csv":
        return _error("NOT_FOUND", "upload to /bulk-payouts/{walletId}.csv", 404)
    if not principal.has_scope(SCOPE):
        return _error("FORBIDDEN", f"this operation needs the {SCOPE} scope", 403)
    bucket = f"staff:{principal.subject}" if principal.is_staff else f"partner:{principal.partner_id}"
    assert state.api_limiter is not None
    wait_s = await state.api_limiter.take(bucket, _COST)
    if wait_s > 0:
        return rate_limited(_error("RATE_LIMITED", "retry later", 429), wait_s)  # type: ignore[return-value]
    body = await _body(request)
    if body is None:
        return _error("BULK_TOO_MANY_LINES", f"the file is larger than {MAX_UPLOAD_BYTES} bytes", 413, ["file"])
    try:
        record = await create_bulk_payout(
            principal=principal, from_wallet_id=global_id_to_uuid(wallet_ref, "Wallet"), csv_text=None,
            # The service decodes bytes in one place (UTF-8 or BULK_FILE_ENCODING): the body is handed over as such.
            csv_base64=base64.b64encode(body).decode("ascii"), mode=request.query_params.get("mode", "PARTIAL"),
            idempotency_key=request.query_params.get("idempotencyKey", ""), decode_id=parse_global_id)
    except DomainError as exc:
        return _domain_error(exc)
    return _answer(record)
