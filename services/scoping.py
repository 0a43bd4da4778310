"""The one partner-scoped path through which partner-owned rows are read.

Every query for a partner's data starts here, so another partner's object
is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from auth.principal import Principal
from services.errors import NotFound

M = TypeVar("M", bound=Model)


def partner_scoped(model: type[M], principal: Principal) -> QuerySet[M]:
    """All rows of a partner-owned model that the principal's partner owns."""
    if principal.partner_id is None:
        # Callers without a partner (none exist yet) see no partner data.
        return model.filter(partner_id=uuid.UUID(int=0))
    return model.filter(partner_id=principal.partner_id)


async def get_scoped(model: type[M], principal: Principal, object_id: uuid.UUID | None, *, what: str, field: list[str] | None = None) -> M:
    """Fetch one partner-owned row by id, or raise NotFound (also for other partners' rows)."""
    if object_id is None:
        raise NotFound(f"{what} not found", field=field)
    row = await partner_scoped(model, principal).get_or_none(id=object_id)
    if row is None:
        raise NotFound(f"{what} not found", field=field)
    return row
