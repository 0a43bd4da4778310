"""A real HTTP receiver for webhook tests: a Starlette app on 127.0.0.1 served by uvicorn in the test's loop."""

from __future__ import annotations

import asyncio
import socket
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from models import DomainEvent


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def receiver():
    port = _free_port()
    box = Receiver(url=f"http://127.0.0.1:{port}/hook")

    async def hook(request: Request) -> PlainTextResponse:
        box.received.append((dict(request.headers), await request.body()))
        return PlainTextResponse("ok" if box.status < 300 else "nope", status_code=box.status)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield box
    finally:
        server.should_exit = True
        await task


WALLET_ID, CUSTOMER_ID = uuid.UUID(int=0x5EED), uuid.UUID(int=0xC0FFEE)


async def emit(partner_id, type_: str = "wallet.frozen", payload: dict | None = None):
    """One outbox row for the partner, written directly (the outbox writer and its catalogue are tested on their own)."""
    return await DomainEvent.create(type=type_, partner_id=partner_id, object_type="Wallet", object_id=str(WALLET_ID),
                                    payload=payload or {"walletId": str(WALLET_ID), "customerId": str(CUSTOMER_ID)})
