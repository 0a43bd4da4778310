"""POST /rails/{rail}/callback: where a payment rail reports outcomes (services.rails.callbacks authenticates them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.body_limit import BodyTooLarge, read_body
from services.rails.callbacks import MAX_BODY_BYTES, accept_callback


async def rail_callback(request: Request) -> JSONResponse:
    """Verify and apply one rail callback; the status code and body say what happened."""
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return JSONResponse({"result": "REFUSED", "code": "TOO_LARGE"}, status_code=413)
    answer = await accept_callback(request.path_params["rail"], body, dict(request.headers))
    return JSONResponse(answer.body, status_code=answer.status)
