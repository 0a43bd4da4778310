"""The help centre on the session's database: the seeded starter set, ranked Chinese and English full-text search,
hostile search text, drafts hidden from partners, and the staff writes (audit rows, the published event, refusals)."""

from __future__ import annotations

import uuid

import pytest

from models import AuditEvent, DomainEvent
from models.help import HelpArticle
from services.audit import Actor, AuditNote
from services.errors import AlreadyExists, Forbidden, NotFound, ValidationFailed
from services.help import admin
from services.help.admin import ArticleStateConflict, ArticleTerms, create_article, publish_article, update_article
from services.help.queries import get_article, list_articles
from services.help.records import HelpArticleRecord
from services.help.search import SearchFilter, ranked_article_ids
from services.help.search_terms import search_terms
from services.help.seeding import ensure_starter_articles
from services.help.starter_articles import STARTER_ARTICLES
from tests.integration.merchant_support import customer_token, staff
from tests.integration.service_support import new_partner


async def _slugs(principal, locale: str, search: str | None, **filters) -> list[str]:
    page = await list_articles(principal=principal, locale=locale, search=search, first=100, **filters)
    return [item.slug for item in page.items]


async def test_the_starter_set_is_stored_published_in_both_locales_once(database_url):
    assert await ensure_starter_articles() == 0  # the migration stored it; running again adds nothing
    for locale in ("zh-CN", "en"):
        stored = await HelpArticle.filter(locale=locale, created_by="system:starter").values_list("slug", "status")
        assert sorted(stored) == sorted((entry["slug"], "PUBLISHED") for entry in STARTER_ARTICLES)
    topics = {entry["category"] for entry in STARTER_ARTICLES}
    assert {"TOP_UP", "TRANSFER", "FEES", "LIMITS", "KYC", "QR_PAYMENTS", "SECURITY"} <= topics


@pytest.mark.parametrize(("search", "best"), [
    ("转账", "transfer"),  # two characters: below the trigram index, answered by LIKE
    ("如何转账", "transfer"),  # no article holds the phrase: its word 转账 does
    ("手机丢失", "lost-phone"),
    ("实名认证", "kyc"),
    ("扫码支付", "qr-payments"),
    ("手续费", "fees"),
    ("充值", "top-up"),
    ("限额", "limits"),
])
async def test_chinese_search_finds_the_expected_article_first(database_url, search, best):
    partner = await new_partner("help")
    found = await _slugs(partner, "zh-CN", search)
    assert found and found[0] == best, found


@pytest.mark.parametrize(("search", "best"), [
    ("lost phone", "lost-phone"),
    ("How do I top up my wallet?", "top-up"),
    ("transfer", "transfer"),
    ("QR", "qr-payments"),  # two letters: LIKE, not the index
    ("fees", "fees"),
    ("identity verification", "kyc"),
    ("declined", "faq-payment-declined"),
])
async def test_english_search_finds_the_expected_article_first(database_url, search, best):
    partner = await new_partner("help")
    found = await _slugs(partner, "en", search)
    assert found and found[0] == best, found


async def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(database_url):
    partner = await new_partner("help")
    found = await _slugs(partner, "zh-CN", "转账")
    # Both transfer articles have 转账 in their title; the fee article mentions it in its body only.
    assert set(found[:2]) == {"transfer", "faq-transfer-arrival"} and "fees" in found[2:], found
    assert await _slugs(partner, "zh-CN", "不存在的词语") == []
    assert "transfer" not in await _slugs(partner, "en", "转账")  # one locale at a time


async def test_ranking_on_fresh_articles_and_the_index_follows_updates(database_url):
    writer = staff("support")
    word = f"zq{uuid.uuid4().hex[:8]}"
    in_title = await create_article(principal=writer, terms=ArticleTerms(
        kind="ARTICLE", locale="en", category="OTHER", slug=f"t-{word}", title=f"All about {word}", body="Plain text."))
    await create_article(principal=writer, terms=ArticleTerms(
        kind="FAQ", locale="en", category="OTHER", slug=f"b-{word}", title="Something else",
        body=f"It mentions {word} once, then {word} twice."))
    assert await _slugs(writer, "en", word) == [f"t-{word}", f"b-{word}"]
    assert await _slugs(writer, "en", word, kind="FAQ") == [f"b-{word}"]
    # Drafts: staff see them, partners and customer tokens do not (lists and by id).
    partner = await new_partner("help")
    assert await _slugs(partner, "en", word) == []
    assert await _slugs(customer_token(partner, uuid.uuid4()), "en", word) == []
    assert await _slugs(partner, "en", word, status="DRAFT") == []
    with pytest.raises(NotFound):
        await get_article(principal=partner, article_id=in_title.id)
    # An update re-indexes the article: the old word is gone from its title, the new one is found.
    renamed = f"zr{uuid.uuid4().hex[:8]}"
    updated = await update_article(principal=writer, article_id=in_title.id,
                                   terms=ArticleTerms(title=f"Now about {renamed}"))
    assert updated.version == 2
    assert await _slugs(writer, "en", word) == [f"b-{word}"]
    assert await _slugs(writer, "en", renamed) == [f"t-{word}"]


