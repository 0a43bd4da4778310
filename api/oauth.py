"""POST /oauth/token: OAuth 2.0 client credentials (RFC 6749 §4.4) for partners."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.body_limit import BodyTooLarge, read_body
from api.rate_limit import rate_limited
from api.state import AppState
from auth.scopes import parse_scopes
from services.partners.client_credentials import authenticate_client

MAX_FORM_BYTES = 8 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """An RFC 6749 §5.2 error response."""
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="qianbao"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic header.
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


async def token_endpoint(request: Request) -> JSONResponse:
    """Exchange client credentials for a short-lived partner access token."""
    state: AppState = request.app.state.qianbao
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return oauth_error("invalid_request", "send the request as application/x-www-form-urlencoded")
    try:
        body = await read_body(request, MAX_FORM_BYTES)
    except BodyTooLarge:
        return oauth_error("invalid_request", f"request body too large: at most {MAX_FORM_BYTES} bytes", status=413)
    try:
        form = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return oauth_error("invalid_request", "request body is not UTF-8")
    if any(len(values) > 1 for values in form.values()):
        return oauth_error("invalid_request", "a parameter was sent more than once")
    fields = {key: values[0] for key, values in form.items()}
    if fields.get("grant_type") != "client_credentials":
        if "grant_type" not in fields:
            return oauth_error("invalid_request", "grant_type is required")
        return oauth_error("unsupported_grant_type", "only client_credentials is supported")
    basic = _basic_credentials(request.headers.get("authorization"))
    client_id, client_secret = basic if basic else (fields.get("client_id", ""), fields.get("client_secret", ""))
    if not client_id or not client_secret:
        return oauth_error("invalid_client", "client authentication failed", status=401)
    assert state.login_limiter is not None
    wait_s = await state.login_limiter.take(f"oauth:{client_id[:64]}", 1)
    if wait_s > 0:
        return rate_limited(oauth_error("slow_down", "too many token requests for this client; retry later"), wait_s)
    client = await authenticate_client(client_id=client_id, client_secret=client_secret)
    if client is None:
        return oauth_error("invalid_client", "client authentication failed", status=401)
    requested = parse_scopes(fields.get("scope"))
    if requested and not set(requested) <= set(client.scopes):
        return oauth_error("invalid_scope", "the requested scope exceeds what this client may have")
    granted = requested or sorted(client.scopes)
    # A secret in its grace period after a rotation gets tokens that expire when the grace period does.
    ttl_s = client.token_ttl_s(state.settings.partner_token_ttl_s)
    if ttl_s < 1:
        return oauth_error("invalid_client", "client authentication failed", status=401)
    assert state.tokens is not None
    token, expires_in = state.tokens.issue_partner_token(
        client_id=client.client.client_id, partner_id=client.partner.id, scopes=granted, ttl_s=ttl_s,
        environment=client.partner.environment,  # the `env` claim: a sandbox partner's tokens say so
    )
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "scope": " ".join(granted)},
        headers=_NO_STORE,
    )
