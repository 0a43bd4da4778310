"""`qianbao ledger verify`: check every ledger invariant and list what breaks."""

from __future__ import annotations

import argparse

from api.cli.common import run_with_db, with_db
from api.settings import load_settings


def cmd_ledger_verify(args: argparse.Namespace) -> int:
    """Check every ledger invariant; exit 1 and list what breaks."""
    from services.ledger.verify import verify_ledger

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        report = await verify_ledger()
        print(f"checked {report.transactions} transactions, {report.entries} entries, {report.accounts} accounts")
        if report.ok:
            print("ledger OK: every transaction balances, every balance equals its entries, none is negative")
            return 0
        for problem in report.problems:
            print(f"BROKEN: {problem}")
        return 1

    return run_with_db(settings.database_url, work)


def add_ledger_parser(sub: argparse._SubParsersAction) -> None:
    """Add `ledger verify` to the top-level sub-commands."""
    ledger = sub.add_parser("ledger", help="ledger tools").add_subparsers(dest="ledger_command", required=True)
    with_db(ledger.add_parser("verify", help="check every ledger invariant")).set_defaults(func=cmd_ledger_verify)
