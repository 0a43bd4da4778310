"""GraphQL types of bank staff users (admin views, and a staff member's own account in `viewer`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry

from schema.common.context import Info
from schema.common.relay import Node, to_global_id
from services import staff_admin
from services.staff_records import StaffUserRecord


@strawberry.enum(description="A bank staff role: what each may do is the role matrix (README, For bank operators).")
class StaffRole(Enum):
    ADMIN = strawberry.enum_value(
        "admin", description="Runs partners, API clients, fee rules, policy packs and staff users; reads the audit trail.",
    )
    COMPLIANCE = strawberry.enum_value(
        "compliance", description="Reviews KYC, reveals PII with a reason, decides AML alerts and cases, freezes wallets.",
    )
    SUPPORT = strawberry.enum_value("support", description="Reads partners, customers, wallets, transactions and fees.")
    ANALYST = strawberry.enum_value("analyst", description="Reads what support reads, and fee revenue; never writes.")
    TREASURY = strawberry.enum_value(
        "treasury", description="Reads what support reads, and sets FX mid rates (fxRateSet); never moves money."
    )


@strawberry.type(description="A bank staff member, who signs in at POST /auth/login.")
class StaffUser(Node):
    id: strawberry.ID = strawberry.field(description="The staff user's global ID (node(id:) finds it for admins).")
    email: str = strawberry.field(description="The sign-in e-mail address (lower case).")
    role: StaffRole = strawberry.field(description="What the staff member may do; a change refuses their older tokens.")
    active: bool = strawberry.field(description="False once deactivated: no sign-in, and every token refused.")
    last_login_at: datetime | None = strawberry.field(description="The last successful sign-in; null if never.")
    created_at: datetime = strawberry.field(description="When the account was created.")

    @classmethod
    def from_record(cls, record: StaffUserRecord) -> StaffUser:
        """The GraphQL view of a staff user (never the password hash)."""
        return cls(
            id=to_global_id("StaffUser", record.id), email=record.email, role=StaffRole(record.role),
            active=record.active, last_login_at=record.last_login_at, created_at=record.created_at,
        )


async def own_staff_user(info: Info) -> StaffUser | None:
    """`viewer.staffUser`: a staff caller's own account; None for partner and customer tokens."""
    principal = info.context.principal
    if principal is None or not principal.is_staff:
        return None
    return StaffUser.from_record(await staff_admin.own_staff_user(principal=principal))


async def staff_user_node(info: Info, staff_user_id: uuid.UUID) -> Node | None:
    """node(id:) for a StaffUser global ID (schema.nodes; admins only, staff:read)."""
    return StaffUser.from_record(await staff_admin.get_staff_user(principal=info.context.principal, staff_user_id=staff_user_id))
