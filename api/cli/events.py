"""`qianbao events purge`: delete old events from the outbox (kept at least 30 days; the dispatcher also runs it hourly)."""

from __future__ import annotations

import argparse
import sys

from api.cli.common import run_with_db, with_db
from api.settings import load_settings


def cmd_events_purge(args: argparse.Namespace) -> int:
    """Delete events older than --older-than-days (never fewer than 30) that webhooks are done with; print how many."""
    from services.event_feed import RETENTION_DAYS, purge_events

    if args.older_than_days < RETENTION_DAYS:
        print(f"refused: events are kept at least {RETENTION_DAYS} days (--older-than-days {args.older_than_days})",
              file=sys.stderr)
        return 2
    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        deleted = await purge_events(older_than_days=args.older_than_days, include_undelivered=args.include_undelivered)
        passed = "" if args.include_undelivered else " (that the webhook fan-out has passed)"
        print(f"purged {deleted} events older than {args.older_than_days} days{passed}")
        return 0

    return run_with_db(settings.database_url, work)


def add_events_parser(sub: argparse._SubParsersAction) -> None:
    """Add `events purge` to the top-level sub-commands."""
    events = sub.add_parser("events", help="the domain event outbox").add_subparsers(dest="events_command", required=True)
    purge = with_db(events.add_parser("purge", help="delete events older than N days (at least 30) that webhooks are done with"))
    purge.add_argument("--older-than-days", type=int, default=30, help="age in days, at least 30 (default 30)")
    purge.add_argument("--include-undelivered", action="store_true",
                       help="also delete old events the webhook fan-out never reached (no dispatcher ran)")
    purge.set_defaults(func=cmd_events_purge)
