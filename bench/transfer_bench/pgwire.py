"""A PostgreSQL wire-protocol relay that counts the messages clients send (SQL round trips)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter


class PgWireCounter:
    """A TCP relay to PostgreSQL that counts what clients send, per wire-protocol message.

    Round trips are counted as Sync ('S') plus simple Query ('Q') messages (each
    makes the client wait for the server), and cross-checked by counting the
    times a client starts sending again after the server has answered. The SQL
    of each Parse/Query is recorded so one transfer's statements can be listed.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts: Counter = Counter()
        self.trace: list[str] | None = None
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    def snapshot(self) -> Counter:
        return Counter(self.counts)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        state = {"last": "server", "statements": {}}

        async def server_to_client() -> None:
            try:
                while data := await server_r.read(65536):
                    state["last"] = "server"
                    client_w.write(data)
                    await client_w.drain()
            finally:
                client_w.close()

        async def client_to_server() -> None:
            try:
                await self._pump_client(client_r, server_w, state)
            finally:
                server_w.close()

        with contextlib.suppress(Exception):
            await asyncio.gather(server_to_client(), client_to_server())

    async def _pump_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict) -> None:
        # Untyped start-up messages first (SSLRequest / GSSENCRequest, then StartupMessage).
        while True:
            head = await reader.readexactly(8)
            length, code = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
            rest = await reader.readexactly(length - 8)
            writer.write(head + rest)
            await writer.drain()
            if code not in (80877103, 80877104):  # not SSL/GSSENC negotiation: that was the StartupMessage
                break
        statements: dict[bytes, str] = state["statements"]
        while True:
            head = await reader.readexactly(5)
            kind, length = chr(head[0]), int.from_bytes(head[1:], "big")
            body = await reader.readexactly(length - 4)
            if state["last"] == "server":
                self.counts["flips"] += 1
                state["last"] = "client"
            self.counts[kind] += 1
            if kind == "Q":
                self._trace("Q " + body[:-1].decode(errors="replace"))
            elif kind == "P":
                name, _, rest = body.partition(b"\0")
                sql = rest.partition(b"\0")[0].decode(errors="replace")
                statements[name] = sql
                self._trace("P " + sql)
            elif kind == "B":
                _portal, _, rest = body.partition(b"\0")
                name = rest.partition(b"\0")[0]
                self._trace("B " + statements.get(name, f"<statement {name!r}>"))
            elif kind == "S":
                self._trace("S")
            writer.write(head + body)
            await writer.drain()

    def _trace(self, line: str) -> None:
        if self.trace is not None:
            self.trace.append(line)
