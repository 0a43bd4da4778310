"""POST /auth/login: bank staff sign in with e-mail and password for a role token."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.body_limit import BodyTooLarge, read_body
from api.oauth import oauth_error
from api.rate_limit import rate_limited
from api.state import AppState
from services.audit import Actor, record_event
from services.staff import login_staff

MAX_BODY_BYTES = 4 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def login_endpoint(request: Request) -> JSONResponse:
    """Check staff credentials (timing-equalised, with lockout) and issue a staff token."""
    state: AppState = request.app.state.qianbao
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return oauth_error("invalid_request", f"request body too large: at most {MAX_BODY_BYTES} bytes", status=413)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return oauth_error("invalid_request", 'send JSON: {"email": ..., "password": ...}')
    if not isinstance(payload, dict) or not isinstance(payload.get("email"), str) or not isinstance(payload.get("password"), str):
        return oauth_error("invalid_request", 'send JSON: {"email": ..., "password": ...}')
    email = payload["email"].strip().lower()
    assert state.login_limiter is not None
    wait_s = await state.login_limiter.take(f"login:{email}", 1)
    if wait_s > 0:
        return rate_limited(oauth_error("slow_down", "too many login attempts; retry later"), wait_s)
    result = await login_staff(email=email, password=payload["password"])
    request_id = request.scope.get("qianbao.request_id")
    if result.staff is None:
        await record_event(actor=Actor(kind="anonymous", id=email[:128] or "-"), operation="staffLogin",
                           outcome="LOCKED" if result.locked else "INVALID_CREDENTIALS", request_id=request_id)
        # The same answer for an unknown user, a wrong password and a locked account.
        return oauth_error("invalid_grant", "invalid email or password", status=401)
    staff = result.staff
    assert state.tokens is not None
    token, expires_in = state.tokens.issue_staff_token(staff_id=staff.id, role=staff.role, ttl_s=state.settings.staff_token_ttl_s)
    await record_event(actor=Actor(kind="staff", id=str(staff.id)), operation="staffLogin", outcome="OK",
                       object_type="StaffUser", object_id=str(staff.id), request_id=request_id)
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "scope": f"role:{staff.role}"},
        headers=_NO_STORE,
    )
