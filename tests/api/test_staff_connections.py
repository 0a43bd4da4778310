"""The bank's own lists page both ways too: backward paging returns exactly what forward paging does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.staff_support import StaffClient, staff  # noqa: F401 - the fixture
from tests.api.kyc_support import submitted
from tests.api.support import error_codes
from tests.api.test_aml_cases import raise_alert

PAGE_VARS = "$first: Int, $after: String, $last: Int, $before: String"
PAGE_ARGS = "first: $first, after: $after, last: $last, before: $before"
SELECTION = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

OPEN_CASE = "mutation($input: AmlCaseOpenInput!) { amlCaseOpen(input: $input) { case { id } } }"

LISTS = {
    "partners": f"query({PAGE_VARS}) {{ partners({PAGE_ARGS}) {{ {SELECTION} }} }}",
    "staffUsers": f"query({PAGE_VARS}) {{ staffUsers({PAGE_ARGS}) {{ {SELECTION} }} }}",
    # One partner's audit rows: other tests write audit rows concurrently, this partner's stay put.
    "auditEvents": f"query($p: ID, {PAGE_VARS}) {{ auditEvents(partnerId: $p, {PAGE_ARGS}) {{ {SELECTION} }} }}",
    "amlAlerts": f"query($p: ID, {PAGE_VARS}) {{ amlAlerts(partnerId: $p, {PAGE_ARGS}) {{ {SELECTION} }} }}",
    "amlCases": f"query({PAGE_VARS}) {{ amlCases({PAGE_ARGS}) {{ {SELECTION} }} }}",
    "kycSubmissions": f"query({PAGE_VARS}) {{ kycSubmissions({PAGE_ARGS}) {{ {SELECTION} }} }}",
}


async def _page(admin: StaffClient, name: str, partner_id: str, **variables: Any) -> dict[str, Any]:
    data = await admin.ok(LISTS[name], {"p": partner_id, **variables})
    return data[name]


def _ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def _walk(admin: StaffClient, name: str, partner_id: str, size: int, *, backward: bool, stop: int) -> list[str]:
    """Every item up to `stop`, page by page, forward with first/after or backward with last/before."""
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        if backward:
            connection = await _page(admin, name, partner_id, last=size, before=cursor)
            ids = _ids(connection) + ids
            more, cursor = connection["pageInfo"]["hasPreviousPage"], connection["pageInfo"]["startCursor"]
        else:
            connection = await _page(admin, name, partner_id, first=size, after=cursor)
            ids += _ids(connection)
            more, cursor = connection["pageInfo"]["hasNextPage"], connection["pageInfo"]["endCursor"]
        if not more or len(ids) >= stop:
            return ids
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("name", list(LISTS))
async def test_staff_lists_page_backward_to_the_same_items(clients, staff, name):  # noqa: F811 - fixture
    partner = await clients.partner()
    admin = await staff("admin")
    partner_id = (await partner.ok("{ viewer { partner { id } } }"))["viewer"]["partner"]["id"]
    officer = await staff("compliance")
    for _ in range(3):  # a few audited actions, alerts and submissions of this partner
        customer = await partner.create_customer()
        alert_id = await raise_alert(customer["id"])
        await officer.ok(OPEN_CASE, {"input": {"alertIds": [alert_id], "title": "paging both ways"}})
        await submitted(partner)
    first_hundred = _ids(await _page(admin, name, partner_id, first=100))
    last_hundred = _ids(await _page(admin, name, partner_id, last=100))
    assert first_hundred and last_hundred
    if len(first_hundred) < 100:  # the whole list fits one page: both ends show all of it, in the same order
        assert first_hundred == last_hundred
        assert await _walk(admin, name, partner_id, 2, backward=False, stop=100) == first_hundred
        assert await _walk(admin, name, partner_id, 2, backward=True, stop=100) == first_hundred
    # From the end: the last two, then the two before them, join up to the last four.
    tail = await _page(admin, name, partner_id, last=2)
    before = await _page(admin, name, partner_id, last=2, before=tail["pageInfo"]["startCursor"])
    assert _ids(before) + _ids(tail) == _ids(await _page(admin, name, partner_id, last=4))


async def test_audit_cursors_are_opaque_and_first_with_last_is_refused(clients, staff):  # noqa: F811
    partner = await clients.partner()
    admin = await staff("admin")
    partner_id = (await partner.ok("{ viewer { partner { id } } }"))["viewer"]["partner"]["id"]
    await partner.create_customer()
    connection = await _page(admin, "auditEvents", partner_id, first=1)
    cursor = connection["edges"][0]["cursor"]
    assert not cursor.isdigit()
    body = await admin.gql(LISTS["auditEvents"], {"p": partner_id, "first": 1, "last": 1})
    assert error_codes(body) == ["VALIDATION"], body
    body = await admin.gql(LISTS["auditEvents"], {"p": partner_id, "after": "12345"})
    assert error_codes(body) == ["VALIDATION"], body
