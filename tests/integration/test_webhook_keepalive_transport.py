"""services.webhooks.keepalive_transport against real sockets: reuse, stale connections, caps, timeouts, odd answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from services.webhooks.keepalive_transport import KeepAliveTransport
from services.webhooks.sender import MAX_RESPONSE_BYTES, build_client, post

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch):
    monkeypatch.setenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")


class Server:
    """A raw TCP server on 127.0.0.1 that runs `script` for every connection and records what it was sent."""

    def __init__(self, script: Script) -> None:
        self.script, self.connections, self.requests = script, 0, []

    async def read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        """One request (head and Content-Length body), or None at end of stream."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
        body = await reader.readexactly(length)
        self.requests.append(head + body)
        return head + body

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.script(reader, writer, self.connections)
        finally:
            writer.close()


@asynccontextmanager
async def serving(script_of: Callable[[Server], Script]):
    server = Server(None)  # type: ignore[arg-type]
    server.script = script_of(server)
    listener = await asyncio.start_server(server._handle, "127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook?x=1"
    try:
        yield server
    finally:
        listener.close()


def answers(*responses: bytes, keep_open: bool = True) -> Callable[[Server], Script]:
    """A script answering each request on a connection with the next response, then (unless keep_open) closing."""
    def script_of(server: Server) -> Script:
        async def script(reader, writer, _n) -> None:
            for response in responses:
                if await server.read_request(reader) is None:
                    return
                writer.write(response)
                await writer.drain()
            if keep_open:
                while await server.read_request(reader) is not None:
                    writer.write(responses[-1])
                    await writer.drain()
        return script
    return script_of


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _post(client: httpx.AsyncClient, url: str, body: bytes = b'{"a":1}'):
    return await post(client, url=url, body=body, headers={"webhook-id": "msg_1", "content-type": "application/json"})


async def test_requests_share_one_keep_alive_connection_and_arrive_intact():
    async with serving(answers(OK)) as server, build_client() as client:
        results = [await _post(client, server.url, b'{"n":%d}' % n) for n in range(3)]
    assert [(r.status, r.body) for r in results] == [(200, "ok")] * 3
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /hook?x=1 HTTP/1.1\r\n") and b"webhook-id: msg_1" in first.lower()
    assert [r.rsplit(b"\r\n\r\n", 1)[1] for r in server.requests] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']


async def test_a_cookie_an_endpoint_sets_is_never_sent_back():
    with_cookie = b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/\r\nContent-Length: 2\r\n\r\nok"
    async with serving(answers(with_cookie)) as server, build_client() as client:
        for _ in range(2):
            assert (await _post(client, server.url)).status == 200
    assert len(server.requests) == 2 and b"cookie" not in server.requests[1].lower()


async def test_an_idle_connection_the_receiver_closed_is_replaced_and_the_request_sent_once():
    async with serving(answers(OK, keep_open=False)) as server, build_client() as client:
        assert (await _post(client, server.url)).status == 200
        await asyncio.sleep(0.05)  # the receiver has closed the idle connection
        again = await _post(client, server.url)
    assert again.status == 200 and server.connections == 2 and len(server.requests) == 2


async def test_a_reused_connection_that_hangs_up_before_answering_is_retried_once_on_a_new_one():
    """The race the idle check cannot see: the receiver drops a kept-alive connection as the next request arrives."""
    def script_of(server: Server) -> Script:
        async def script(reader, writer, n) -> None:
            while await server.read_request(reader) is not None:
                if n == 1 and len(server.requests) == 2:
                    return  # read the second request, hang up without a byte of answer
                writer.write(OK)
                await writer.drain()
        return script

    async with serving(script_of) as server, build_client() as client:
        assert (await _post(client, server.url)).status == 200
        again = await _post(client, server.url)
    assert again.status == 200 and server.connections == 2
    assert len(server.requests) == 3  # the same webhook sent again: receivers drop a repeat by its webhook-id


async def test_a_chunked_body_is_read_only_up_to_the_cap_and_that_connection_not_reused():
    def script_of(server: Server) -> Script:
        async def script(reader, writer, _n) -> None:
            await server.read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            try:
                for _ in range(1000):  # 4 MB offered
                    writer.write(b"1000\r\n" + b"x" * 4096 + b"\r\n")
                    await writer.drain()
            except ConnectionError:
                return  # the client hung up at its cap
        return script

    async with serving(script_of) as server, build_client() as client:
        first = await _post(client, server.url)
        second = await _post(client, server.url)
    assert first.succeeded and len(first.body) == MAX_RESPONSE_BYTES
    assert second.succeeded and server.connections == 2


async def test_a_body_until_close_a_redirect_and_a_1xx_are_read_as_they_are():
    until_close = b"HTTP/1.0 500 Oops\r\n\r\nbroken"
    redirect = b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n"
    async with serving(answers(until_close, keep_open=False)) as server, build_client() as client:
        failed = await _post(client, server.url)
    assert (failed.status, failed.body, failed.error) == (500, "broken", "HTTP 500")
    async with serving(answers(redirect)) as server, build_client() as client:
        moved = await _post(client, server.url)
    assert moved.status == 302 and not moved.succeeded and len(server.requests) == 1  # not followed
    informational = b"HTTP/1.1 100 Continue\r\n\r\n" + OK
    async with serving(answers(informational)) as server, build_client() as client:
        answered = [await _post(client, server.url) for _ in range(2)]
    assert [(r.status, r.body) for r in answered] == [(200, "ok")] * 2 and server.connections == 1  # 1xx skipped


async def test_a_receiver_that_never_answers_times_out_and_one_that_hangs_up_fails():
    def silent(server: Server) -> Script:
        async def script(reader, writer, _n) -> None:
            await server.read_request(reader)
            await asyncio.sleep(5)
        return script

    def hangs_up(server: Server) -> Script:
        async def script(reader, writer, _n) -> None:
            await server.read_request(reader)
        return script

    async with serving(silent) as server, httpx.AsyncClient(transport=build_client()._transport,
                                                            timeout=httpx.Timeout(0.2)) as client:
        slow = await _post(client, server.url)
    assert (slow.status, slow.error) == (None, "timed out")
    async with serving(hangs_up) as server, build_client() as client:
        gone = await _post(client, server.url)
    assert gone.status is None and gone.error.startswith("RemoteProtocolError")


async def test_garbage_instead_of_http_is_a_failed_attempt_and_nothing_listening_is_a_connect_error():
    async with serving(answers(b"SSH-2.0-OpenSSH\r\n\r\n")) as server, build_client() as client:
        garbage = await _post(client, server.url)
        url = server.url
    assert garbage.status is None and garbage.error.startswith("RemoteProtocolError")
    await asyncio.sleep(0.05)
    async with build_client() as client:
        refused = await _post(client, url)  # the listener is closed now
    assert refused.status is None and refused.error.startswith("ConnectError")


async def test_idle_connections_are_capped_per_origin_and_closed_with_the_transport():
    closed: list[int] = []

    def script_of(server: Server) -> Script:
        async def script(reader, writer, n) -> None:
            while await server.read_request(reader) is not None:
                writer.write(OK)
                await writer.drain()
            closed.append(n)  # the client closed this connection
        return script

    transport = KeepAliveTransport(max_idle_per_origin=1)
    async with serving(script_of) as server:
        client = build_client(transport)
        both = await asyncio.gather(_post(client, server.url), _post(client, server.url))  # two connections at once
        assert [r.status for r in both] == [200, 200] and server.connections == 2
        await asyncio.sleep(0.05)
        assert len(closed) == 1  # only one is kept idle
        assert (await _post(client, server.url)).status == 200 and server.connections == 2  # and reused
        await client.aclose()
        await asyncio.sleep(0.05)
    assert sorted(closed) == [1, 2]


def _self_signed(directory) -> tuple[str, str]:
    """A certificate for localhost signed by itself (trusted by nobody), and its key, as PEM files."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


async def test_https_verifies_the_certificate_and_a_self_signed_one_is_refused(tmp_path):
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Server(None)  # type: ignore[arg-type]
    server.script = answers(OK)(server)
    listener = await asyncio.start_server(server._handle, "127.0.0.1", 0, ssl=context)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with build_client() as client:
            refused = await _post(client, f"https://localhost:{port}/hook")
    finally:
        listener.close()
    assert refused.status is None and refused.error.startswith("ConnectError") and "CERTIFICATE_VERIFY_FAILED" in refused.error
    assert server.requests == []  # nothing was sent over the unverified connection
