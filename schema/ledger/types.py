"""GraphQL types of ledger transactions and their entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from services.ledger.records import EntryRecord, TransactionRecord
from schema.rails.types import RailTransfer
from schema.common.context import Info
from schema.common.enums import AccountKind, TransactionKind, TransactionStatus
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from schema.fees.types import FeeLine, fee_line_views, public_breakdown

if TYPE_CHECKING:
    from schema.wallets.types import Wallet

WalletRef = Annotated["Wallet", strawberry.lazy("schema.wallets.types")]


@strawberry.enum(description="Which way an entry moves money on its ledger account.")
class EntryDirection(Enum):
    DEBIT = strawberry.enum_value(
        "DEBIT", description="Money leaves the account: on a wallet, its balance goes down by the entry's amount."
    )
    CREDIT = strawberry.enum_value(
        "CREDIT", description="Money enters the account: on a wallet, its balance goes up by the entry's amount."
    )


async def _wallet(info: Info, wallet_id: uuid.UUID | None) -> Wallet | None:
    from schema.wallets.types import Wallet

    if wallet_id is None:
        return None
    model = await info.context.loaders.wallet.load(wallet_id)
    return Wallet.from_record(model) if model is not None else None


@strawberry.type(description="One leg of a transaction: a debit or credit on one ledger account.")
class Entry:
    direction: EntryDirection = strawberry.field(
        description="DEBIT (money leaves the account) or CREDIT (money enters it); a transaction's debits and credits"
        " are equal per currency."
    )
    amount: Money = strawberry.field(description="The leg's size (always positive; see direction).")
    account_kind: AccountKind = strawberry.field(
        description="Whose ledger account the leg is on: a customer's wallet (WALLET, see wallet) or one of the bank's"
        " own accounts."
    )
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


@strawberry.type(
    description="A ledger transaction (journal entry): one money movement with its fee and balanced entries. Readable"
    " with transactions:read; a customer token sees only those paid from or into its own customer's wallets."
)
class Transaction(Node):
    kind: TransactionKind = strawberry.field(
        description="What the transaction did, after the mutation that made it (TransactionKind lists every kind:"
        " TOP_UP, TRANSFER, WITHDRAWAL, PAYMENT, REFUND, FX_CONVERSION, REVERSAL, RAIL_RETURN, SWEEP, ...)."
    )
    status: TransactionStatus = strawberry.field(
        description="POSTED (money moved), HELD for compliance review (funds reserved, nothing moved yet) or REJECTED"
        " after review (nothing moved)."
    )
    amount: Money = strawberry.field(
        description="The amount moved, as asked, in the wallets' currency; the fee is separate (see fee)."
    )
    fee: Money = strawberry.field(
        description="The fee, besides amount, in the same currency (zero when none is due): the sending wallet pays it"
        " on top of amount; a top-up's comes out of the credited wallet. Reserved while HELD; not charged if REJECTED."
    )
    memo: str | None = strawberry.field(
        description="The transfer's memo as given (trimmed, at most 280 characters); null when none was given."
    )
    buy_amount: Money | None = strawberry.field(
        default=None,
        description="An FX_CONVERSION (walletConvert) or a cross-currency TRANSFER (transferCreate with quoteId): what"
        " the receiving wallet got, in its currency; amount (and fee) are then in the currency sold. Null otherwise.",
    )
    fee_breakdown: JSON | None = strawberry.field(
        description="How the fee was computed, as untyped JSON: the rule (rule_id is its global ID) and its terms.",
        deprecation_reason="Use feeLines: the same breakdown as typed FeeLine values.",
    )
    idempotency_key: str = strawberry.field(
        description="The idempotencyKey the caller sent with the mutation that created the transaction."
    )
    created_at: datetime = strawberry.field(
        description="When the transaction was created (posted, or held for review), in UTC."
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="True when this is what a dry run (dryRun: true) would post right now: nothing was stored, its id"
        " finds nothing, entries is empty, and no fee, limit, key or event was used up.",
    )
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
            buy_amount=Money.of(record.buy_amount_minor, record.buy_currency)
            if record.buy_currency is not None and record.buy_amount_minor is not None else None,
            fee_breakdown=public_breakdown(record.fee_breakdown),
            idempotency_key=record.idempotency_key,
            created_at=record.created_at,
            dry_run=record.dry_run,
            _record=record,
        )

    @strawberry.field(
        permission_classes=requires("wallets:read"),
        description="Needs wallets:read. The paying wallet; null for a top-up (the bank pays), or when a customer token"
        " asks about another customer's wallet.",
    )
    async def from_wallet(self, info: Info) -> WalletRef | None:
        return await _wallet(info, self._record.from_wallet_id)

    @strawberry.field(
        permission_classes=requires("wallets:read"),
        description="Needs wallets:read. The receiving wallet; null for a withdrawal (paid out to the bank), or when a"
        " customer token asks about another customer's wallet.",
    )
    async def to_wallet(self, info: Info) -> WalletRef | None:
        return await _wallet(info, self._record.to_wallet_id)

    @strawberry.field(
        description="The fee charged, line by line, with the rule that set each line; empty when no fee rule applied."
    )
    def fee_lines(self) -> list[FeeLine]:
        record = self._record
        return fee_line_views(record.fee_breakdown, currency=record.currency, fallback_kind=record.kind.value)

    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="Needs transactions:read. The rail transfer behind a top-up or withdrawal from or to a linked"
        " funding source (this"
        " transaction is its HELD one, or its RAIL_RETURN); null for every other transaction."
    )
    async def rail_transfer(self, info: Info) -> RailTransfer | None:
        if self._record.dry_run or self._record.kind.value not in ("TOP_UP", "WITHDRAWAL", "RAIL_RETURN"):
            return None  # only these kinds can have one: no query for the others
        record = await info.context.loaders.rail_transfer.load(self._record.id)
        return RailTransfer.from_record(record) if record is not None else None

    @strawberry.field(description="The balanced debit and credit legs.")
    async def entries(self, info: Info) -> list[Entry]:
        if self._record.dry_run:
            return []  # nothing was written
        records = await info.context.loaders.entries.load(self._record.id)
        return [Entry.from_record(record) for record in records]
