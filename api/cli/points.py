"""`qianbao points fund`: fund points that earning left unfunded (hooked into api/cli/parser.py)."""

from __future__ import annotations

import argparse

from api.cli.common import run_with_db, with_db
from api.settings import load_settings


def cmd_points_fund(args: argparse.Namespace) -> int:
    """Set aside in each programme's reserve the value of points held but not funded; print what moved."""
    from services.points.reserve import fund_outstanding

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        total = funded = left = 0
        after = None
        while True:  # in batches, each after the last customer of the one before, until none is left
            run = await fund_outstanding(limit=args.batch, after=after)
            funded, total, left = funded + run.funded, total + run.funded_minor, left + run.left
            if run.last is None:
                break
            after = run.last
        # Amounts across programmes may be in several currencies: the total is in minor units.
        print(f"points funded for {funded} customer(s), {total} minor units moved into the reserves;"
              f" {left} customer(s) left unfunded (a funding wallet could not pay, or their funding changed meanwhile)")
        return 0

    return run_with_db(settings.database_url, work)


def add_points_parser(sub: argparse._SubParsersAction) -> None:
    """Add `points fund` to the top-level sub-commands."""
    points = sub.add_parser("points", help="points programmes").add_subparsers(dest="points_command", required=True)
    fund = with_db(points.add_parser("fund", help="fund points held but not set aside in their programme's reserve"))
    fund.add_argument("--batch", type=int, default=1000, choices=range(1, 100_001), metavar="N",
                      help="customers per batch, 1 to 100000 (default 1000)")
    fund.set_defaults(func=cmd_points_fund)
