"""`qianbao worker` and the dispatcher shared by several processes (PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import httpx

from api.cli.parser import build_parser
from schema.events.payload import wire_payload
from models import WebhookDelivery
from services.webhooks import dispatcher as dispatcher_module
from services.webhooks.dispatcher import fan_out, run_once
from services.webhooks.endpoints import create_endpoint
from services.webhooks.sender import build_client
from tests.conftest import requires_postgres
from tests.integration.service_support import new_partner
from tests.integration.test_cli import assert_clean_failure, qianbao
from tests.integration.webhook_support import emit


def test_the_worker_and_serve_flags_parse():
    args = build_parser().parse_args(["worker", "--once", "--database-url", "postgres://x/y"])
    assert args.command == "worker" and args.once
    assert build_parser().parse_args(["serve", "--no-worker"]).no_worker


def test_the_worker_refuses_sqlite_without_the_flag(tmp_path):
    line = assert_clean_failure(qianbao("worker", "--database-url", f"sqlite://{tmp_path}/x.sqlite3", cwd=tmp_path, timeout_s=60))
    assert "PostgreSQL" in line


def test_the_worker_runs_once_on_sqlite_when_allowed(tmp_path):
    result = qianbao("worker", "--once", "--allow-sqlite", "--database-url", f"sqlite://{tmp_path}/x.sqlite3",
                     cwd=tmp_path, timeout_s=120)
    assert result.returncode == 0, result.stderr
    assert "0 delivery attempt(s)" in result.stdout


@requires_postgres
async def test_two_dispatchers_deliver_each_event_once(database_url, monkeypatch):
    monkeypatch.setenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setattr(dispatcher_module, "CONCURRENCY", 4)  # 4 dispatchers x 4: gentle on a shared server
    monkeypatch.setattr(dispatcher_module, "CLAIM_BATCH", 10)  # small batches, so the dispatchers interleave
    while await fan_out(now=datetime.now(timezone.utc), wire=wire_payload):
        pass
    await WebhookDelivery.filter(status="PENDING").update(status="FAILED")  # left by other tests: not ours to count
    principal = await new_partner("wh-pg-two")
    endpoint = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])).endpoint
    events = [await emit(principal.partner_id) for _ in range(60)]
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        seen.append(request.headers["webhook-id"])
        return httpx.Response(200)

    async def dispatcher() -> None:
        async with build_client(httpx.MockTransport(handler)) as client:
            for _ in range(10):
                await run_once(client, wire=wire_payload)

    await asyncio.gather(*(dispatcher() for _ in range(4)))
    assert len(seen) == len(events) == len(set(seen))
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id, status="SUCCEEDED").count() == len(events)
