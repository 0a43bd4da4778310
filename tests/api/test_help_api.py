"""The help centre through GraphQL: every partner token and customer token reads and searches published help
(Chinese and English), support staff write and publish it (audited, help_article.published), drafts stay hidden
from partners, hostile search text answers without error, and refusals change nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from models import AuditEvent
from models.help import HelpArticle
from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.support import error_codes

LIST = """query($locale: HelpLocale!, $search: String, $category: HelpCategory, $status: HelpArticleStatus,
                 $first: Int, $after: String) {
  helpArticles(locale: $locale, search: $search, category: $category, status: $status, first: $first, after: $after) {
    edges { cursor node { id slug title body kind category locale status version publishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on HelpArticle { slug status } } }"
ARTICLE = "article { id slug title status version locale category kind publishedAt }"
PAYLOAD = "userErrors { code message field }"
CREATE = f"mutation($input: HelpArticleCreateInput!) {{ helpArticleCreate(input: $input) {{ {ARTICLE} {PAYLOAD} }} }}"
UPDATE = f"mutation($input: HelpArticleUpdateInput!) {{ helpArticleUpdate(input: $input) {{ {ARTICLE} {PAYLOAD} }} }}"
PUBLISH = f"mutation($input: HelpArticlePublishInput!) {{ helpArticlePublish(input: $input) {{ {ARTICLE} {PAYLOAD} }} }}"
EVENTS = ("query($types: [String!]) { events(first: 100, types: $types) { nodes { type data { articleId locale } } } }")


async def _slugs(client, locale: str, search: str | None = None, **variables) -> list[str]:
    data = await client.ok(LIST, {"locale": locale, "search": search, "first": 100, **variables})
    return [edge["node"]["slug"] for edge in data["helpArticles"]["edges"]]


def _new_article(**overrides) -> dict:
    word = f"zh{uuid.uuid4().hex[:8]}"
    return {"kind": "ARTICLE", "locale": "EN", "category": "SECURITY", "slug": f"api-{word}",
            "title": f"Card safety {word}", "body": "Never share your payment code.", **overrides}


async def test_any_partner_token_and_customer_token_searches_published_help(clients):
    partner = await clients.partner(token_scopes=["fees:read"])  # no scope is needed to read help
    assert (await _slugs(partner, "ZH_CN", "转账"))[0] == "transfer"
    assert (await _slugs(partner, "ZH_CN", "手机丢了怎么办"))[0] == "lost-phone"
    assert (await _slugs(partner, "EN", "lost phone"))[0] == "lost-phone"
    assert (await _slugs(partner, "EN", "qr code"))[0] == "qr-payments"
    owner = await clients.partner()
    customer = await owner.create_customer()
    session = await customer_session(owner, customer["id"], ["wallets:read"])
    assert (await _slugs(session, "ZH_CN", "实名"))[0] == "kyc"
    assert set(await _slugs(session, "EN", category="FEES")) == {"fees"}
    listed = (await partner.ok(LIST, {"locale": "ZH_CN", "first": 3}))["helpArticles"]
    assert len(listed["edges"]) == 3 and listed["pageInfo"]["hasNextPage"]
    assert all(edge["node"]["status"] == "PUBLISHED" and edge["node"]["locale"] == "ZH_CN" for edge in listed["edges"])


@pytest.mark.parametrize("hostile", ['"', "*", "NEAR(fees, limits)", "fees AND NOT", "title:fees", "'; DROP TABLE x; --",
                                     "%_\\", "转账\"*", "^", ""])
async def test_search_syntax_characters_never_error(clients, hostile):
    partner = await clients.partner()
    body = await partner.gql(LIST, {"locale": "EN", "search": hostile, "first": 5})
    assert "errors" not in body, body


async def test_a_search_too_long_or_a_bad_cursor_is_a_validation_error(clients):
    partner = await clients.partner()
    assert error_codes(await partner.gql(LIST, {"locale": "EN", "search": "x" * 201})) == ["VALIDATION"]
    assert error_codes(await partner.gql(LIST, {"locale": "EN", "search": "fees", "after": "nope"})) == ["VALIDATION"]
    assert (await partner.gql(LIST, {"locale": "FR"})).get("errors")  # not a HelpLocale: refused by GraphQL itself


async def test_support_writes_and_publishes_and_partners_see_only_published(clients, staff):  # noqa: F811
    support = await staff("support")
    partner = await clients.partner(scopes=["webhooks:manage", "fees:read"])
    fields = _new_article()
    created = (await support.ok(CREATE, {"input": fields}))["helpArticleCreate"]
    assert created["userErrors"] == [] and created["article"]["status"] == "DRAFT"
    article_id = created["article"]["id"]
    word = fields["slug"][4:]
    # A draft: staff find it, partners neither list, search nor fetch it.
    assert await _slugs(support, "EN", word) == [fields["slug"]]
    assert await _slugs(support, "EN", word, status="DRAFT") == [fields["slug"]]
    assert await _slugs(partner, "EN", word) == [] and await _slugs(partner, "EN", word, status="DRAFT") == []
    assert (await partner.ok(NODE, {"id": article_id}))["node"] is None
    updated = (await support.ok(UPDATE, {"input": {"articleId": article_id, "body": f"Rotate it. {word} twice: {word}."}}))
    assert updated["helpArticleUpdate"]["article"]["version"] == 2
    published = (await support.ok(PUBLISH, {"input": {"articleId": article_id}}))["helpArticlePublish"]
    assert published["userErrors"] == [] and published["article"]["status"] == "PUBLISHED"
    assert published["article"]["publishedAt"]
    assert await _slugs(partner, "EN", word) == [fields["slug"]]
    assert (await partner.ok(NODE, {"id": article_id}))["node"] == {"id": article_id, "slug": fields["slug"],
                                                                    "status": "PUBLISHED"}
    again = (await support.ok(PUBLISH, {"input": {"articleId": article_id}}))["helpArticlePublish"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATE"] and again["article"] is None
    # PostgreSQL's feed shows an event once every older transaction of the server has ended (its horizon, which
    # other sessions on a shared server can hold back for a moment): ask again for a few seconds.
    expected = {"type": "help_article.published", "data": {"articleId": article_id, "locale": "en"}}
    for _ in range(50):
        events = (await partner.ok(EVENTS, {"types": ["help_article.published"]}))["events"]["nodes"]
        if expected in events:
            break
        await asyncio.sleep(0.2)
    assert expected in events
    stored = await HelpArticle.get(slug=fields["slug"])
    for operation in ("helpArticleCreate", "helpArticleUpdate", "helpArticlePublish"):
        assert await AuditEvent.filter(operation=operation, object_id=str(stored.id), outcome="OK").exists(), operation


async def test_only_support_and_admin_write_and_refusals_change_nothing(clients, staff):  # noqa: F811
    before = await HelpArticle.all().count()
    for caller in (await clients.partner(), await staff("analyst"), await staff("compliance")):
        assert error_codes(await caller.gql(CREATE, {"input": _new_article()})) == ["FORBIDDEN"]
    admin = await staff("admin")
    for bad, code in (({"slug": "fees"}, "ALREADY_EXISTS"), ({"slug": "No Spaces"}, "VALIDATION"),
                      ({"title": "  "}, "VALIDATION"), ({"body": "x" * 20_001}, "VALIDATION")):
        payload = (await admin.ok(CREATE, {"input": _new_article(**bad)}))["helpArticleCreate"]
        assert payload["article"] is None and [e["code"] for e in payload["userErrors"]] == [code], payload
    missing = (await admin.ok(PUBLISH, {"input": {"articleId": "bm90LWFuLWlk"}}))["helpArticlePublish"]
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]
    fees = await HelpArticle.get(locale="en", slug="fees")
    fixed = (await admin.ok(UPDATE, {"input": {"articleId": _gid(fees.id), "title": ""}}))["helpArticleUpdate"]
    assert [e["code"] for e in fixed["userErrors"]] == ["VALIDATION"]
    assert await HelpArticle.all().count() == before
    assert (await HelpArticle.get(id=fees.id)).title == fees.title


def _gid(object_id: uuid.UUID) -> str:
    from schema.common.relay import to_global_id
    return to_global_id("HelpArticle", object_id)
