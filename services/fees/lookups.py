"""Batched reads behind the fee types' DataLoaders: many rules in one query.

They apply the same visibility as one-by-one reads (schedule.visible_rule):
staff see every rule; a partner, or a customer token of it, the bank's
default rules and its own. What the caller may not see is absent from the answer.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import FeeRule
from services.fees.rules import RuleSpec
from services.scoping import sees_partner


async def rules_by_ids(*, principal: Principal, rule_ids: list[uuid.UUID]) -> dict[uuid.UUID, RuleSpec]:
    """The rules among these ids the caller may see (current, scheduled or ended), by id."""
    if not rule_ids:
        return {}
    rows = await FeeRule.filter(id__in=rule_ids)
    specs = (RuleSpec.of(row) for row in rows)
    return {spec.id: spec for spec in specs if spec.id is not None
            and (spec.partner_id is None or sees_partner(principal, spec.partner_id))}

