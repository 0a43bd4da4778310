"""Money movements and transaction reads: parse input, call one service, map errors."""

from __future__ import annotations

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import Connection, global_id_to_uuid
from schema.common.scalars import Decimal
from schema.ledger.types import Transaction
from services.errors import NotFound
from services.ledger import posting
from services.ledger import queries as ledger_queries
from services.ledger.records import TransactionRecord


@strawberry.input
class WalletTopUpInput:
    wallet_id: strawberry.ID
    amount: Decimal  # type: ignore[valid-type]
    idempotency_key: str = strawberry.field(description="Unique per partner, at most 255 characters; kept 72 h or more.")
    currency: str | None = strawberry.field(default=None, description="Optional: refused unless it is the wallet's.")


@strawberry.input
class TransferCreateInput:
    from_wallet_id: strawberry.ID
    to_wallet_id: strawberry.ID
    amount: Decimal  # type: ignore[valid-type]
    idempotency_key: str
    memo: str | None = None
    currency: str | None = None


@strawberry.input
class WithdrawalCreateInput:
    wallet_id: strawberry.ID
    amount: Decimal  # type: ignore[valid-type]
    idempotency_key: str
    currency: str | None = None


@strawberry.type
class WalletTopUpPayload:
    transaction: Transaction | None
    user_errors: list[UserError]


@strawberry.type
class TransferCreatePayload:
    transaction: Transaction | None
    user_errors: list[UserError]


@strawberry.type
class WithdrawalCreatePayload:
    transaction: Transaction | None
    user_errors: list[UserError]


def _tx(record: TransactionRecord | None) -> Transaction | None:
    return Transaction.from_record(record) if record is not None else None


@strawberry.type
class LedgerQueries:
    @strawberry.field(permission_classes=requires("transactions:read"))
    async def transaction(self, info: Info, id: strawberry.ID) -> Transaction | None:
        record = await ledger_queries.get_transaction(
            principal=info.context.principal, transaction_id=global_id_to_uuid(id, "Transaction")
        )
        return Transaction.from_record(record)

    @strawberry.field(permission_classes=requires("transactions:read"), description="Newest first, at most 100 a page.")
    async def transactions(
        self, info: Info, first: int | None = 20, after: str | None = None, wallet_id: strawberry.ID | None = None
    ) -> Connection[Transaction]:
        wallet_uuid = None
        if wallet_id is not None:
            wallet_uuid = global_id_to_uuid(wallet_id, "Wallet")
            if wallet_uuid is None:
                raise NotFound("wallet not found", field=["walletId"])
        page = await ledger_queries.list_transactions(
            principal=info.context.principal, first=first, after=after, wallet_id=wallet_uuid
        )
        return Connection.from_page(page, Transaction.from_record)


@strawberry.type
class LedgerMutations:
    @strawberry.mutation(permission_classes=requires_partner("transactions:write"), description="Credit a wallet from the bank.")
    async def wallet_top_up(self, info: Info, input: WalletTopUpInput) -> WalletTopUpPayload:
        model, errors = await attempt(
            info,
            posting.post_top_up(
                principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, currency=input.currency,
                audit=audit_note(info),
            )
        )
        return WalletTopUpPayload(transaction=_tx(model), user_errors=errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"), description="Move money between two wallets.")
    async def transfer_create(self, info: Info, input: TransferCreateInput) -> TransferCreatePayload:
        model, errors = await attempt(
            info,
            posting.post_transfer(
                principal=info.context.principal,
                from_wallet_id=global_id_to_uuid(input.from_wallet_id, "Wallet"),
                to_wallet_id=global_id_to_uuid(input.to_wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, memo=input.memo, currency=input.currency,
                audit=audit_note(info),
            )
        )
        return TransferCreatePayload(transaction=_tx(model), user_errors=errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"), description="Pay money out of a wallet.")
    async def withdrawal_create(self, info: Info, input: WithdrawalCreateInput) -> WithdrawalCreatePayload:
        model, errors = await attempt(
            info,
            posting.post_withdrawal(
                principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, currency=input.currency,
                audit=audit_note(info),
            )
        )
        return WithdrawalCreatePayload(transaction=_tx(model), user_errors=errors)
