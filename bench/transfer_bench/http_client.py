"""The load generator's HTTP: a minimal keep-alive HTTP/1.1 client on asyncio streams.

It runs on uvloop in the benchmark's own process and shares the machine's cores
with the server and PostgreSQL, so it must stay cheap (its CPU use is reported too).
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any


class HttpError(Exception):
    """The server answered something this minimal client cannot read."""


class HttpConnection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: just enough for JSON POSTs."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0

    async def _ensure(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connects += 1
        return self.reader, self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        reader, writer = await self._ensure()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        try:
            raw_head = await reader.readuntil(b"\r\n\r\n")
            lines = raw_head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            response_headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    response_headers[name.strip().lower()] = value.strip()
            if "content-length" in response_headers:
                payload = await reader.readexactly(int(response_headers["content-length"]))
            elif response_headers.get("transfer-encoding", "").lower() == "chunked":
                payload = await self._read_chunked(reader)
            else:
                raise HttpError("response without Content-Length or chunked encoding")
        except BaseException:
            self.close()
            raise
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)


class GraphQLSession:
    """A partner's bearer token and one connection, for set-up calls."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.conn = HttpConnection(host, port)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    async def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.conn.request(
            "POST", "/graphql", json.dumps({"query": query, "variables": variables}).encode(), self.headers
        )
        data = json.loads(body)
        if status != 200 or data.get("errors"):
            raise RuntimeError(f"GraphQL call failed (HTTP {status}): {body[:500]!r}")
        return data["data"]

    async def payload(self, field_name: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        result = (await self.call(query, variables))[field_name]
        if result.get("userErrors"):
            raise RuntimeError(f"{field_name} refused: {result['userErrors']}")
        return result
