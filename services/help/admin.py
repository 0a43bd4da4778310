"""helpArticleCreate / Update / Publish: bank support and admin staff (help:write) write the help centre.

Every change writes its audit row in the change's own transaction; publishing also writes the
help_article.published event (broadcast: every partner may refresh its in-app help). An article is
created as a DRAFT; an update raises its version and keeps its status (a published article changes live).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.help import HelpArticle
from services import clock
from services.audit import AuditNote, record_event
from services.authority import require_staff
from services.errors import AlreadyExists, DomainError, NotFound, ValidationFailed
from services.events import record_domain_event
from services.help.catalog import (
    MAX_BODY_CHARS, MAX_TITLE_CHARS, HelpCategory, HelpKind, HelpStatus, check_locale, check_slug, check_text,
)
from services.help.records import HelpArticleRecord
from services.pagination import enum_filter

WRITE_PERMISSION = "help:write"


@dataclass(frozen=True)
class ArticleTerms:
    """An article's fields as the caller gave them (None: not given; on update, unchanged)."""

    kind: str | None = None
    locale: str | None = None
    category: str | None = None
    slug: str | None = None
    title: str | None = None
    body: str | None = None


class ArticleStateConflict(DomainError):
    """The article is not in the state the action needs (publishing a published one, or it changed meanwhile)."""

    code = "INVALID_STATE"


def _writer(principal: Principal) -> str:
    """The staff member's label for created_by/updated_by; FORBIDDEN for anyone without help:write."""
    require_staff(principal, WRITE_PERMISSION)
    return f"{principal.kind}:{principal.subject}"


def _checked(terms: ArticleTerms, *, creating: bool) -> dict[str, object]:
    """The given fields, validated, as model columns (all required when creating)."""
    out: dict[str, object] = {}
    if creating or terms.kind is not None:
        out["kind"] = _required(enum_filter(HelpKind, terms.kind, field="kind"), "kind").value
    if creating:
        out["locale"] = check_locale(terms.locale).value
        out["slug"] = check_slug(terms.slug)
    elif terms.locale is not None or terms.slug is not None:
        raise ValidationFailed("locale and slug are fixed once created: create the article again",
                               field=["locale" if terms.locale is not None else "slug"])
    if creating or terms.category is not None:
        out["category"] = _required(enum_filter(HelpCategory, terms.category, field="category"), "category").value
    if creating or terms.title is not None:
        out["title"] = check_text(terms.title, field="title", limit=MAX_TITLE_CHARS)
    if creating or terms.body is not None:
        out["body"] = check_text(terms.body, field="body", limit=MAX_BODY_CHARS)
    return out


def _required(value: object, field: str) -> object:
    """The value, or VALIDATION naming the missing field."""
    if value is None:
        raise ValidationFailed(f"{field} is required", field=[field])
    return value


async def _audit(audit: AuditNote | None, article: HelpArticle) -> None:
    """The change's audit row (in the caller's transaction)."""
    if audit is not None:
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="HelpArticle",
                           object_id=str(article.id), request_id=audit.request_id)


async def create_article(*, principal: Principal, terms: ArticleTerms, audit: AuditNote | None = None) -> HelpArticleRecord:
    """A new DRAFT article; ALREADY_EXISTS when its slug is taken in its locale."""
    writer = _writer(principal)
    values = _checked(terms, creating=True)
    now = clock.now()
    try:
        async with in_transaction():
            article = await HelpArticle.create(**values, status=HelpStatus.DRAFT.value, created_by=writer,
                                               updated_by=writer, created_at=now, updated_at=now)
            await _audit(audit, article)
    except IntegrityError:
        raise AlreadyExists("an article with this slug exists in this locale", field=["slug"]) from None
    return HelpArticleRecord.of(article, audited=audit is not None)


async def _article(article_id: uuid.UUID | None) -> HelpArticle:
    """The article (drafts included: only staff write), or NOT_FOUND."""
    row = await HelpArticle.get_or_none(id=article_id) if article_id is not None else None
    if row is None:
        raise NotFound("help article not found", field=["articleId"])
    return row


async def update_article(*, principal: Principal, article_id: uuid.UUID | None, terms: ArticleTerms,
                         audit: AuditNote | None = None) -> HelpArticleRecord:
    """Change the given fields; the version rises (only if nobody changed the article meanwhile)."""
    writer = _writer(principal)
    article = await _article(article_id)
    values = _checked(terms, creating=False)
    if not values:
        raise ValidationFailed("give at least one field to change", field=["articleId"])
    async with in_transaction():
        # Compare-and-set on the version: two editors at once cannot silently overwrite each other.
        changed = await HelpArticle.filter(id=article.id, version=article.version).update(
            **values, version=article.version + 1, updated_by=writer, updated_at=clock.now())
        if not changed:
            raise ArticleStateConflict("the article changed meanwhile: read it again", field=["articleId"])
        article = await HelpArticle.get(id=article.id)
        await _audit(audit, article)
    return HelpArticleRecord.of(article, audited=audit is not None)


async def publish_article(*, principal: Principal, article_id: uuid.UUID | None,
                          audit: AuditNote | None = None) -> HelpArticleRecord:
    """DRAFT -> PUBLISHED, once (INVALID_STATE when already published), with the help_article.published event."""
    writer = _writer(principal)
    article = await _article(article_id)
    async with in_transaction() as conn:
        changed = await HelpArticle.filter(id=article.id, status=HelpStatus.DRAFT.value).using_db(conn).update(
            status=HelpStatus.PUBLISHED.value, published_at=clock.now(), updated_by=writer, updated_at=clock.now())
        if not changed:
            raise ArticleStateConflict("the article is already published", field=["articleId"])
        article = await HelpArticle.get(id=article.id).using_db(conn)
        await record_domain_event(type="help_article.published", partner_id=None, object_type="HelpArticle",
                                  object_id=article.id, payload={"articleId": str(article.id), "locale": article.locale},
                                  using_db=conn)
        await _audit(audit, article)
    return HelpArticleRecord.of(article, audited=audit is not None)
