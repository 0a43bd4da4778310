"""`qianbao watchlist load FILE`: replace sanctions/watchlist entries from a CSV file (hooked into api/cli/parser.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings

_ACTOR = "qianbao watchlist load"


def cmd_watchlist_load(args: argparse.Namespace) -> int:
    """Load a watchlist CSV file; print counts; audit the run. Exit 1 (loading nothing) on a bad or unreadable file."""
    from services.audit import Actor, record_event
    from services.screening.watchlist import WatchlistFileInvalid, load_watchlist_csv

    settings = load_settings(database_url=args.database_url)
    path = Path(args.file)

    async def work() -> int:
        actor = Actor(kind="cli", id=_ACTOR)
        try:
            report = await load_watchlist_csv(path)
        except WatchlistFileInvalid as exc:
            await record_event(actor=actor, operation="watchlistLoad", outcome=exc.code, object_type="WatchlistEntry",
                               detail=exc.message)
            return fail(exc.message, code=1)
        except OSError as exc:
            reason = f"cannot read {path}: {exc.strerror or exc}; nothing was loaded"
            await record_event(actor=actor, operation="watchlistLoad", outcome="UNREADABLE", object_type="WatchlistEntry",
                               detail=reason)
            return fail(reason, code=1)
        lists = " ".join(f"{list_id}={count}(was {report.replaced[list_id]})" for list_id, count in report.entries.items())
        await record_event(actor=actor, operation="watchlistLoad", outcome="OK", object_type="WatchlistEntry",
                           detail=f"file={path.name} {lists or 'no rows'}")
        for list_id, count in report.entries.items():
            print(f"list {list_id}: {count} entries loaded, {report.replaced[list_id]} replaced")
        print(f"{report.total} entries ({report.names} names and aliases) loaded from {path.name};"
              " every worker rebuilds its screening index")
        return 0

    return run_with_db(settings.database_url, work)


def add_watchlist_parser(sub: argparse._SubParsersAction) -> None:
    """Add `watchlist load FILE` to the top-level sub-commands."""
    watchlist = sub.add_parser("watchlist", help="sanctions and watchlist screening").add_subparsers(
        dest="watchlist_command", required=True
    )
    load = with_db(watchlist.add_parser(
        "load", help="replace every entry of the list ids in a CSV file (list_id,name,aliases,date_of_birth,country)"
    ))
    load.add_argument("file", help="CSV file; aliases separated by ';'; a file with one bad row loads nothing")
    load.set_defaults(func=cmd_watchlist_load)
