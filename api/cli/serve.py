"""`qianbao serve`: migrate, make sure a signing key exists, then run the API under uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import os
import re

from api.cli.common import fail, prepare_database, redact, unreachable, with_db
from api.db import DatabaseUnavailable, close_orm, init_orm
from api.http_protocol import BoundedHttpToolsProtocol
from api.logging_config import log_config
from api.settings import PRODUCTION_REQUIRED_ENV, load_settings
from services.pii.master_key import master_key_problem
from services.webhooks.config import DISPATCHER_ENV
from services.webhooks.config import config_problem as webhook_config_problem


DEFAULT_APP = "api.asgi:app"
_APP_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API under uvicorn (uvloop + httptools)."""
    settings = load_settings(database_url=args.database_url)
    if args.workers < 1:
        return fail("--workers must be at least 1")
    if not _APP_PATH.fullmatch(args.app):
        return fail(f"--app must be module:attribute (default {DEFAULT_APP}), not {args.app!r}")
    if settings.production and args.app != DEFAULT_APP:
        return fail(f"--app is for benchmarks: production serves {DEFAULT_APP}")
    if settings.is_sqlite and args.workers > 1:
        return fail(
            "--workers above 1 needs PostgreSQL: several processes writing one SQLite file are not safe. "
            "Set QIANBAO_DATABASE_URL=postgres://... or run one worker."
        )
    if (problem := webhook_config_problem()) is not None:
        return fail(problem)
    if settings.production and (problem := production_problem()) is not None:
        return fail(problem)  # fail now, not at the first KYC submission
    try:
        asyncio.run(_serve_prepare(settings.database_url, settings.issuer, settings.audience))
    except DatabaseUnavailable as exc:
        return fail(unreachable(settings.database_url, exc))
    os.environ["QIANBAO_DATABASE_URL"] = settings.database_url  # the workers read it
    if args.no_worker:
        os.environ[DISPATCHER_ENV] = "off"  # webhooks are dispatched by `qianbao worker`
    import uvicorn

    print(f"Qianbao listening on http://{args.host}:{args.port}/graphql ({settings.env}, {redact(settings.database_url)})")
    options = dict(
        # httptools with a bound on header size and time (api/http_protocol.py).
        host=args.host, port=args.port, workers=args.workers, loop="uvloop", http=BoundedHttpToolsProtocol,
        log_level=args.log_level, log_config=log_config(args.log_level), access_log=False, proxy_headers=False,
        # SIGTERM: stop accepting, let requests in flight finish (each is one database transaction: it commits and
        # is answered, or rolls back), then the lifespan stops the background jobs and closes the pool.
        timeout_graceful_shutdown=settings.shutdown_grace_s,
    )
    if args.workers == 1:
        uvicorn.run(args.app, **options)
    else:
        # One SO_REUSEPORT socket per worker: the kernel spreads connections evenly (api/balanced_workers.py).
        from api.balanced_workers import run_balanced

        run_balanced(uvicorn.Config(args.app, **options))
    return 0


def production_problem() -> str | None:
    """Why production mode cannot start with this environment, or None when it can."""
    if (problem := master_key_problem()) is not None:
        return problem
    missing = [name for name in PRODUCTION_REQUIRED_ENV if not os.environ.get(name, "").strip()]
    return f"production mode needs {', '.join(missing)} set" if missing else None


async def _serve_prepare(database_url: str, issuer: str, audience: str) -> None:
    # Migrate and create the first signing key once, before any worker starts,
    # so every worker process signs with the same key.
    from services.customer_pii import seal_clear_customers
    from services.signing_keys import ensure_signing_key

    await prepare_database(database_url)
    await init_orm(database_url)
    try:
        await ensure_signing_key()
        await seal_clear_customers()  # customers stored before migration 0035: sealed once, before any worker serves
    finally:
        await close_orm()


def add_serve_parser(sub: argparse._SubParsersAction) -> None:
    """Add `serve` to the top-level sub-commands."""
    serve = with_db(sub.add_parser("serve", help="run the API"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-worker", action="store_true",
                       help="do not dispatch webhooks in this process (run `qianbao worker` for them)")
    serve.add_argument("--app", default=DEFAULT_APP,
                       help=f"the ASGI application, module:attribute (default {DEFAULT_APP}; refused in production)."
                       " bench/transfers.py serves bench.transfer_bench.plain_asgi:app: the API plus plain JSON routes"
                       " that do what two GraphQL operations do, to measure the GraphQL layer alone")
    serve.set_defaults(func=cmd_serve)
