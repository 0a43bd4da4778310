"""GraphQL types of wallets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from services.wallets import WalletRecord
from schema.common.context import Info
from schema.common.enums import WalletStatus
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import Connection, Node, to_global_id

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.ledger.types import Transaction


@strawberry.type(description="A customer's wallet in one currency, backed by one ledger account.")
class Wallet(Node):
    currency: str
    status: WalletStatus
    balance: Money
    available_balance: Money = strawberry.field(description="The balance less funds on hold.")
    created_at: datetime
    _record: strawberry.Private[WalletRecord]

    @classmethod
    def from_record(cls, record: WalletRecord) -> Wallet:
        """The GraphQL view of a wallet a service returned."""
        return cls(
            id=to_global_id("Wallet", record.id),
            currency=record.currency,
            status=WalletStatus(record.status),
            balance=Money.of(record.balance_minor, record.currency),
            available_balance=Money.of(record.balance_minor - record.held_minor, record.currency),
            created_at=record.created_at,
            _record=record,
        )

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="Why compliance froze the wallet. Bank staff only (admin, compliance): partners see the FROZEN status, never the reason.",
    )
    def status_reason(self) -> str | None:
        return self._record.status_reason

    @strawberry.field(permission_classes=requires("customers:read"))
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.customers.types")]:
        from schema.customers.types import Customer

        model = await info.context.loaders.customer.load(self._record.customer_id)
        return Customer.from_record(model)

    @strawberry.field(permission_classes=requires("transactions:read"), description="Newest first.")
    async def transactions(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated["Transaction", strawberry.lazy("schema.ledger.types")]]:
        from schema.ledger.types import Transaction

        key = (self._record.account_id, first, after)  # type: ignore[attr-defined]
        page = await info.context.loaders.wallet_transactions.load(key)
        return Connection.from_page(page, Transaction.from_record)
