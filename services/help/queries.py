"""Reading help: helpArticles (browse or ranked search) and one article by id, for any verified caller.

Partners, their customers and every staff role read PUBLISHED articles; staff also read drafts. Help is
the bank's own content (no partner owns it), so there is no tenant rule: one partner sees what all see.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.help import HelpArticle
from services.authority import is_staff
from services.errors import NotFound, ValidationFailed
from services.help.catalog import HelpCategory, HelpKind, HelpStatus, check_locale
from services.help.records import HelpArticleRecord
from services.help.search import SearchFilter, ranked_article_ids
from services.help.search_terms import search_terms
from services.pagination import Page, check_page_size, decode_cursor, encode_cursor, enum_filter, keyset_page, map_page

# A search page's cursor is its position in the ranking (carried in the opaque cursor format as a small number).
_MAX_POSITION = 10_000


def readable_statuses(principal: Principal, wanted: HelpStatus | None) -> tuple[str, ...]:
    """The statuses the caller may read, narrowed to the one asked for (drafts: staff only)."""
    allowed = (HelpStatus.DRAFT, HelpStatus.PUBLISHED) if is_staff(principal) else (HelpStatus.PUBLISHED,)
    return tuple(s.value for s in allowed if wanted is None or s == wanted)


def _position(after: str | None) -> int:
    """The ranking position a search cursor stands for (0: from the top)."""
    if after is None:
        return 0
    position = decode_cursor(after, field="after").int
    if position > _MAX_POSITION:
        raise ValidationFailed("after is not a cursor of this search: pass one this search returned", field=["after"])
    return position


async def _search_page(where: SearchFilter, search: str, first: int | None, after: str | None) -> Page[HelpArticleRecord] | None:
    """One page of ranked results; None when the search text holds no term (then the list is browsed)."""
    terms = search_terms(search)
    if not terms:
        return None
    size, start = check_page_size(first), _position(after)
    ids = await ranked_article_ids(where=where, terms=terms, offset=start, limit=size + 1) if where.statuses else []
    rows = {row.id: row for row in await HelpArticle.filter(id__in=ids[:size])}
    shown = [i for i in ids[:size] if i in rows]
    return Page(items=[HelpArticleRecord.of(rows[i]) for i in shown],
                cursors=[encode_cursor(uuid.UUID(int=start + n + 1)) for n in range(len(shown))],
                has_next_page=len(ids) > size, has_previous_page=start > 0)


async def list_articles(
    *, principal: Principal, locale: str, search: str | None = None, category: str | None = None,
    kind: str | None = None, status: str | None = None, first: int | None = None, after: str | None = None,
) -> Page[HelpArticleRecord]:
    """helpArticles: ranked by relevance when `search` holds a term, else oldest first; published only for non-staff."""
    chosen_category = enum_filter(HelpCategory, category, field="category")
    chosen_kind = enum_filter(HelpKind, kind, field="kind")
    where = SearchFilter(
        locale=check_locale(locale).value,
        statuses=readable_statuses(principal, enum_filter(HelpStatus, status, field="status")),
        category=chosen_category.value if chosen_category is not None else None,
        kind=chosen_kind.value if chosen_kind is not None else None,
    )
    if search is not None:
        page = await _search_page(where, search, first, after)
        if page is not None:
            return page
    query = HelpArticle.filter(locale=where.locale, status__in=list(where.statuses))
    if where.category is not None:
        query = query.filter(category=where.category)
    if where.kind is not None:
        query = query.filter(kind=where.kind)
    return map_page(await keyset_page(query, first=first, after=after), HelpArticleRecord.of)


async def get_article(*, principal: Principal, article_id: uuid.UUID | None) -> HelpArticleRecord:
    """One article the caller may read (a draft answers NOT_FOUND to partners and customers)."""
    row = await HelpArticle.get_or_none(id=article_id) if article_id is not None else None
    if row is None or row.status not in readable_statuses(principal, None):
        raise NotFound("help article not found", field=["id"])
    return HelpArticleRecord.of(row)
