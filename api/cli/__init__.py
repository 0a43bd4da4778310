"""The `qianbao` command line: serve, migrate, demo, partner, staff, keys, audit, ledger, watchlist."""

from api.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
