"""The `qianbao` argument parser, one command group per module, and the console-script entry point."""

from __future__ import annotations

import argparse

from api.cli.audit import add_audit_parser
from api.cli.demo import add_demo_parser
from api.cli.events import add_events_parser
from api.cli.retention import add_retention_parser
from api.cli.fx import add_fx_parser
from api.cli.keys import add_keys_parser
from api.cli.ledger import add_ledger_parser
from api.cli.migrate import add_migrate_parser
from api.cli.partner import add_partner_parser
from api.cli.points import add_points_parser
from api.cli.reports import add_reports_parser
from api.cli.serve import add_serve_parser
from api.cli.settlement import add_settlement_parser
from api.cli.staff import add_staff_parser
from api.cli.watchlist import add_watchlist_parser
from api.cli.worker import add_worker_parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="qianbao", description="Qianbao wallet API")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_parser(sub)
    add_migrate_parser(sub)
    add_demo_parser(sub)
    add_partner_parser(sub)
    add_staff_parser(sub)
    add_keys_parser(sub)
    add_audit_parser(sub)
    add_ledger_parser(sub)
    add_points_parser(sub)
    add_events_parser(sub)
    add_retention_parser(sub)
    add_watchlist_parser(sub)
    add_settlement_parser(sub)
    add_worker_parser(sub)
    add_fx_parser(sub)
    add_reports_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qianbao` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)