@pytest.mark.parametrize("hostile", [
    '"', '"转账', "*", "fee*", "NEAR(fees limits)", "fees AND NOT limits", "title:fees", "^fees", "-fees",
    "'; DROP TABLE help_article; --", "%", "_", "\\", "{title}: fees", "fees)", "转账 OR 1=1", "  ", "",
])
async def test_fts_syntax_in_the_search_never_errors(database_url, hostile):
    partner = await new_partner("help")
    for locale in ("zh-CN", "en"):
        await list_articles(principal=partner, locale=locale, search=hostile, first=5)
    assert await HelpArticle.filter(slug="fees").count() == 2  # nothing dropped


async def test_search_pages_by_rank_without_overlap(database_url):
    partner = await new_partner("help")
    everything = await _slugs(partner, "en", "wallet")
    assert len(everything) >= 3
    first = await list_articles(principal=partner, locale="en", search="wallet", first=2)
    second = await list_articles(principal=partner, locale="en", search="wallet", first=2, after=first.cursors[-1])
    assert first.has_next_page and second.has_previous_page
    assert [a.slug for a in first.items + second.items] == everything[:4]


async def test_bad_filters_are_validation_errors(database_url):
    partner = await new_partner("help")
    for kwargs in ({"locale": "fr"}, {"locale": "en", "category": "NOPE"}, {"locale": "en", "search": "x" * 201},
                   {"locale": "en", "search": "fees", "after": "not-a-cursor"}):
        with pytest.raises(ValidationFailed):
            await list_articles(principal=partner, **kwargs)


async def test_staff_writes_are_audited_and_publishing_tells_every_partner(database_url):
    writer = staff("support")
    note = AuditNote(actor=Actor(kind="staff", id=writer.subject), operation="helpArticlePublish")
    slug = f"new-{uuid.uuid4().hex[:8]}"
    draft = await create_article(principal=writer, terms=ArticleTerms(
        kind="ARTICLE", locale="zh-CN", category="ACCOUNT", slug=slug, title="如何注销钱包", body="先将余额转出，再联系客服。"))
    assert draft.status == "DRAFT" and draft.published_at is None
    published = await publish_article(principal=writer, article_id=draft.id, audit=note)
    assert published.status == "PUBLISHED" and published.published_at is not None and published.audited
    event = await DomainEvent.filter(type="help_article.published", object_id=str(draft.id)).get()
    assert event.partner_id is None and event.payload == {"articleId": str(draft.id), "locale": "zh-CN"}
    assert await AuditEvent.filter(operation="helpArticlePublish", object_id=str(draft.id), outcome="OK").exists()
    partner = await new_partner("help")
    assert (await _slugs(partner, "zh-CN", "注销"))[0] == slug
    with pytest.raises(ArticleStateConflict):
        await publish_article(principal=writer, article_id=draft.id)
    assert await DomainEvent.filter(type="help_article.published", object_id=str(draft.id)).count() == 1


async def test_refusals_change_nothing(database_url):
    writer = staff("admin")
    before = await HelpArticle.all().count()
    good = dict(kind="ARTICLE", locale="en", category="FEES", slug="fees", title="Fees", body="Text.")
    with pytest.raises(AlreadyExists):
        await create_article(principal=writer, terms=ArticleTerms(**good))  # the starter set's slug
    for bad in ({"kind": "VIDEO"}, {"locale": "de"}, {"category": "NOPE"}, {"slug": "Bad Slug"}, {"title": ""},
                {"body": "x" * 20_001}, {"title": "a\x00b"}):
        with pytest.raises(ValidationFailed):
            await create_article(principal=writer, terms=ArticleTerms(**{**good, "slug": "fresh-slug", **bad}))
    for principal in (await new_partner("help"), staff("analyst"), staff("compliance")):
        with pytest.raises(Forbidden):
            await create_article(principal=principal, terms=ArticleTerms(**{**good, "slug": "fresh-slug"}))
    fees = await HelpArticle.get(locale="en", slug="fees")
    with pytest.raises(NotFound):
        await update_article(principal=writer, article_id=uuid.uuid4(), terms=ArticleTerms(title="x"))
    with pytest.raises(ValidationFailed):
        await update_article(principal=writer, article_id=fees.id, terms=ArticleTerms())
    with pytest.raises(ValidationFailed):
        await update_article(principal=writer, article_id=fees.id, terms=ArticleTerms(slug="other"))
    with pytest.raises(Forbidden):
        await publish_article(principal=await new_partner("help"), article_id=fees.id)
    assert await HelpArticle.all().count() == before
    assert (await HelpArticle.get(id=fees.id)).version == fees.version
    assert admin.WRITE_PERMISSION == "help:write"


async def test_the_ranking_statement_filters_before_it_ranks(database_url):
    where = SearchFilter(locale="zh-CN", statuses=("PUBLISHED",), category="TRANSFER")
    ids = await ranked_article_ids(where=where, terms=search_terms("转账 手续费 qr"), offset=0, limit=10)
    rows = {row.id: row for row in await HelpArticle.filter(id__in=ids)}
    assert {rows[i].slug for i in ids} == {"transfer", "faq-transfer-arrival"}  # fees mentions 转账 too: other category
    assert await ranked_article_ids(where=where, terms=search_terms("转账"), offset=2, limit=10) == []
    record = HelpArticleRecord.of(rows[ids[0]])
    target = record.audit_target()
    assert target is not None and (target.object_type, target.partner_id) == ("HelpArticle", None)
