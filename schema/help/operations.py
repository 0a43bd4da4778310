"""The help centre: helpArticles / helpArticle for every caller, helpArticleCreate / Update / Publish for staff."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import Authenticated, requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.help.types import HelpArticle, HelpArticleKind, HelpArticleStatus, HelpCategory, HelpLocale
from services.help import admin, queries

_WRITE = requires("help:write")  # bank staff: admin and support (auth/roles.py)


def _value(member: Any) -> str | None:
    """An enum member's value (None stays None)."""
    return None if member is None else member.value


@strawberry.input(description="A new help article or FAQ entry (created as a DRAFT).")
class HelpArticleCreateInput:
    kind: HelpArticleKind = strawberry.field(description="ARTICLE or FAQ.")
    locale: HelpLocale = strawberry.field(description="The language it is written in (fixed once created).")
    category: HelpCategory = strawberry.field(description="What it is about.")
    slug: str = strawberry.field(
        description="3 to 80 lower-case letters, digits and single dashes, unique per locale (ALREADY_EXISTS);"
        " use the same slug for each translation. Fixed once created."
    )
    title: str = strawberry.field(description="1 to 200 characters of plain text (for an FAQ entry: the question).")
    body: str = strawberry.field(description="1 to 20,000 characters of plain text (for an FAQ entry: the answer).")


@strawberry.input(description="Changes to an article; only the fields given change.")
class HelpArticleUpdateInput:
    article_id: strawberry.ID = strawberry.field(description="The article (a HelpArticle global ID).")
    kind: HelpArticleKind | None = strawberry.field(default=None, description="ARTICLE or FAQ.")
    category: HelpCategory | None = strawberry.field(default=None, description="What it is about.")
    title: str | None = strawberry.field(default=None, description="1 to 200 characters of plain text.")
    body: str | None = strawberry.field(default=None, description="1 to 20,000 characters of plain text.")


@strawberry.input(description="Which draft to publish.")
class HelpArticlePublishInput:
    article_id: strawberry.ID = strawberry.field(description="The DRAFT article (a HelpArticle global ID).")


@strawberry.type(description="The article as stored, or why nothing changed.")
class HelpArticlePayload:
    article: HelpArticle | None = strawberry.field(description="The article; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. VALIDATION (a field), ALREADY_EXISTS (slug),"
        " NOT_FOUND (articleId) or INVALID_STATE (already published, or changed by someone else meanwhile)."
    )


def _article_id(global_id: strawberry.ID) -> Any:
    """The row id behind a HelpArticle global ID (None, answered NOT_FOUND, for anything else)."""
    return global_id_to_uuid(global_id, "HelpArticle")


@strawberry.type
class HelpQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="The help centre in one locale: every partner token (no scope needed), customer token and staff"
        " member reads PUBLISHED articles; staff also read drafts. With `search`, articles are ranked by relevance"
        " (full-text, Chinese and English: a word in the title counts more than in the body) and paged by rank;"
        " without it they are listed oldest first. Search text is plain words: any punctuation or operator is"
        " ignored; at most 200 characters (VALIDATION).",
    )
    async def help_articles(
        self, info: Info,
        locale: Annotated[HelpLocale, strawberry.argument(description="The language to read.")],
        search: Annotated[str | None, strawberry.argument(
            description="Words to look for (e.g. \"lost phone\", \"转账\"); empty or null: the whole list.")] = None,
        category: Annotated[HelpCategory | None, strawberry.argument(description="Only this category.")] = None,
        kind: Annotated[HelpArticleKind | None, strawberry.argument(description="Only articles, or only FAQ entries.")] = None,
        status: Annotated[HelpArticleStatus | None, strawberry.argument(
            description="Staff: only drafts or only published ones. Others read PUBLISHED only (DRAFT: empty).")] = None,
        first: FirstArg = None, after: AfterArg = None,
    ) -> Connection[HelpArticle]:
        """helpArticles: one page, browsed or ranked."""
        page = await queries.list_articles(
            principal=info.context.principal, locale=locale.value, search=search, category=_value(category),
            kind=_value(kind), status=_value(status), first=first, after=after)
        return Connection.from_page(page, HelpArticle.from_record)


@strawberry.type
class HelpMutations:
    @strawberry.mutation(permission_classes=_WRITE,
                         description="Bank support or admin (help:write): write a new article as a DRAFT. Audited.")
    async def help_article_create(
        self, info: Info, input: Annotated[HelpArticleCreateInput, strawberry.argument(description="The article.")],
    ) -> HelpArticlePayload:
        """helpArticleCreate."""
        terms = admin.ArticleTerms(kind=input.kind.value, locale=input.locale.value, category=input.category.value,
                                   slug=input.slug, title=input.title, body=input.body)
        record, errors = await attempt(info, admin.create_article(
            principal=info.context.principal, terms=terms, audit=audit_note(info)))
        return HelpArticlePayload(article=HelpArticle.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=_WRITE,
                         description="Bank support or admin (help:write): change an article (its version rises; a"
                         " published article changes live). Audited.")
    async def help_article_update(
        self, info: Info, input: Annotated[HelpArticleUpdateInput, strawberry.argument(description="The changes.")],
    ) -> HelpArticlePayload:
        """helpArticleUpdate."""
        terms = admin.ArticleTerms(kind=_value(input.kind), category=_value(input.category), title=input.title,
                                   body=input.body)
        record, errors = await attempt(info, admin.update_article(
            principal=info.context.principal, article_id=_article_id(input.article_id), terms=terms,
            audit=audit_note(info)))
        return HelpArticlePayload(article=HelpArticle.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=_WRITE,
                         description="Bank support or admin (help:write): publish a draft, so every partner and"
                         " customer reads it. Audited; help_article.published (to every partner).")
    async def help_article_publish(
        self, info: Info, input: Annotated[HelpArticlePublishInput, strawberry.argument(description="Which draft.")],
    ) -> HelpArticlePayload:
        """helpArticlePublish."""
        record, errors = await attempt(info, admin.publish_article(
            principal=info.context.principal, article_id=_article_id(input.article_id), audit=audit_note(info)))
        return HelpArticlePayload(article=HelpArticle.from_record(record) if record else None, user_errors=errors)
