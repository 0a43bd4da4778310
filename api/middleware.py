"""Request id, access log and request metrics, as one thin ASGI middleware.

Every HTTP request leaves one access line: method, path, status, time, request id and,
when it was refused or failed, the codes it was answered with (`code=FORBIDDEN`). A
refusal is the caller's mistake, not the server's: that line is all it logs, never a
traceback. Only an unexpected exception logs a traceback (once, where it is caught).
The line's fields also ride on the record (`access`), for QIANBAO_LOG_FORMAT=json (api/logging_config.py).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("qianbao.access")
REQUESTS = Counter("qianbao_http_requests_total", "HTTP requests", ["route", "status"])
LATENCY = Histogram(
    "qianbao_http_request_seconds", "HTTP request latency", ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
_KNOWN_ROUTES = {"/graphql", "/oauth/token", "/auth/login", "/healthz", "/readyz", "/metrics", "/.well-known/jwks.json"}
# An incoming X-Request-ID is kept only if it is a short token safe to echo and log.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SAFE_CODE = re.compile(r"[A-Za-z0-9_]{1,64}")
# Shared with the GraphQL context (api/graphql_endpoint.py): the codes a request was answered with.
OUTCOME_CODES = "qianbao.outcome_codes"
# Error bodies are small; a larger one is not read for its code.
_MAX_ERROR_BODY_BYTES = 16 * 1024
_MAX_LOGGED_PATH = 200


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID if it is a short safe token, else a new one."""
    incoming = dict(headers).get(b"x-request-id", b"").decode("latin-1")
    return incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def codes_in_error_body(body: bytes) -> list[str]:
    """The codes of a JSON error answer: GraphQL `errors[].extensions.code` or OAuth's `error`."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(payload, dict):
        return []
    codes: list[object] = [payload.get("error")]
    errors = payload.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and isinstance(error.get("extensions"), dict):
            codes.append(error["extensions"].get("code"))
    return [code for code in codes if isinstance(code, str)]


def _loggable(path: str) -> str:
    """The path as one printable line (a client chooses it: no forged log lines)."""
    text = path if path.isprintable() else path.encode("unicode_escape").decode("ascii")
    return text if len(text) <= _MAX_LOGGED_PATH else text[:_MAX_LOGGED_PATH] + "..."


def _code_field(codes: list[str]) -> str:
    unique = [code for code in dict.fromkeys(codes) if _SAFE_CODE.fullmatch(code)]
    return f" code={','.join(unique)}" if unique else ""


class RequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope["headers"])
        scope["qianbao.request_id"] = request_id
        codes: list[str] = []
        scope[OUTCOME_CODES] = codes
        route = scope["path"] if scope["path"] in _KNOWN_ROUTES else "other"
        started = time.perf_counter()
        status = 500
        error_body: bytearray | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, error_body
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
                if status >= 400 and _is_json(message["headers"]):
                    error_body = bytearray()
            elif message["type"] == "http.response.body" and error_body is not None:
                error_body += message.get("body", b"")
                if len(error_body) > _MAX_ERROR_BODY_BYTES:
                    error_body = None
                elif not message.get("more_body", False):
                    codes.extend(codes_in_error_body(bytes(error_body)))
                    error_body = None
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            codes.append("INTERNAL")  # its traceback is logged once, by the server
            raise
        finally:
            elapsed = time.perf_counter() - started
            REQUESTS.labels(route, str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            log.info(
                "%s %s %s %.1fms id=%s%s",
                scope["method"], _loggable(scope["path"]), status, elapsed * 1000, request_id, _code_field(codes),
                extra={"access": {
                    "request_id": request_id, "partner_id": scope.get("qianbao.partner_id"), "method": scope["method"],
                    "path": _loggable(scope["path"]), "status": status, "ms": round(elapsed * 1000, 1),
                    "codes": [code for code in dict.fromkeys(codes) if _SAFE_CODE.fullmatch(code)],
                }},
            )


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"content-type" and b"json" in value.lower() for name, value in headers)
