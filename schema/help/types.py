"""The help centre as GraphQL types: HelpArticle (a Node) and its closed sets as enums."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.relay import Node, to_global_id
from services.help.records import HelpArticleRecord


@strawberry.enum(description="The languages help is written in.")
class HelpLocale(Enum):
    ZH_CN = strawberry.enum_value("zh-CN", description="Simplified Chinese (zh-CN).")
    EN = strawberry.enum_value("en", description="English (en).")


@strawberry.enum(description="A full help article, or a short FAQ entry.")
class HelpArticleKind(Enum):
    ARTICLE = strawberry.enum_value("ARTICLE", description="A help article: a title and a few paragraphs.")
    FAQ = strawberry.enum_value("FAQ", description="A frequently asked question: the title asks, the body answers.")


@strawberry.enum(description="What a help article is about.")
class HelpCategory(Enum):
    TOP_UP = strawberry.enum_value("TOP_UP", description="Adding money to a wallet.")
    TRANSFER = strawberry.enum_value("TRANSFER", description="Sending money to another wallet or a bank.")
    FEES = strawberry.enum_value("FEES", description="What things cost.")
    LIMITS = strawberry.enum_value("LIMITS", description="Transaction limits, balance caps and declined payments.")
    KYC = strawberry.enum_value("KYC", description="Identity verification.")
    QR_PAYMENTS = strawberry.enum_value("QR_PAYMENTS", description="Paying shops with QR codes.")
    SECURITY = strawberry.enum_value("SECURITY", description="Keeping the wallet safe: a lost phone, fraud.")
    ACCOUNT = strawberry.enum_value("ACCOUNT", description="Opening, changing and closing a wallet.")
    OTHER = strawberry.enum_value("OTHER", description="Anything else.")


@strawberry.enum(description="Whether an article is visible outside the bank.")
class HelpArticleStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being written: only bank staff read it.")
    PUBLISHED = strawberry.enum_value(
        "PUBLISHED", description="Readable by every partner and customer token (helpArticlePublish)."
    )


@strawberry.type(
    description="A help centre article or FAQ entry in one locale, written by bank support staff. Partners show"
    " published ones in their apps; the same slug in two locales names translations of one article."
)
class HelpArticle(Node):
    kind: HelpArticleKind = strawberry.field(description="ARTICLE or FAQ.")
    locale: HelpLocale = strawberry.field(description="The language it is written in.")
    category: HelpCategory = strawberry.field(description="What it is about.")
    slug: str = strawberry.field(
        description="A stable readable key (e.g. lost-phone), unique per locale: the same in each translation."
    )
    title: str = strawberry.field(description="The title (for an FAQ entry: the question), plain text.")
    body: str = strawberry.field(description="The text (for an FAQ entry: the answer), plain text with line breaks.")
    status: HelpArticleStatus = strawberry.field(description="DRAFT (staff only) or PUBLISHED.")
    version: int = strawberry.field(description="1 when created, +1 with every update.")
    published_at: datetime | None = strawberry.field(description="When it was published (UTC); null for a draft.")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")

    @classmethod
    def from_record(cls, record: HelpArticleRecord) -> HelpArticle:
        """The GraphQL view of an article."""
        return cls(
            id=to_global_id("HelpArticle", record.id), kind=HelpArticleKind(record.kind), locale=HelpLocale(record.locale),
            category=HelpCategory(record.category), slug=record.slug, title=record.title, body=record.body,
            status=HelpArticleStatus(record.status), version=record.version, published_at=record.published_at,
            updated_at=record.updated_at,
        )
