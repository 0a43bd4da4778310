"""An incoming X-Request-ID is echoed only if it is a short safe token (1 to 64 of
A-Z a-z 0-9 . _ -); anything else is replaced by a generated id, which the response
header and the access log line both carry."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest

GENERATED = re.compile(r"[0-9a-f]{32}")

SAFE = ["abc", "A.b_c-9", "0", "x" * 64, "req-2026-12-04T05.55.40_1"]
UNSAFE = [
    b"",
    b"with space",
    b"line\nbreak",
    b"carriage\rreturn",
    b"tab\there",
    b'quo"te',
    b"it's",
    b"x" * 65,
    "\u00fcn\u00efcode".encode(),
    "\u8bf7\u6c42".encode(),
    b"a;b=c",
    b"<script>",
    b"nul\x00byte",
    b"id=forged code=OK",
]


async def _raw_get(app: Any, path: str, request_id: bytes) -> tuple[int, dict[bytes, bytes]]:
    """GET through the ASGI app with header bytes no HTTP client would send as they are."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-request-id", request_id)],
        "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
    }
    messages: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "qianbao.access"]


@pytest.mark.parametrize("request_id", SAFE)
async def test_a_safe_request_id_is_echoed_and_logged(http, caplog, request_id):
    caplog.set_level(logging.INFO)
    response = await http.get("/healthz", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    assert response.headers.get_list("x-request-id") == [request_id]
    lines = _access_lines(caplog)
    assert len(lines) == 1 and lines[0].endswith(f"id={request_id}"), lines


@pytest.mark.parametrize("sent", UNSAFE, ids=lambda value: repr(value)[:20])
async def test_an_unsafe_request_id_is_replaced_by_a_generated_one(app, caplog, sent):
    caplog.set_level(logging.INFO)
    status, headers = await _raw_get(app, "/healthz", sent)
    assert status == 200
    echoed = headers[b"x-request-id"].decode()
    assert GENERATED.fullmatch(echoed), echoed
    lines = _access_lines(caplog)
    assert len(lines) == 1 and lines[0].endswith(f"id={echoed}"), lines
    if sent:
        assert sent.decode("latin-1") not in caplog.text
    assert "\n" not in lines[0] and "\r" not in lines[0]


async def test_a_request_without_an_id_gets_a_new_one_each_time(http):
    first = (await http.get("/healthz")).headers["x-request-id"]
    second = (await http.get("/healthz")).headers["x-request-id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


async def test_an_unsafe_id_on_a_refused_graphql_request_is_replaced_in_the_error_line_too(http, caplog):
    caplog.set_level(logging.INFO)
    response = await http.post(
        "/graphql", json={"query": "{ viewer { kind } }"},
        headers={"Authorization": "Bearer nope", "X-Request-ID": "has space"},
    )
    assert response.status_code == 401
    echoed = response.headers["x-request-id"]
    assert GENERATED.fullmatch(echoed)
    lines = _access_lines(caplog)
    assert len(lines) == 1 and f"id={echoed} code=UNAUTHENTICATED" in lines[0], lines
    assert "has space" not in caplog.text


async def test_a_path_with_control_characters_is_logged_on_one_line(app, caplog):
    caplog.set_level(logging.INFO)
    status, headers = await _raw_get(app, "/nowhere\nFAKE 200 id=forged", b"probe-1")
    assert status == 404
    lines = _access_lines(caplog)
    assert len(lines) == 1 and "\n" not in lines[0] and "id=probe-1" in lines[0], lines


def test_serve_log_config_prints_the_application_lines():
    """`qianbao serve` hands uvicorn a config under which qianbao.* INFO lines reach standard error."""
    script = textwrap.dedent(
        """
        import logging, logging.config
        from api.logging_config import log_config
        logging.config.dictConfig(log_config("info"))
        logging.getLogger("qianbao.access").info("GET /healthz 200 0.1ms id=abc")
        logging.getLogger("qianbao.access").debug("not at info")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.returncode == 0, result.stderr
    assert re.search(r"INFO qianbao\.access GET /healthz 200 0\.1ms id=abc$", result.stderr.strip()), result.stderr
    assert "not at info" not in result.stderr
