"""services.scoping.partner_row: a partner's own record, by the caller's partner id, and nothing without one."""

from __future__ import annotations

from services.scoping import partner_row
from tests.integration.service_support import new_partner


async def test_the_row_is_the_callers_partner_and_no_id_reads_nothing(database_url):
    mine, other = await new_partner("row"), await new_partner("row")
    assert await partner_row(mine.partner_id).values_list("id", flat=True) == [mine.partner_id]
    assert await partner_row(other.partner_id).values_list("id", flat=True) == [other.partner_id]
    assert await partner_row(None).count() == 0  # a staff principal has no partner row of its own
