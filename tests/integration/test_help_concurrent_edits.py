"""Concurrent edits of one help article on PostgreSQL: the version compare-and-set loses no update silently."""

from __future__ import annotations

import asyncio
import uuid

from models.help import HelpArticle
from services.help.admin import ArticleStateConflict, ArticleTerms, create_article, update_article
from tests.conftest import requires_postgres
from tests.integration.merchant_support import staff

pytestmark = requires_postgres


async def test_concurrent_updates_either_apply_in_turn_or_answer_invalid_state(database_url):
    writer = staff("support")
    article = await create_article(principal=writer, terms=ArticleTerms(
        kind="ARTICLE", locale="en", category="OTHER", slug=f"race-{uuid.uuid4().hex[:8]}", title="Race", body="Start."))

    async def edit(n: int) -> bool:
        try:
            await update_article(principal=writer, article_id=article.id, terms=ArticleTerms(body=f"Edit {n}."))
        except ArticleStateConflict:
            return False
        return True

    outcomes = await asyncio.gather(*(edit(n) for n in range(12)))
    stored = await HelpArticle.get(id=article.id)
    # Every applied edit raised the version by exactly one; the refused ones changed nothing.
    assert any(outcomes) and stored.version == 1 + sum(outcomes)
    assert stored.body in {f"Edit {n}." for n, ok in enumerate(outcomes) if ok}
