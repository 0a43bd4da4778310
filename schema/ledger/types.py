"""GraphQL types of ledger transactions and their entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from services.records import Entry as EntryModel
from services.records import Transaction as TransactionModel
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
    return Wallet.from_model(model) if model is not None else None


@strawberry.type(description="One leg of a transaction: a debit or credit on one ledger account.")
class Entry:
    direction: EntryDirection
    amount: Money = strawberry.field(description="The leg's size (always positive; see direction).")
    account_kind: AccountKind
    _model: strawberry.Private[EntryModel]

    @classmethod
    def from_model(cls, model: EntryModel) -> Entry:
        """The GraphQL view of an entry row (its account must be loaded)."""
        return cls(
            direction=EntryDirection.DEBIT if model.amount_minor < 0 else EntryDirection.CREDIT,
            amount=Money.of(abs(model.amount_minor), model.currency),
            account_kind=AccountKind(model.account.kind),
            _model=model,
        )

    @strawberry.field(permission_classes=requires("wallets:read"), description="The wallet, when the account is one.")
    async def wallet(self, info: Info) -> WalletRef | None:
        from schema.wallets.types import Wallet

        if self._model.account.kind != AccountKind.WALLET:
            return None
        model = await info.context.loaders.wallet_by_account.load(self._model.account_id)  # type: ignore[attr-defined]
        return Wallet.from_model(model) if model is not None else None


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
    _model: strawberry.Private[TransactionModel]

    @classmethod
    def from_model(cls, model: TransactionModel) -> Transaction:
        """The GraphQL view of a transaction row."""
        return cls(
            id=to_global_id("Transaction", model.id),
            kind=TransactionKind(model.kind),
            status=TransactionStatus(model.status),
            amount=Money.of(model.amount_minor, model.currency),
            fee=Money.of(model.fee_minor, model.currency),
            memo=model.memo,
            fee_breakdown=model.fee_breakdown,
            idempotency_key=model.idempotency_key,
            created_at=model.created_at,
            _model=model,
        )

    @strawberry.field(permission_classes=requires("wallets:read"))
    async def from_wallet(self, info: Info) -> WalletRef | None:
        return await _wallet(info, self._model.from_wallet_id)  # type: ignore[attr-defined]

    @strawberry.field(permission_classes=requires("wallets:read"))
    async def to_wallet(self, info: Info) -> WalletRef | None:
        return await _wallet(info, self._model.to_wallet_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The balanced debit and credit legs.")
    async def entries(self, info: Info) -> list[Entry]:
        rows = await info.context.loaders.entries.load(self._model.id)
        return [Entry.from_model(row) for row in rows]
