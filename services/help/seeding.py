"""Storing the starter set (services.help.starter_articles): inserted when missing, never overwritten.

Run by the help migration (models/migrations/0025_help.py) on a new database, through the migration's own
connection and plain SQL (the ORM's models are not set up while migrations run). Once stored, an article is
the bank's content, changed only through helpArticleUpdate; running this again inserts only what is missing
(matched by locale and slug), so it is safe to run at any time.
"""

from __future__ import annotations

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from models.ids import uuid7
from services import clock
from services.db.sql import execute, fetch
from services.help.catalog import HelpLocale, HelpStatus
from services.help.starter_articles import STARTER_ARTICLES

SEEDED_BY = "system:starter"

_INSERT = (
    "INSERT INTO help_article (id, kind, locale, category, slug, title, body, status, version, published_at,"
    " created_by, updated_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10, $9, $9)"
)


async def ensure_starter_articles(using_db: BaseDBAsyncClient | None = None) -> int:
    """Insert each starter article not stored yet, PUBLISHED; return how many were inserted."""
    conn = using_db or connections.get("default")
    stored = {(row["locale"], row["slug"]) for row in await fetch(conn, "SELECT locale, slug FROM help_article", [])}
    inserted = 0
    now = clock.now()
    for entry in STARTER_ARTICLES:
        for locale in HelpLocale:
            if (locale.value, entry["slug"]) in stored:
                continue
            title, body = entry[locale.value]  # type: ignore[misc]
            await execute(conn, _INSERT, [uuid7(), entry["kind"], locale.value, entry["category"], entry["slug"],
                                          title, body, HelpStatus.PUBLISHED.value, now, SEEDED_BY])
            inserted += 1
    return inserted
