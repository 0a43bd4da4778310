"""`qianbao retention purge`: delete what is past its retention (services.retention); the dispatcher does it hourly."""

from __future__ import annotations

import argparse
import sys

from api.cli.common import run_with_db, with_db
from api.settings import load_settings


def cmd_retention_purge(args: argparse.Namespace) -> int:
    """Purge idempotency keys, finished webhook deliveries and passed events past their retention; print how many."""
    from services import clock
    from services.retention import IDEMPOTENCY_MIN_HOURS, purge_expired

    settings = load_settings(database_url=args.database_url)
    hours = args.idempotency_hours if args.idempotency_hours is not None else settings.idempotency_retention_hours
    if hours < IDEMPOTENCY_MIN_HOURS:
        print(f"refused: idempotency keys are kept at least {IDEMPOTENCY_MIN_HOURS} hours (--idempotency-hours {hours})",
              file=sys.stderr)
        return 2

    async def work() -> int:
        purged = await purge_expired(now=clock.now(), idempotency_hours=hours)
        print(f"purged {purged.idempotency_keys} idempotency keys older than {hours} h,"
              f" {purged.webhook_deliveries} finished webhook deliveries and {purged.events} events older than 30 days")
        return 0

    return run_with_db(settings.database_url, work)


def add_retention_parser(sub: argparse._SubParsersAction) -> None:
    """Add `retention purge` to the top-level sub-commands."""
    retention = sub.add_parser("retention", help="data past its retention").add_subparsers(dest="retention_command", required=True)
    purge = with_db(retention.add_parser("purge", help="delete idempotency keys, finished deliveries and events past their retention"))
    purge.add_argument("--idempotency-hours", type=int, default=None,
                       help="keys older than this many hours go (at least 72; default QIANBAO_IDEMPOTENCY_RETENTION_HOURS, 72)")
    purge.set_defaults(func=cmd_retention_purge)
