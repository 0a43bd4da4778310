"""Bank admins manage staff users: list them, deactivate them, change their role.

A deactivated user's tokens are refused at the next request, and a role
change refuses the tokens issued before it (they carry the old role): the
user signs in again to get the new one. Both set the user's token cutoff
(services.token_liveness), so no later change brings an old token back.
Nothing here may leave the bank without an active admin (LastAdmin).
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from auth.roles import STAFF_ROLES
from models import StaffUser
from services.authority import require_staff
from services.errors import LastAdmin, NotFound, ValidationFailed
from services.pagination import Page, keyset_page, map_page
from services.staff_records import StaffUserRecord
from services.token_liveness import announce_access_change, token_cutoff
from services.validation import clean_reason

ADMIN = "admin"
MAX_REASON_LEN = 500


async def list_staff_users(
    *, principal: Principal, first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> Page[StaffUserRecord]:
    """Every staff user, active or not, oldest first (admin only)."""
    require_staff(principal, "staff:read")
    page = await keyset_page(StaffUser.all(), first=first, after=after, last=last, before=before)
    return map_page(page, StaffUserRecord.from_row)


async def get_staff_user(*, principal: Principal, staff_user_id: uuid.UUID | None) -> StaffUserRecord:
    """One staff user by id (admin only), or NotFound."""
    require_staff(principal, "staff:read")
    row = await StaffUser.get_or_none(id=staff_user_id) if staff_user_id else None
    if row is None:
        raise NotFound("staff user not found", field=["staffUserId"])
    return StaffUserRecord.from_row(row)


async def own_staff_user(*, principal: Principal) -> StaffUserRecord:
    """The calling staff member's own record (any staff role)."""
    require_staff(principal)
    row = await StaffUser.get_or_none(id=uuid.UUID(principal.subject))
    if row is None:
        raise NotFound("staff user not found")
    return StaffUserRecord.from_row(row)


async def deactivate_staff_user(*, principal: Principal, staff_user_id: uuid.UUID | None, reason: str) -> StaffUserRecord:
    """Deactivate a staff user, with a reason: no more logins, and their tokens are refused at the next request."""
    require_staff(principal, "staff:write")
    clean_reason(reason, max_len=MAX_REASON_LEN)
    async with in_transaction():
        admins, target = await _lock(staff_user_id)
        if not target.active:
            raise ValidationFailed("staff user is already deactivated", field=["staffUserId"])
        if _is_last_admin(admins, target):
            raise LastAdmin("the last active admin cannot be deactivated: make another admin first",
                            field=["staffUserId"])
        target.active = False
        target.min_token_iat_s = max(target.min_token_iat_s or 0, token_cutoff())
        await target.save(update_fields=["active", "min_token_iat_s"])
    await announce_access_change()
    return StaffUserRecord.from_row(target)


async def set_staff_role(
    *, principal: Principal, staff_user_id: uuid.UUID | None, role: str, reason: str
) -> StaffUserRecord:
    """Give a staff user another role, with a reason; their tokens from before are refused (they carry the old role)."""
    require_staff(principal, "staff:write")
    if role not in STAFF_ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(STAFF_ROLES)}", field=["role"])
    clean_reason(reason, max_len=MAX_REASON_LEN)
    async with in_transaction():
        admins, target = await _lock(staff_user_id)
        if not target.active:
            raise ValidationFailed("a deactivated staff user's role cannot change", field=["staffUserId"])
        if target.role == role:
            raise ValidationFailed(f"staff user already has the role {role}", field=["role"])
        if _is_last_admin(admins, target):
            raise LastAdmin("the last active admin cannot be given another role: make another admin first",
                            field=["staffUserId"])
        target.role = role
        target.min_token_iat_s = max(target.min_token_iat_s or 0, token_cutoff())
        await target.save(update_fields=["role", "min_token_iat_s"])
    await announce_access_change()
    return StaffUserRecord.from_row(target)


async def _lock(staff_user_id: uuid.UUID | None) -> tuple[list[uuid.UUID], StaffUser]:
    """Lock the active admins, then the target (always in this order: concurrent changes cannot deadlock).

    Two admins deactivating each other at once are thereby serialised: the
    second sees the first's change and is refused if it would leave no admin.
    """
    # Whole rows: Tortoise drops FOR UPDATE from values_list() queries.
    admins = await StaffUser.filter(role=ADMIN, active=True).order_by("id").select_for_update()
    target = await StaffUser.filter(id=staff_user_id).select_for_update().first() if staff_user_id else None
    if target is None:
        raise NotFound("staff user not found", field=["staffUserId"])
    return [admin.id for admin in admins], target


def _is_last_admin(admins: list[uuid.UUID], target: StaffUser) -> bool:
    """Whether the target is an active admin and no other active admin remains."""
    return target.active and target.role == ADMIN and not [admin for admin in admins if admin != target.id]
