"""The dispatcher's HTTP/1.1 transport: h11 over asyncio streams, keep-alive connections pooled per origin.

httpx's default transport (httpcore) spent about 1 ms of CPU per webhook in
bench/webhooks.py, most of it checking every pooled connection for expiry on
every request. This transport does the same protocol work with h11 (the parser
httpcore itself uses) and keeps idle connections in a list per origin, so a
request costs what depends on it. It plugs in under `httpx.AsyncClient`, so
redirects stay unfollowed, timeouts and the response cap stay in
services.webhooks.sender, and connections are made only to addresses checked a
moment before (services.webhooks.pinned_connect).

A reused connection that the peer closed while idle is noticed when nothing of
the response has arrived, and the request is sent once more on a new
connection; receivers drop a repeat by its webhook-id.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import certifi
import h11
import httpx

from services.webhooks.pinned_connect import connect_checked

READ_SIZE = 64 * 1024
MAX_IDLE_PER_ORIGIN = 20  # the dispatcher's CONCURRENCY: one idle connection per delivery in flight

Origin = tuple[str, str, int]


class _Stale(Exception):
    """A reused connection turned out closed before any byte of the response came back."""


class _Connection:
    """One TCP (or TLS) connection and its HTTP/1.1 state."""

    __slots__ = ("reader", "writer", "protocol")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol = h11.Connection(our_role=h11.CLIENT)

    def usable(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """An httpx transport speaking HTTP/1.1 with h11, reusing idle connections per (scheme, host, port)."""

    def __init__(self, *, max_idle_per_origin: int = MAX_IDLE_PER_ORIGIN) -> None:
        self._idle: dict[Origin, list[_Connection]] = {}
        self._max_idle = max_idle_per_origin
        self._tls = ssl.create_default_context(cafile=certifi.where())
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request on an idle connection of its origin (or a new one) and return its streamed response."""
        url = request.url
        if url.scheme not in ("http", "https") or not url.host:
            raise httpx.UnsupportedProtocol(f"webhooks go to http or https URLs, not {url.scheme!r}")
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        head = h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw)
        body = await request.aread()
        connection = self._take_idle(origin)
        if connection is not None:
            try:
                return await self._exchange(connection, origin, head, body, timeouts, reused=True)
            except _Stale:
                pass  # closed while idle: nothing reached us, so send again on a new connection
        connection = await self._connect(origin, timeouts.get("connect"))
        return await self._exchange(connection, origin, head, body, timeouts, reused=False)

    async def aclose(self) -> None:
        """Close every idle connection; responses still open close theirs when read."""
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    def _take_idle(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return None

    def _give_back(self, origin: Origin, connection: _Connection) -> None:
        """Keep a connection whose exchange ended cleanly for the next request; close any other."""
        protocol = connection.protocol
        if (not self._closed and connection.usable() and protocol.our_state is h11.DONE
                and protocol.their_state is h11.DONE):
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                protocol.start_next_cycle()
                idle.append(connection)
                return
        connection.close()

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await connect_checked(
                    host, port, tls=self._tls if scheme == "https" else None, limit=READ_SIZE)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} took longer than {timeout} s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, origin: Origin, head: h11.Request, body: bytes,
                        timeouts: dict, *, reused: bool) -> httpx.Response:
        """Write the request and read the response head; the body streams from the returned response."""
        protocol = connection.protocol
        try:
            try:
                data = protocol.send(head) + (protocol.send(h11.Data(data=body)) if body else b"")
                connection.writer.write(data + protocol.send(h11.EndOfMessage()))
            except h11.LocalProtocolError as exc:  # a header value with a line break, say: nothing was sent
                raise httpx.LocalProtocolError(str(exc)) from exc
            try:
                async with asyncio.timeout(timeouts.get("write")):
                    await connection.writer.drain()
            except TimeoutError as exc:
                raise httpx.WriteTimeout("the request could not be written in time") from exc
            except OSError as exc:
                if reused:
                    raise _Stale from exc
                raise httpx.WriteError(f"{type(exc).__name__}: {exc}") from exc
            event = await _next_event(connection, timeouts.get("read"), first=reused)
            while isinstance(event, h11.InformationalResponse):  # 1xx: the real answer follows
                event = await _next_event(connection, timeouts.get("read"), first=False)
        except BaseException:
            connection.close()
            raise
        if not isinstance(event, h11.Response):
            connection.close()
            raise httpx.RemoteProtocolError("the server closed the connection without a response")
        stream = _ResponseBody(self, connection, origin, timeouts.get("read"))
        return httpx.Response(status_code=event.status_code, headers=event.headers, stream=stream,
                              extensions={"http_version": b"HTTP/1.1", "reason_phrase": event.reason})


async def _next_event(connection: _Connection, timeout: float | None, *, first: bool) -> object:
    """The next h11 event, reading as needed; `first`: an empty or reset read means the idle connection was stale."""
    protocol = connection.protocol
    while True:
        try:
            event = protocol.next_event()
        except h11.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        if event is not h11.NEED_DATA:
            return event
        try:
            async with asyncio.timeout(timeout):
                chunk = await connection.reader.read(READ_SIZE)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no answer within {timeout} s") from exc
        except OSError as exc:
            if first:
                raise _Stale from exc
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc
        if not chunk and first:
            raise _Stale
        first = False
        protocol.receive_data(chunk)


class _ResponseBody(httpx.AsyncByteStream):
    """A response's body as it arrives; closing it returns a cleanly finished connection to the pool."""

    def __init__(self, transport: KeepAliveTransport, connection: _Connection, origin: Origin,
                 timeout: float | None) -> None:
        self._transport, self._connection, self._origin, self._timeout = transport, connection, origin, timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self._done:
            event = await _next_event(self._connection, self._timeout, first=False)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                self._done = True

    async def aclose(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        if self._done:
            self._transport._give_back(self._origin, connection)
        else:  # not read to the end (the response cap, an error): the connection cannot carry another request
            connection.close()
