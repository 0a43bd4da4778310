"""`qianbao worker`: run the webhook dispatcher alone (production), beside `qianbao serve --no-worker`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from api.cli.common import fail, run_with_db, with_db
from api.db import serving_session_settings
from api.settings import load_settings
from services.webhooks.config import config_problem


def cmd_worker(args: argparse.Namespace) -> int:
    """Dispatch webhooks until SIGTERM/SIGINT; several workers on one PostgreSQL share the work (SKIP LOCKED)."""
    settings = load_settings(database_url=args.database_url)
    if (problem := config_problem()) is not None:
        return fail(problem)
    if settings.is_sqlite and not args.allow_sqlite:
        return fail(
            "qianbao worker needs PostgreSQL: several processes on one SQLite file are not safe. With SQLite, "
            "`qianbao serve` dispatches webhooks in-process (pass --allow-sqlite only when no serve process runs)."
        )
    # The worker posts too (expired authorisations, rail outcomes, points): the serving processes' session limits.
    return run_with_db(settings.database_url, lambda: _run(args.once, settings.idempotency_retention_hours),
                       serving_session_settings(settings))


async def _run(once: bool, idempotency_hours: int) -> int:
    from schema.events.payload import wire_payload
    from services.webhooks.dispatcher import run_forever, run_once
    from services.webhooks.sender import build_client

    if once:
        async with build_client() as client:
            sent = await run_once(client, wire=wire_payload)
        print(f"webhooks: {sent} delivery attempt(s) made")
        return 0
    print("qianbao worker: dispatching webhooks (Ctrl-C or SIGTERM to stop)")
    task = asyncio.create_task(run_forever(wire=wire_payload, idempotency_hours=idempotency_hours))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return 0


def add_worker_parser(sub: argparse._SubParsersAction) -> None:
    """Add `worker` to the top-level sub-commands."""
    worker = with_db(sub.add_parser("worker", help="run the webhook dispatcher alone (pair with serve --no-worker)"))
    worker.add_argument("--once", action="store_true", help="one round (fan out, send what is due), then exit")
    worker.add_argument("--allow-sqlite", action="store_true", help="run on SQLite (only when no serve process uses the file)")
    worker.set_defaults(func=cmd_worker)
