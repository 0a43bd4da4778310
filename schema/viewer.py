"""`viewer` (who am I), and `node(id:)` / `nodes(ids:)` (objects by global ID, resolved in schema.nodes)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.enums import PartnerEnvironment
from schema.common.permissions import Authenticated
from schema.common.relay import Node, to_global_id
from schema.common.scopes import Scope, typed_scopes
from schema.nodes import MAX_NODES, InvalidGlobalId, resolve_node
from schema.partners.types import Partner
from schema.staff.types import StaffUser, own_staff_user
from services.partners import queries as partner_queries


@strawberry.type(description="The caller of this request.")
class Viewer:
    kind: str = strawberry.field(description="partner, customer (a delegated frontend token) or staff.")
    client_id: str | None = strawberry.field(
        description="The OAuth client_id the token was issued to (for a customer token, the partner client that minted"
        " it); null for staff."
    )
    scopes: list[str] = strawberry.field(
        description="Token scopes, or for staff the role's permissions.", deprecation_reason="Use grantedScopes: the same scopes as the Scope enum."
    )

    @strawberry.field(description="Token scopes, or for staff the role's permissions, sorted.")
    def granted_scopes(self) -> list[Scope]:
        return typed_scopes(self.scopes)
    role: str | None = strawberry.field(description="Staff only: admin, compliance, support or analyst.")
    customer_id: strawberry.ID | None = strawberry.field(description="Customer tokens only.")
    environment: PartnerEnvironment | None = strawberry.field(
        default=None,
        description="The environment the token acts in (its env claim, always its partner's): LIVE or SANDBOX. Null"
        " for staff, who read both environments (each partner shows its own).",
    )
    partner: Partner | None = strawberry.field(permission_classes=[Authenticated], description="The partner you act for (null for staff).")
    staff_user: StaffUser | None = strawberry.field(
        resolver=own_staff_user, permission_classes=[Authenticated],
        description="Staff tokens only: the staff member's own account (id, email, role); null for other tokens.",
    )


@strawberry.type
class ViewerQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="Who is calling: the kind of token, its scopes (for staff, the role's permissions) and the partner"
        " or staff account behind it. Any valid token may ask.",
    )
    async def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        partner = await partner_queries.get_own_partner(partner_id=principal.partner_id) if principal.partner_id else None
        return Viewer(
            kind=principal.kind,
            client_id=None if principal.is_staff else principal.subject,
            scopes=sorted(principal.scopes),
            role=principal.role,
            customer_id=to_global_id("Customer", principal.customer_id) if principal.customer_id else None,
            partner=Partner.from_record(partner) if partner else None,
            environment=None if principal.is_staff else PartnerEnvironment(principal.environment.upper()),
        )

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Any object by its global ID, if you may see it; null otherwise (exactly as for an ID that does not exist). "
                    "A string that is not a global ID is a VALIDATION error.",
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID, as the API returned it.")],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        permission_classes=[Authenticated],
        description=f"Several objects by global ID, in the order asked (at most {MAX_NODES}); null for each one you may not see.",
    )
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs, as the API returned them.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidGlobalId(f"at most {MAX_NODES} IDs per call")
        return [await resolve_node(info, global_id) for global_id in ids]
