"""What the help services hand to the API layer: plain records (services.outcome.ServiceResult), never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models.help import HelpArticle
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class HelpArticleRecord(ServiceResult):
    """A help article or FAQ entry (the bank's own: no partner)."""

    audit_type = "HelpArticle"
    id: uuid.UUID
    kind: str
    locale: str
    category: str
    slug: str
    title: str
    body: str
    status: str
    version: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    partner_id: uuid.UUID | None = None  # help is the bank's: audit rows name no partner

    @classmethod
    def of(cls, row: HelpArticle, *, audited: bool = False) -> HelpArticleRecord:
        """The record of a stored article."""
        return cls(id=row.id, kind=row.kind, locale=row.locale, category=row.category, slug=row.slug, title=row.title,
                   body=row.body, status=row.status, version=row.version, published_at=row.published_at,
                   created_at=row.created_at, updated_at=row.updated_at, audited=audited)
