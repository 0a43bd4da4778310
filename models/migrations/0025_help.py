"""Help centre (issue 16 part 1): help_article, its full-text index per database, and the starter set.

The index is raw SQL because Tortoise models neither structure:
- SQLite: help_article_fts, an FTS5 table with the trigram tokenizer (SQLite 3.34 or newer): Chinese has no
  spaces, so a word tokenizer (unicode61) would index whole sentences as one token; trigrams find any
  substring of 3 characters or more in either language. Triggers keep it in step with help_article.
- PostgreSQL: the pg_trgm extension and a GIN trigram index on lower(title) || ' ' || lower(body), which
  answers LIKE '%term%' for Chinese and English alike (tsvector would need a Chinese parser such as zhparser,
  which is not a stock extension).
The starter set (services.help.starter_articles) is stored PUBLISHED by the last step, once.
"""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration

from models.ids import uuid7
from models.migration_ops import PostgresOnlySQL, _on_postgres


class SqliteOnlySQL(ops.RunSQL):
    """SQL for SQLite only (its FTS5 search table; PostgreSQL has its own index below).

    Each statement goes to the connection whole: Tortoise's SQLite schema editor splits scripts at every
    semicolon, which would cut a trigger's BEGIN ... END body apart.
    """

    async def _run_whole(self, state_editor, statements) -> None:  # noqa: ANN001 - Tortoise's schema editor
        """Run (or, collecting SQL, record) each statement as one."""
        for statement in statements:
            if state_editor.collect_sql:
                state_editor.collected_sql.append(statement)
            else:
                await state_editor.client.execute_query(statement)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        """Create the search table and its triggers on SQLite."""
        if state_editor is not None and not _on_postgres(state_editor):
            await self._run_whole(state_editor, self.sql)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        """Drop them on SQLite."""
        if state_editor is not None and not _on_postgres(state_editor):
            await self._run_whole(state_editor, self.reverse_sql)


SQLITE_FTS = [
    "CREATE VIRTUAL TABLE help_article_fts USING fts5(article_id UNINDEXED, title, body, tokenize = 'trigram')",
    "CREATE TRIGGER help_article_fts_insert AFTER INSERT ON help_article BEGIN"
    " INSERT INTO help_article_fts (article_id, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER help_article_fts_update AFTER UPDATE OF title, body ON help_article BEGIN"
    " DELETE FROM help_article_fts WHERE article_id = old.id;"
    " INSERT INTO help_article_fts (article_id, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER help_article_fts_delete AFTER DELETE ON help_article BEGIN"
    " DELETE FROM help_article_fts WHERE article_id = old.id; END",
    "INSERT INTO help_article_fts (article_id, title, body) SELECT id, title, body FROM help_article",
]
DROP_SQLITE_FTS = [
    "DROP TRIGGER IF EXISTS help_article_fts_insert",
    "DROP TRIGGER IF EXISTS help_article_fts_update",
    "DROP TRIGGER IF EXISTS help_article_fts_delete",
    "DROP TABLE IF EXISTS help_article_fts",
]
POSTGRES_TRGM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX help_article_search_trgm ON help_article USING gin ((lower(title) || ' ' || lower(body)) gin_trgm_ops)",
]
DROP_POSTGRES_TRGM = ["DROP INDEX IF EXISTS help_article_search_trgm"]  # the extension may serve others: kept


async def _seed(apps, schema_editor) -> None:  # noqa: ANN001 - Tortoise's migration state and schema editor
    """Store the starter set (services.help.seeding: only what is missing)."""
    from services.help.seeding import ensure_starter_articles

    await ensure_starter_articles(using_db=schema_editor.client)


async def _unseed(apps, schema_editor) -> None:  # noqa: ANN001
    """Going back drops the table anyway: nothing to undo here."""


class Migration(SparingMigration):
    dependencies = [('models', '0024_offers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HelpArticle',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('locale', fields.CharField(max_length=8)),
                ('category', fields.CharField(max_length=24)),
                ('slug', fields.CharField(max_length=80)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('status', fields.CharField(default='DRAFT', max_length=16)),
                ('version', fields.IntField(default=1)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(max_length=128)),
                ('updated_by', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'help_article', 'app': 'models', 'unique_together': (('locale', 'slug'),), 'indexes': [Index(fields=['locale', 'status', 'category'])], 'pk_attr': 'id', 'table_description': 'One help article or FAQ entry in one locale: DRAFT until published, then readable by every partner.'},
            bases=['Model'],
        ),
        SqliteOnlySQL(SQLITE_FTS, DROP_SQLITE_FTS),
        PostgresOnlySQL(POSTGRES_TRGM, DROP_POSTGRES_TRGM),
        ops.RunPython(_seed, _unseed),
    ]
