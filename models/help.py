"""Help centre (issue 16 part 1): articles and FAQ entries per locale, written by bank support staff.

The full-text index is not a model: SQLite keeps an FTS5 trigram table (help_article_fts) filled by triggers,
PostgreSQL a pg_trgm GIN index on the lower-cased title and body (models/migrations/0025_help.py).
"""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class HelpArticle(Model):
    """One help article or FAQ entry in one locale: DRAFT until published, then readable by every partner."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    kind = fields.CharField(max_length=16)  # ARTICLE or FAQ (services.help.catalog)
    locale = fields.CharField(max_length=8)  # zh-CN or en
    category = fields.CharField(max_length=24)  # services.help.catalog.HelpCategory
    # The same slug in two locales names translations of one article: unique per locale.
    slug = fields.CharField(max_length=80)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    status = fields.CharField(max_length=16, default="DRAFT")  # DRAFT or PUBLISHED
    version = fields.IntField(default=1)
    published_at = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=128)
    updated_by = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "help_article"
        unique_together = (("locale", "slug"),)
        indexes = (("locale", "status", "category"),)
