"""uvicorn's httptools protocol with the two bounds it lacks: header size and the time to send the headers.

uvicorn's httptools protocol buffers request headers of any size (2 MB of headers were answered 200) and waits
for them for ever (a client sending one header line every 5 s held its connection indefinitely: "slowloris").
This subclass counts the request line and header bytes as the parser hands them over and answers 431 past
QIANBAO_MAX_HEADER_BYTES (16 KiB), and gives a connection QIANBAO_HEADER_TIMEOUT_S (10 s) from its first byte
(or from connecting) to the end of its headers, else answers 408 and closes. A body must then be in within
QIANBAO_BODY_TIMEOUT_S (60 s) of the end of the headers: a client trickling a body is answered 408 and closed too
(unless the app has answered already), and the request task waiting for the rest sees the client gone. The idle
time between keep-alive requests stays uvicorn's own timeout; bodies have their own size limits (api/body_limit.py).
"""

from __future__ import annotations

import asyncio
import json
import logging

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from api.settings import load_settings

log = logging.getLogger("qianbao.access")


class _HeadersTooLarge(Exception):
    """Raised inside a parser callback: httptools stops parsing and uvicorn answers (send_400_response, below)."""


def _limits() -> tuple[int, float, float]:
    """(max header bytes, header timeout, body timeout in seconds) from the settings, read once per process."""
    global _LIMITS
    if _LIMITS is None:
        settings = load_settings()
        _LIMITS = (settings.max_header_bytes, float(settings.header_timeout_s), float(settings.body_timeout_s))
    return _LIMITS


_LIMITS: tuple[int, float, float] | None = None


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses oversized headers (431) and headers or bodies that take too long (408)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the header clock at connection: a client that connects and says nothing is timed out too."""
        super().connection_made(transport)
        self._header_bytes = 0
        self._refusal: tuple[int, str] | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._start_header_clock()

    def _start_header_clock(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(_limits()[1], self._headers_too_slow)

    def _stop_header_clock(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _stop_body_clock(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clocks with the connection."""
        self._stop_header_clock()
        self._stop_body_clock()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """A new request on the connection: its headers are counted and timed afresh."""
        super().on_message_begin()
        self._header_bytes = 0
        self._start_header_clock()

    def on_url(self, url: bytes) -> None:
        """Count the request target toward the header bytes."""
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count each header toward the header bytes."""
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The headers are in, within bounds: the header clock stops and the body clock starts."""
        self._stop_header_clock()
        super().on_headers_complete()
        self._stop_body_clock()
        self._body_timer = self.loop.call_later(_limits()[2], self._body_too_slow)

    def on_message_complete(self) -> None:
        """The whole body is in: the body clock stops."""
        self._stop_body_clock()
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > _limits()[0]:
            self._refusal = (431, "request_header_fields_too_large")
            raise _HeadersTooLarge

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a parse error; ours when the error was our refusal (431, JSON like every error)."""
        if self._refusal is None:
            super().send_400_response(msg)
            return
        status, code = self._refusal
        self._answer_and_close(status, code)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        self._answer_and_close(408, "request_timeout")

    def _body_too_slow(self) -> None:
        self._body_timer = None
        cycle = getattr(self, "cycle", None)
        if self.transport.is_closing() or cycle is None or cycle.response_started:
            return  # answered already (a route may refuse before reading the body): uvicorn closes as usual
        # The request task waiting for the rest of the body sees the client gone (ClientDisconnect, one log line)
        # and writes nothing: the 408 below is the connection's only answer.
        cycle.disconnected = True
        cycle.message_event.set()
        self._answer_and_close(408, "request_timeout")

    def _answer_and_close(self, status: int, code: str) -> None:
        """Write a small JSON error with Connection: close, then close; one log line, no traceback."""
        self._stop_header_clock()
        self._stop_body_clock()
        body = json.dumps({"error": code}).encode()
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n", b"connection: close\r\n\r\n", body]))
        log.info("refused at the connection: %d %s", status, code)
        self.transport.close()
