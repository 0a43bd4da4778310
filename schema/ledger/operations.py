"""Money movements and transaction reads: parse input, call one service, map errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid
from schema.ledger.filter_args import CreatedFromArg, CreatedToArg, KindArg, StatusArg
from schema.common.scalars import Decimal
from schema.ledger.types import Transaction
from services.errors import NotFound, ValidationFailed
from services.fx import transfers as fx_transfers
from services.ledger import posting
from services.ledger import queries as ledger_queries
from services.ledger.records import TransactionRecord

_AMOUNT = (
    'a positive decimal string in the wallet currency with at most its decimals, e.g. "12.50" CNY or "1250" JPY'
    " (INVALID_AMOUNT otherwise; never rounded)"
)
_KEY = (
    "Your unique key for this request: 1 to 255 printable ASCII characters without spaces (VALIDATION otherwise),"
    " unique per partner and kept at least 72 hours. Retrying with the same key and input returns the original"
    " transaction; the same key with different input is IDEMPOTENCY_CONFLICT."
)
_CURRENCY = (
    "Optional safety check: the ISO 4217 code you expect the wallet to hold; CURRENCY_MISMATCH if it is not the"
    " wallet's, UNSUPPORTED_CURRENCY if it is not a currency the bank offers. Omit it to use the wallet's currency."
)
_TRANSACTION = (
    "The transaction created, or for a retried idempotencyKey the original one; null when userErrors is not empty."
    " Check its status: HELD means compliance review, with the funds reserved."
)
_REFUSALS = "Why nothing moved; empty on success. A refusal does not use up the idempotencyKey."
_DRY_RUN = (
    "true: run every check (balance, limits, fees, freeze, KYC tier, screening) and answer the transaction this"
    " request would post right now, with its fee, without writing anything: no money moves, the idempotencyKey is"
    " not used up, no limit usage is counted, no alert, event or audit row is written. A refusal comes back in"
    " userErrors as it would for the real request. Default false."
)


@strawberry.input(description="Which wallet to credit from the bank, with how much, under which idempotency key.")
class WalletTopUpInput:
    wallet_id: strawberry.ID = strawberry.field(
        description="The global ID of the wallet to credit: one of your customers' wallets (NOT_FOUND otherwise)."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description=f"How much to credit: {_AMOUNT}. A top-up fee, if one applies, is then debited from the wallet."
    )
    idempotency_key: str = strawberry.field(description=_KEY)
    currency: str | None = strawberry.field(default=None, description=_CURRENCY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)
    bank_account_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: top up from this linked, VERIFIED bank account of the wallet's customer, through its"
        " payment rail: the transaction is HELD (nothing moves) until the rail settles it (POSTED) or fails it"
        " (REJECTED); follow it with transaction.railTransfer or the rail_transfer.* events. Omit (with cardId) for"
        " an instant top-up from the bank.",
    )
    card_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: top up from this linked, ACTIVE card of the wallet's customer, through the card"
        " processor (a decline fails it with the processor's reason). At most one of bankAccountId and cardId.",
    )


@strawberry.input(description="Which wallet pays which, how much, under which idempotency key, with an optional memo.")
class TransferCreateInput:
    from_wallet_id: strawberry.ID = strawberry.field(
        description="The global ID of the paying wallet: one of your customers' wallets, or with a customer token one of"
        " that customer's own (NOT_FOUND otherwise)."
    )
    to_wallet_id: strawberry.ID = strawberry.field(
        description="The global ID of the receiving wallet: any of your customers' wallets, in the same currency or,"
        " with quoteId, in the quote's buy currency (QUOTE_REQUIRED without one; SAME_WALLET if it is fromWalletId)."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description=f"How much the receiver gets: {_AMOUNT}. The paying wallet pays this plus the fee (see feeQuote)."
        " With quoteId: the amount sold, in the paying wallet's currency, exactly the quote's sellAmount"
        " (QUOTE_MISMATCH otherwise); the receiver gets the quote's buyAmount."
    )
    idempotency_key: str = strawberry.field(description=_KEY)
    memo: str | None = strawberry.field(
        default=None,
        description="An optional note kept on the transaction: at most 280 characters after trimming, no control"
        " characters (VALIDATION otherwise); blank counts as none.",
    )
    currency: str | None = strawberry.field(default=None, description=_CURRENCY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)
    quote_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only for a receiving wallet in another currency (QUOTE_REQUIRED without it; QUOTE_MISMATCH on a"
        " same-currency transfer): the global ID of an FxQuote (fxQuote) selling the paying wallet's currency for the"
        " receiving wallet's, given to the paying customer (or to you), for fromWalletId if it named a wallet, for"
        " exactly amount. Used once, at its own rate, in the transfer's write (QUOTE_EXPIRED, QUOTE_ALREADY_USED;"
        " a dry run leaves it unused). The fee is the transfer fee (feeQuote) plus the quote's fee.",
    )


@strawberry.input(description="Which wallet pays money out of the wallet system, how much, under which idempotency key.")
class WithdrawalCreateInput:
    wallet_id: strawberry.ID = strawberry.field(
        description="The global ID of the wallet to pay out from: one of your customers' wallets, or with a customer"
        " token one of that customer's own (NOT_FOUND otherwise)."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description=f"How much to pay out: {_AMOUNT}. The wallet pays this plus the fee (see feeQuote)."
    )
    idempotency_key: str = strawberry.field(description=_KEY)
    currency: str | None = strawberry.field(default=None, description=_CURRENCY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)
    bank_account_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: pay out to this linked, VERIFIED bank account of the wallet's customer, through its"
        " payment rail: amount and fee are reserved at once (availableBalance drops, balance does not) and counted"
        " against the limits; the transaction is HELD until the rail settles it (POSTED) or fails it (REJECTED: the"
        " reservation and limit usage end). Omit for an instant withdrawal to the bank.",
    )


@strawberry.type(description="The result of walletTopUp: the transaction, or why nothing moved.")
class WalletTopUpPayload:
    transaction: Transaction | None = strawberry.field(description=_TRANSACTION)
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} Codes: VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY, NOT_FOUND, CURRENCY_MISMATCH,"
        " WALLET_NOT_ACTIVE, KYC_REQUIRED, LIMIT_EXCEEDED (maximum balance), COMPLIANCE_HOLD, STEP_UP_REQUIRED,"
        " INSUFFICIENT_FUNDS (a fee above what the wallet would hold), IDEMPOTENCY_CONFLICT."
    )


@strawberry.type(description="The result of transferCreate: the transaction, or why nothing moved.")
class TransferCreatePayload:
    transaction: Transaction | None = strawberry.field(description=_TRANSACTION)
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} Codes: VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY, NOT_FOUND, SAME_WALLET,"
        " CURRENCY_MISMATCH, WALLET_NOT_ACTIVE, INSUFFICIENT_FUNDS, LIMIT_EXCEEDED, KYC_REQUIRED, COMPLIANCE_HOLD,"
        " STEP_UP_REQUIRED, IDEMPOTENCY_CONFLICT. A customer token learns only WALLET_NOT_ACTIVE for any refusal"
        " about the receiving customer. Between two currencies also QUOTE_REQUIRED, QUOTE_MISMATCH, QUOTE_EXPIRED,"
        " QUOTE_ALREADY_USED; a quote's NOT_FOUND names quoteId."
    )


@strawberry.type(description="The result of withdrawalCreate: the transaction, or why nothing moved.")
class WithdrawalCreatePayload:
    transaction: Transaction | None = strawberry.field(description=_TRANSACTION)
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} Codes: VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY, NOT_FOUND, CURRENCY_MISMATCH,"
        " WALLET_NOT_ACTIVE, INSUFFICIENT_FUNDS, LIMIT_EXCEEDED, KYC_REQUIRED, COMPLIANCE_HOLD, STEP_UP_REQUIRED,"
        " IDEMPOTENCY_CONFLICT."
    )


def _tx(record: TransactionRecord | None) -> Transaction | None:
    return Transaction.from_record(record) if record is not None else None


@strawberry.type
class LedgerQueries:
    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="One transaction by its global ID. Needs transactions:read. An unknown ID, or one you may not see"
        " (another partner's, or with a customer token another customer's), is a NOT_FOUND error.",
    )
    async def transaction(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The transaction's global ID, as the API returned it.")],
    ) -> Transaction | None:
        record = await ledger_queries.get_transaction(
            principal=info.context.principal, transaction_id=global_id_to_uuid(id, "Transaction")
        )
        return Transaction.from_record(record)

    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="The partner's transactions, newest first (a stable order), at most 100 a page; filters combine"
        " with AND. Needs transactions:read; a customer token lists only its own customer's transactions.",
    )
    async def transactions(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        wallet_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this wallet's transactions: those paid from it or into it, in any status."
        )] = None,
        last: LastArg = None,
        before: BeforeArg = None,
        kind: KindArg = None,
        status: StatusArg = None,
        created_from: CreatedFromArg = None,
        created_to: CreatedToArg = None,
    ) -> Connection[Transaction]:
        wallet_uuid = None
        if wallet_id is not None:
            wallet_uuid = global_id_to_uuid(wallet_id, "Wallet")
            if wallet_uuid is None:
                raise NotFound("wallet not found", field=["walletId"])
        page = await ledger_queries.list_transactions(
            principal=info.context.principal, first=first, after=after, last=last, before=before, wallet_id=wallet_uuid,
            kind=kind, status=status, created_from=created_from, created_to=created_to,
        )
        return Connection.from_page(page, Transaction.from_record)


async def _sourced(input: object, run: Callable[[tuple[str, Any] | None], Awaitable[TransactionRecord]]) -> TransactionRecord:
    """Run a top-up or withdrawal with the funding source its input names (refusals become userErrors)."""
    return await run(_funding_source(input))


def _funding_source(input: object) -> tuple[str, Any] | None:
    """The linked source a top-up or withdrawal names ((kind, id); an unknown ID stays None: NOT_FOUND), or None."""
    bank_account, card = getattr(input, "bank_account_id", None), getattr(input, "card_id", None)
    if bank_account is not None and card is not None:
        raise ValidationFailed("give at most one of bankAccountId and cardId", field=["cardId"])
    if bank_account is not None:
        return "BANK_ACCOUNT", global_id_to_uuid(bank_account, "BankAccount")
    if card is not None:
        return "CARD", global_id_to_uuid(card, "Card")
    return None


@strawberry.type
class LedgerMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("transactions:write"),
        description="Credit a wallet with money from the bank's settlement account. Needs the partner's own token with"
        " transactions:write (customer tokens and staff are FORBIDDEN). Idempotent by idempotencyKey.",
    )
    async def wallet_top_up(
        self, info: Info,
        input: Annotated[WalletTopUpInput, strawberry.argument(description="The wallet, amount and idempotency key.")],
    ) -> WalletTopUpPayload:
        model, errors = await attempt(
            info,
            _sourced(input, lambda source: posting.post_top_up(
                principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, currency=input.currency,
                audit=audit_note(info), dry_run=input.dry_run, source=source,
            )), dry_run=input.dry_run,
        )
        return WalletTopUpPayload(transaction=_tx(model), user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Move money between two of your customers' wallets in one currency, or at an FX quote (quoteId)"
        " to a wallet in another currency; the payer pays amount plus fee. Needs transactions:write (a partner token, or a customer token paying from its own wallet; staff are"
        " FORBIDDEN). Idempotent by idempotencyKey.",
    )
    async def transfer_create(
        self, info: Info,
        input: Annotated[TransferCreateInput, strawberry.argument(
            description="The paying and receiving wallets, amount, idempotency key and optional memo."
        )],
    ) -> TransferCreatePayload:
        model, errors = await attempt(
            info,
            fx_transfers.create_transfer(
                principal=info.context.principal,
                from_wallet_id=global_id_to_uuid(input.from_wallet_id, "Wallet"),
                to_wallet_id=global_id_to_uuid(input.to_wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, memo=input.memo, currency=input.currency,
                quote_id=global_id_to_uuid(input.quote_id, "FxQuote") if input.quote_id is not None else None,
                quote_named=input.quote_id is not None, audit=audit_note(info), dry_run=input.dry_run,
            ), dry_run=input.dry_run,
        )
        return TransferCreatePayload(transaction=_tx(model), user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Pay money out of a wallet to the bank's settlement account; the wallet pays amount plus fee."
        " Needs transactions:write (a partner token, or a customer token for its own wallet; staff are FORBIDDEN)."
        " Idempotent by idempotencyKey.",
    )
    async def withdrawal_create(
        self, info: Info,
        input: Annotated[WithdrawalCreateInput, strawberry.argument(description="The wallet, amount and idempotency key.")],
    ) -> WithdrawalCreatePayload:
        model, errors = await attempt(
            info,
            _sourced(input, lambda source: posting.post_withdrawal(
                principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, currency=input.currency,
                audit=audit_note(info), dry_run=input.dry_run, source=source,
            )), dry_run=input.dry_run,
        )
        return WithdrawalCreatePayload(transaction=_tx(model), user_errors=errors)
