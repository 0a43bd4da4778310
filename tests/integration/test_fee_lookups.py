"""services.fees.lookups: many fee rules, or the partners they name, in one read, for whoever may see them."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from services.fees.lookups import rules_by_ids
from services.partners.queries import partners_by_ids
from services.fees.schedule import create_rule, retire_rule
from tests.integration.service_support import new_partner

STAFF = Principal(kind="staff", subject="staff:lookups", partner_id=None, scopes=frozenset({"fees:read", "partners:read"}),
                  role="support")


async def _rule(partner_id: uuid.UUID | None, currency: str) -> uuid.UUID:
    record = await create_rule(terms={"partner_id": partner_id, "kind": "PAYMENT", "currency": currency, "fixed_minor": 0},
                               created_by="test:lookups")
    assert record.id is not None
    return record.id


async def test_rules_by_ids_answers_what_the_caller_may_see(database_url):
    a, b = await new_partner("lookups"), await new_partner("lookups")
    own, foreign = await _rule(a.partner_id, "CNY"), await _rule(b.partner_id, "CNY")
    bank = await _rule(None, "HKD")  # a bank default in a currency no other test charges, retired below
    try:
        await retire_rule(rule_id=own, at=None)  # an ended rule still answers (a past transaction names it)
        missing = uuid.uuid4()
        ids = [own, foreign, bank, missing]
        assert set(await rules_by_ids(principal=a, rule_ids=ids)) == {own, bank}
        assert set(await rules_by_ids(principal=b, rule_ids=ids)) == {foreign, bank}
        found = await rules_by_ids(principal=STAFF, rule_ids=ids)
        assert set(found) == {own, foreign, bank}
        assert found[own].partner_id == a.partner_id and found[own].effective_to is not None
        assert await rules_by_ids(principal=a, rule_ids=[]) == {}
    finally:
        await retire_rule(rule_id=bank, at=None)


async def test_partners_by_ids_answers_own_partner_or_any_for_staff(database_url):
    a, b = await new_partner("lookups"), await new_partner("lookups")
    ids = [a.partner_id, b.partner_id]
    assert set(await partners_by_ids(principal=a, partner_ids=ids)) == {a.partner_id}
    found = await partners_by_ids(principal=STAFF, partner_ids=ids)
    assert set(found) == set(ids) and found[b.partner_id].name.startswith("lookups-")
    assert await partners_by_ids(principal=a, partner_ids=[b.partner_id]) == {}
