"""GraphQL types of ledger transactions and their entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from services.ledger.records import EntryRecord, TransactionRecord
from schema.common.context import Info
from schema.common.enums import AccountKind, TransactionKind, TransactionStatus
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id

if TYPE_CHECKING:
    from schema.wallets.types import Wallet

WalletRef = Annotated["Wallet", strawberry.lazy("schema.wallets.types")]


@strawberry.enum
class EntryDirection(Enum):
    DEBIT = "DEBIT"
    CREDIT = "CREDIT"


async def _wallet(info: Info, wallet_id: uuid.UUID | None) -> Wallet | None:
    from schema.wallets.types import Wallet

    if wallet_id is None:
        return None
    model = await info.context.loaders.wallet.load(wallet_id)
    return Wallet.from_record(model) if model is not None else None


@strawberry.type(description="One leg of a transaction: a debit or credit on one ledger account.")
class Entry:
    direction: EntryDirection
    amount: Money = strawberry.field(description="The leg's size (always positive; see direction).")
    account_kind: AccountKind
    _record: strawberry.Private[EntryRecord]

    @classmethod
    def from_record(cls, record: EntryRecord) -> Entry:
        """The GraphQL view of an entry."""
        return cls(
            direction=EntryDirection.DEBIT if record.amount_minor < 0 else EntryDirection.CREDIT,
            amount=Money.of(abs(record.amount_minor), record.currency),
            account_kind=AccountKind(record.account_kind.value),
            _record=record,
        )

    @strawberry.field(permission_classes=requires("wallets:read"), description="The wallet, when the account is one.")
    async def wallet(self, info: Info) -> WalletRef | None:
        from schema.wallets.types import Wallet

        if self._record.account_kind.value != AccountKind.WALLET.value:
            return None
        model = await info.context.loaders.wallet_by_account.load(self._record.account_id)
        return Wallet.from_record(model) if model is not None else None


@strawberry.type(description="A posted ledger transaction (journal entry).")
class Transaction(Node):
    kind: TransactionKind
    status: TransactionStatus
    amount: Money
    fee: Money
    memo: str | None
    fee_breakdown: JSON | None = strawberry.field(description="How the fee was computed: the rule and its terms.")
    idempotency_key: str
    created_at: datetime
    _record: strawberry.Private[TransactionRecord]

    @classmethod
    def from_record(cls, record: TransactionRecord) -> Transaction:
        """The GraphQL view of a transaction."""
        return cls(
            id=to_global_id("Transaction", record.id),
            kind=TransactionKind(record.kind.value),
            status=TransactionStatus(record.status.value),
            amount=Money.of(record.amount_minor, record.currency),
            fee=Money.of(record.fee_minor, record.currency),
            memo=record.memo,
            fee_breakdown=record.fee_breakdown,
            idempotency_key=record.idempotency_key,
            created_at=record.created_at,
            _record=record,
        )

    @strawberry.field(permission_classes=requires("wallets:read"))
    async def from_wallet(self, info: Info) -> WalletRef | None:
        return await _wallet(info, self._record.from_wallet_id)

    @strawberry.field(permission_classes=requires("wallets:read"))
    async def to_wallet(self, info: Info) -> WalletRef | None:
        return await _wallet(info, self._record.to_wallet_id)

    @strawberry.field(description="The balanced debit and credit legs.")
    async def entries(self, info: Info) -> list[Entry]:
        records = await info.context.loaders.entries.load(self._record.id)
        return [Entry.from_record(record) for record in records]
