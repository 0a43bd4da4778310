"""`viewer` (who am I) and `node(id:)` (any object by its global ID)."""

from __future__ import annotations

import strawberry

from schema.common.context import Info
from schema.common.permissions import Authenticated, check_scope
from schema.common.public_error import NotFoundError
from schema.common.relay import Node, parse_global_id, to_global_id
from schema.customers.types import Customer
from schema.partners.types import Partner
from schema.ledger.types import Transaction
from schema.wallets.types import Wallet
from services import customers, wallets
from services.errors import NotFound
from services.ledger import queries as ledger_queries
from services.partners import queries as partner_queries


@strawberry.type(description="The caller of this request.")
class Viewer:
    kind: str = strawberry.field(description="partner, customer (a delegated frontend token) or staff.")
    client_id: str | None
    scopes: list[str] = strawberry.field(description="Token scopes, or for staff the role's permissions.")
    role: str | None = strawberry.field(description="Staff only: admin, compliance, support or analyst.")
    customer_id: strawberry.ID | None = strawberry.field(description="Customer tokens only.")
    partner: Partner | None


@strawberry.type
class ViewerQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        partner = await partner_queries.get_own_partner(partner_id=principal.partner_id) if principal.partner_id else None
        return Viewer(
            kind=principal.kind,
            client_id=None if principal.is_staff else principal.subject,
            scopes=sorted(principal.scopes),
            role=principal.role,
            customer_id=to_global_id("Customer", principal.customer_id) if principal.customer_id else None,
            partner=Partner.from_model(partner) if partner else None,
        )

    @strawberry.field(permission_classes=[Authenticated], description="Any Customer, Wallet or Transaction by global ID.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = parse_global_id(id)
        principal = info.context.principal
        if parsed is None:
            raise NotFoundError("object not found")
        type_name, object_id = parsed
        try:
            if type_name == "Customer":
                check_scope(info, "customers:read")
                return Customer.from_record(await customers.get_customer(principal=principal, customer_id=object_id))
            if type_name == "Wallet":
                check_scope(info, "wallets:read")
                return Wallet.from_record(await wallets.get_wallet(principal=principal, wallet_id=object_id))
            if type_name == "Transaction":
                check_scope(info, "transactions:read")
                return Transaction.from_record(
                    await ledger_queries.get_transaction(principal=principal, transaction_id=object_id)
                )
        except NotFound:
            pass
        raise NotFoundError("object not found")
