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
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, Node, to_global_id
from schema.ledger.filter_args import CreatedFromArg, CreatedToArg, KindArg, StatusArg
from schema.loaders import TRANSACTION_PAGE_ARGS, page_key

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.ledger.types import Transaction


@strawberry.type(description="A customer's wallet in one currency, backed by one ledger account.")
class Wallet(Node):
    currency: str = strawberry.field(
        description="The wallet's ISO 4217 currency, upper case (e.g. CNY), fixed at walletOpen: all its money is in it."
    )
    status: WalletStatus = strawberry.field(
        description="ACTIVE; FROZEN by bank compliance (walletFreeze) or CLOSED for good (walletClose), when every"
        " movement in or out is refused with WALLET_NOT_ACTIVE."
    )
    balance: Money = strawberry.field(
        description="The ledger balance in the wallet's currency, funds on hold included; never below zero."
    )
    available_balance: Money = strawberry.field(
        description="The balance less funds on hold (payments from the wallet held for compliance review): what the"
        " wallet can pay now, amount and fee together."
    )
    created_at: datetime = strawberry.field(description="When the wallet was opened (walletOpen), in UTC.")
    nickname: str | None = strawberry.field(
        description="The customer's own name for the wallet (walletNicknameSet), 1 to 40 characters; null when none."
    )
    closed_at: datetime | None = strawberry.field(
        description="When walletClose closed the wallet (status CLOSED; null otherwise). A closed wallet moves no money"
        " and keeps its history."
    )
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
            nickname=record.nickname,
            closed_at=record.closed_at,
            _record=record,
        )

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="Why compliance froze the wallet. Bank staff only (admin, compliance): partners see the FROZEN status, never the reason.",
    )
    def status_reason(self) -> str | None:
        return self._record.status_reason

    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="The customer who owns the wallet; needs customers:read as well as wallets:read.",
    )
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.customers.types")]:
        from schema.customers.types import Customer

        model = await info.context.loaders.customer.load(self._record.customer_id)
        return Customer.from_record(model)

    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="The transactions paid from or into this wallet, in any status, newest first (a stable order),"
        " at most 100 a page; filters combine with AND.",
    )
    async def transactions(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
        kind: KindArg = None,
        status: StatusArg = None,
        created_from: CreatedFromArg = None,
        created_to: CreatedToArg = None,
    ) -> Connection[Annotated["Transaction", strawberry.lazy("schema.ledger.types")]]:
        from schema.ledger.types import Transaction

        key = page_key(
            self._record.id, TRANSACTION_PAGE_ARGS, first=first, after=after, last=last, before=before, kind=kind,
            status=status, created_from=created_from, created_to=created_to,
        )
        page = await info.context.loaders.wallet_transactions.load(key)
        return Connection.from_page(page, Transaction.from_record)
