"""GraphQL types of customers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from services.records import Customer as CustomerModel
from schema.common.context import Info
from schema.common.enums import CustomerKind, KycStatus
from schema.common.permissions import requires
from schema.common.relay import Connection, Node, to_global_id

if TYPE_CHECKING:
    from schema.compliance.types import CustomerLimit
    from schema.wallets.types import Wallet


@strawberry.type(description="A partner's end customer: a person or a small business.")
class Customer(Node):
    external_ref: str
    kind: CustomerKind
    display_name: str
    email: str | None
    phone: str | None
    country: str
    kyc_status: KycStatus
    kyc_tier: int
    created_at: datetime
    _model: strawberry.Private[CustomerModel]

    @classmethod
    def from_model(cls, model: CustomerModel) -> Customer:
        """The GraphQL view of a customer row."""
        return cls(
            id=to_global_id("Customer", model.id),
            external_ref=model.external_ref,
            kind=CustomerKind(model.kind),
            display_name=model.display_name,
            email=model.email,
            phone=model.phone,
            country=model.country,
            kyc_status=KycStatus(model.kyc_status),
            kyc_tier=model.kyc_tier,
            created_at=model.created_at,
            _model=model,
        )

    @strawberry.field(permission_classes=requires("wallets:read"), description="This customer's wallets, oldest first.")
    async def wallets(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated["Wallet", strawberry.lazy("schema.wallets.types")]]:
        from schema.wallets.types import Wallet

        page = await info.context.loaders.customer_wallets.load((self._model.id, first, after))
        return Connection.from_page(page, Wallet.from_model)

    @strawberry.field(
        description="What the customer's KYC tier allows and what remains of each limit now: in `currency`,"
        " or in each currency of its wallets."
    )
    async def limits(
        self, info: Info, currency: str | None = None
    ) -> list[Annotated["CustomerLimit", strawberry.lazy("schema.compliance.types")]]:
        from schema.compliance.types import CustomerLimit
        from services.compliance.remaining_limits import customer_limits
        from services.money import CURRENCY_EXPONENTS

        if currency is not None and currency.strip().upper() not in CURRENCY_EXPONENTS:
            return []
        return [CustomerLimit.of(view) for view in await customer_limits(self._model, currency)]
