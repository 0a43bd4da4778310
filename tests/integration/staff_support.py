"""Staff users for the staff-admin tests: admins and the "only these admins are active" isolation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from models import StaffUser
from services.token_liveness import announce_access_change

ADMIN = "admin"


@asynccontextmanager
async def only_active_admins(*keep: uuid.UUID) -> AsyncIterator[None]:
    """Within the block, the named users are the bank's only active admins (other tests' admins sit out).

    The session's database is shared by every test: the admins other tests
    made are set inactive for the block, then restored exactly (their tokens
    work again, as nothing moved their token cutoff).
    """
    others = list(await StaffUser.filter(role=ADMIN, active=True).exclude(id__in=list(keep)).values_list("id", flat=True))
    await StaffUser.filter(id__in=others).update(active=False)
    try:
        yield
    finally:
        await StaffUser.filter(id__in=others).update(active=True)
        await announce_access_change()
