"""The HTTP edge of `qianbao serve` (api/http_protocol.py, issue 19 item 3): oversized headers are 431, headers
trickled in too slowly are 408, a silent connection is closed, and ordinary keep-alive traffic is untouched."""

from __future__ import annotations

import socket
import time

import pytest

from tests.live_server import live_server

@pytest.fixture(scope="module")
def edge_server(tmp_path_factory):
    """`qianbao serve` on its own SQLite file with 2-second header and body clocks and an 8 KiB header bound: its port."""
    workdir = tmp_path_factory.mktemp("edge")
    with live_server(f"sqlite://{workdir / 'edge.sqlite3'}", workdir, QIANBAO_HEADER_TIMEOUT_S="2",
                     QIANBAO_BODY_TIMEOUT_S="2", QIANBAO_MAX_HEADER_BYTES="8192") as server:
        yield server.port
    assert "Traceback" not in server.log(), server.log()[server.log().find("Traceback"):][:3000]
    assert "client disconnected before sending its whole request" in server.log()


def _exchange(port: int, data: bytes, *, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(data)
        return _read_all(conn)


def _read_all(conn: socket.socket) -> bytes:
    """One response: its head, then content-length bytes of body (or until the server closes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    while length is not None and len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_headers_within_the_bound_are_served(edge_server):
    answer = _exchange(edge_server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"a" * 6000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("size", [9000, 2_000_000])
def test_oversized_headers_are_431_json_and_the_connection_closes(edge_server, size):
    answer = _exchange(edge_server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431")
    assert answer.endswith(b'{"error": "request_header_fields_too_large"}')


def test_a_long_request_target_counts_too(edge_server):
    answer = _exchange(edge_server, b"GET /healthz?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431")


def _trickle(conn: socket.socket, head: bytes, pieces) -> tuple[bytes, float]:  # noqa: ANN001 - an iterator of bytes
    """Send `head`, then one piece every 0.5 s until the server answers (or 8 s): the answer and the seconds taken."""
    started = time.monotonic()
    conn.sendall(head)
    answer = b""
    for piece in pieces:
        if answer or time.monotonic() - started >= 8:
            break
        try:
            conn.sendall(piece)
        except OSError:
            break
        conn.settimeout(0.5)
        try:
            answer = conn.recv(4096)
        except TimeoutError:
            pass
    return answer, time.monotonic() - started


def test_headers_trickled_in_are_408_within_the_header_timeout(edge_server):
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as conn:
        answer, elapsed = _trickle(conn, b"GET /healthz HTTP/1.1\r\nHost: t\r\n", iter(lambda: b"X-Slow: 1\r\n", None))
    assert answer.startswith(b"HTTP/1.1 408") and answer.endswith(b'{"error": "request_timeout"}'), answer
    assert 1.5 <= elapsed < 4


def test_a_silent_connection_is_closed_and_keep_alive_idling_is_not(edge_server):
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as silent:
        started = time.monotonic()
        assert silent.recv(4096).startswith(b"HTTP/1.1 408")
        assert 1.5 <= time.monotonic() - started < 4
    # A keep-alive connection idle for longer than the header clock between two requests is served both times:
    # the clock runs from a request's first byte to the end of its headers, not between requests.
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _read_all(conn).startswith(b"HTTP/1.1 200")
        time.sleep(3)
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _read_all(conn).startswith(b"HTTP/1.1 200")


def test_a_client_gone_mid_body_is_one_line_not_a_500(edge_server):
    # Found by the state machine's lost-answer fault: the body read raised ClientDisconnect, answered 500 INTERNAL
    # with a traceback. Now one log line (and the module fixture checks the log holds no traceback).
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as conn:
        # /auth/login reads its body before anything else (on /graphql the token is checked first).
        conn.sendall(b"POST /auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                     b'{"email": "a@b.example", "pass')
        time.sleep(0.3)
    time.sleep(0.5)
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as conn:  # the server is still serving
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _read_all(conn).startswith(b"HTTP/1.1 200")


LOGIN_HEAD = b"POST /auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
LOGIN_BODY = b'{"email": "nobody@bank.example", "password": "not the password at all"}'


def test_a_body_trickled_in_is_408_within_the_body_timeout(edge_server):
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as conn:
        # One byte every 0.5 s, never the last: the whole body is never in, let alone within 2 s.
        answer, elapsed = _trickle(conn, LOGIN_HEAD % len(LOGIN_BODY), (LOGIN_BODY[i:i + 1] for i in range(len(LOGIN_BODY) - 1)))
        assert answer.startswith(b"HTTP/1.1 408") and answer.endswith(b'{"error": "request_timeout"}'), answer
        assert 1.5 <= elapsed < 4
        conn.settimeout(2)
        assert _closed(conn)


def _closed(conn: socket.socket) -> bool:
    """Whether the server closed the connection: an orderly end, or a reset (the server closed it while a trickled
    byte it never read was arriving, and its kernel answered that byte with RST)."""
    try:
        return conn.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_a_slow_body_within_the_bound_and_keep_alive_after_it_are_served(edge_server):
    with socket.create_connection(("127.0.0.1", edge_server), timeout=10) as conn:
        conn.sendall(LOGIN_HEAD % len(LOGIN_BODY) + LOGIN_BODY[:20])
        time.sleep(1.2)
        conn.sendall(LOGIN_BODY[20:])
        first = _read_all(conn)
        assert first.startswith(b"HTTP/1.1 401"), first[:200]  # answered on its merits: a wrong password
        time.sleep(2.5)  # longer than the body clock, between requests: the clock stopped with the body
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _read_all(conn).startswith(b"HTTP/1.1 200")
