"""services.partners.queries: a partner by id, the staff list oldest first, and the caller's own record."""

from __future__ import annotations

import uuid

import pytest

from services.errors import NotFound
from services.pagination import encode_cursor
from services.partners.onboarding import create_partner
from services.partners.queries import get_own_partner, get_partner, list_partners


async def test_a_partner_by_id_or_not_found(database_url):
    created = await create_partner(name="queries-one")
    assert (await get_partner(partner_id=created.partner.id)).name == "queries-one"
    for missing in (uuid.uuid4(), None):
        with pytest.raises(NotFound) as caught:
            await get_partner(partner_id=missing)
        assert caught.value.field == ["partnerId"]


async def test_the_own_record_is_none_for_no_partner(database_url):
    created = await create_partner(name="queries-own")
    assert (await get_own_partner(partner_id=created.partner.id)).id == created.partner.id  # type: ignore[union-attr]
    assert await get_own_partner(partner_id=uuid.uuid4()) is None


async def test_every_partner_oldest_first_page_by_page(database_url):
    a = (await create_partner(name="queries-list-a")).partner
    b = (await create_partner(name="queries-list-b")).partner
    ids: list[uuid.UUID] = []
    after = None
    while True:
        page = await list_partners(first=100, after=after)
        ids += [p.id for p in page.items]
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    older, newer = sorted([a.id, b.id])  # UUIDv7: by creation time (to the millisecond)
    assert ids[-2:] == [older, newer]
    after_older = await list_partners(first=1, after=encode_cursor(older))
    assert [p.id for p in after_older.items] == [newer]
    assert (after_older.has_previous_page, after_older.has_next_page) == (True, False)
