"""Bank admins manage staff users: list, deactivate, change roles (staff:read, staff:write)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid
from schema.staff.types import StaffRole, StaffUser
from services import staff_admin
from services.staff_records import StaffUserRecord

_STAFF_USER_ID = "The staff user's global ID (from staffUsers)."
_REASON = "Why, in 1 to 500 characters; kept in the audit trail."


@strawberry.input(description="Which staff user to deactivate, and why.")
class StaffUserDeactivateInput:
    staff_user_id: strawberry.ID = strawberry.field(description=_STAFF_USER_ID)
    reason: str = strawberry.field(description=_REASON)


@strawberry.input(description="Which staff user gets which role, and why.")
class StaffUserRoleSetInput:
    staff_user_id: strawberry.ID = strawberry.field(description=_STAFF_USER_ID)
    role: StaffRole = strawberry.field(description="The new role (not the one the user has).")
    reason: str = strawberry.field(description=_REASON)


@strawberry.type(description="The staff user as changed, or why nothing changed.")
class StaffUserPayload:
    staff_user: StaffUser | None = strawberry.field(description="The staff user after the change; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the change was refused (nothing changed).")


def _staff_user_id(value: strawberry.ID) -> uuid.UUID | None:
    return global_id_to_uuid(value, "StaffUser")


def _payload(record: StaffUserRecord | None, errors: list[UserError]) -> StaffUserPayload:
    return StaffUserPayload(staff_user=StaffUser.from_record(record) if record else None, user_errors=errors)


@strawberry.type
class StaffQueries:
    @strawberry.field(
        permission_classes=requires("staff:read"), description="Admin only: every bank staff user, active or not, oldest first.",
    )
    async def staff_users(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[StaffUser]:
        page = await staff_admin.list_staff_users(
            principal=info.context.principal, first=first, after=after, last=last, before=before
        )
        return Connection.from_page(page, StaffUser.from_record)


@strawberry.type
class StaffMutations:
    @strawberry.mutation(
        permission_classes=requires("staff:write"),
        description="Admin only: the user can no longer sign in, and their tokens are refused from the next request. "
                    "LAST_ADMIN when they are the last active admin.",
    )
    async def staff_user_deactivate(
        self, info: Info,
        input: Annotated[StaffUserDeactivateInput, strawberry.argument(description="Who, and why (audited).")],
    ) -> StaffUserPayload:
        record, errors = await attempt(info, staff_admin.deactivate_staff_user(
            principal=info.context.principal, staff_user_id=_staff_user_id(input.staff_user_id), reason=input.reason,
        ), detail=input.reason)
        return _payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("staff:write"),
        description="Admin only: the new role applies from the user's next sign-in; their tokens issued before are "
                    "refused from the next request. LAST_ADMIN when demoting the last active admin.",
    )
    async def staff_user_role_set(
        self, info: Info,
        input: Annotated[StaffUserRoleSetInput, strawberry.argument(description="Who, the new role, and why (audited).")],
    ) -> StaffUserPayload:
        record, errors = await attempt(info, staff_admin.set_staff_role(
            principal=info.context.principal, staff_user_id=_staff_user_id(input.staff_user_id),
            role=input.role.value, reason=input.reason,
        ), detail=f"role={input.role.value}: {input.reason}")
        return _payload(record, errors)
