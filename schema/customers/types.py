"""GraphQL types of customers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from services.compliance.remaining_limits import customer_limits
from services.customers import CustomerRecord
from services.money import CURRENCY_EXPONENTS
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
    _record: strawberry.Private[CustomerRecord]

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Customer:
        """The GraphQL view of a customer."""
        return cls(
            id=to_global_id("Customer", record.id),
            external_ref=record.external_ref,
            kind=CustomerKind(record.kind.value),
            display_name=record.display_name,
            email=record.email,
            phone=record.phone,
            country=record.country,
            kyc_status=KycStatus(record.kyc_status.value),
            kyc_tier=record.kyc_tier,
            created_at=record.created_at,
            _record=record,
        )

    @strawberry.field(permission_classes=requires("wallets:read"), description="This customer's wallets, oldest first.")
    async def wallets(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated["Wallet", strawberry.lazy("schema.wallets.types")]]:
        from schema.wallets.types import Wallet

        page = await info.context.loaders.customer_wallets.load((self._record.id, first, after))
        return Connection.from_page(page, Wallet.from_record)

    @strawberry.field(
        description="What the customer's KYC tier allows and what remains of each limit now: in `currency`,"
        " or in each currency of its wallets."
    )
    async def limits(
        self, info: Info, currency: str | None = None
    ) -> list[Annotated["CustomerLimit", strawberry.lazy("schema.compliance.types")]]:
        from schema.compliance.types import CustomerLimit

        if currency is not None and currency.strip().upper() not in CURRENCY_EXPONENTS:
            return []
        return [CustomerLimit.of(view) for view in await customer_limits(customer_id=self._record.id, country=self._record.country, kyc_tier=self._record.kyc_tier, currency=currency)]
