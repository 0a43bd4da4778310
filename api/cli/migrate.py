"""`qianbao migrate`: apply pending migrations and store the shipped policy packs."""

from __future__ import annotations

import argparse
import asyncio

from api.cli.common import fail, prepare_database, redact, unreachable, with_db
from api.db import DatabaseUnavailable, close_orm, init_orm
from api.settings import load_settings


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    settings = load_settings(database_url=args.database_url)
    async def migrate_and_seed() -> None:
        await prepare_database(settings.database_url)
        await init_orm(settings.database_url)  # stores the shipped policy packs that are missing
        await close_orm()

    try:
        asyncio.run(migrate_and_seed())
    except DatabaseUnavailable as exc:
        return fail(unreachable(settings.database_url, exc))
    print(f"migrations applied to {redact(settings.database_url)}")
    return 0


def add_migrate_parser(sub: argparse._SubParsersAction) -> None:
    """Add `migrate` to the top-level sub-commands."""
    with_db(sub.add_parser("migrate", help="apply migrations")).set_defaults(func=cmd_migrate)
