"""`qianbao reports rollup`: roll the reporting rollups of every closed day now (hooked into api/cli/parser.py)."""

from __future__ import annotations

import argparse

from api.cli.common import run_with_db, with_db
from api.settings import load_settings


def cmd_reports_rollup(args: argparse.Namespace) -> int:
    """Roll every closed UTC day not rolled yet and the open day so far; print what. The server does it every 15 min."""
    from services.reporting.schedule import roll_once

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        run = await roll_once()
        today = f"; today rolled up to {run.partial_until.isoformat()}" if run.partial_until else ""
        print(f"reporting rollups: {run.days} closed day(s) rolled{today}")
        for key in run.too_large:
            print(f"not rolled: {key}, its totals do not fit 64 bits (reports over it read the ledger)")
        return 0

    return run_with_db(settings.database_url, work)


def add_reports_parser(sub: argparse._SubParsersAction) -> None:
    """Add `reports rollup` to the top-level sub-commands."""
    reports = sub.add_parser("reports", help="staff reporting").add_subparsers(dest="reports_command", required=True)
    rollup = with_db(reports.add_parser("rollup", help="roll closed days into the reporting rollups now"))
    rollup.set_defaults(func=cmd_reports_rollup)
