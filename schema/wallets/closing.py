"""Account management of wallets: walletClose (with an optional sweep) and walletNicknameSet."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.wallets.types import Wallet
from services import wallet_closing, wallet_nicknames

if TYPE_CHECKING:
    from schema.ledger.types import Transaction

_NO_WALLET = uuid.UUID(int=0)  # names no wallet: the service answers NOT_FOUND for sweepToWalletId


@strawberry.input(description="walletClose: close a wallet for good.")
class WalletCloseInput:
    wallet_id: strawberry.ID = strawberry.field(description="The ACTIVE wallet to close.")
    sweep_to_wallet_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Where its balance goes first: another ACTIVE wallet of the same customer and currency. Without"
        " it, a wallet that still holds money is refused (WALLET_NOT_EMPTY).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Required with sweepToWalletId (the sweep moves money), 1 to 255 printable ASCII characters"
        " without spaces: a retry with the same key returns the original result.",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why, up to 500 characters: kept in the bank's audit log, not shown to the customer."
    )


@strawberry.type(description="The result of walletClose.")
class WalletClosePayload:
    wallet: Wallet | None = strawberry.field(description="The wallet, now CLOSED; null when refused.")
    sweep: Annotated["Transaction", strawberry.lazy("schema.ledger.types")] | None = strawberry.field(
        description="The SWEEP transaction that moved the balance to sweepToWalletId; null when the wallet was empty"
        " (or when refused)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.input(description="walletNicknameSet: the customer's own name for a wallet.")
class WalletNicknameSetInput:
    wallet_id: strawberry.ID = strawberry.field(description="The wallet (a customer token: only its own).")
    nickname: str | None = strawberry.field(
        description="1 to 40 characters, no control characters, e.g. \"Holidays\"; null removes it."
    )


@strawberry.type(description="The result of walletNicknameSet.")
class WalletNicknameSetPayload:
    wallet: Wallet | None = strawberry.field(description="The wallet with its new nickname; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.type
class WalletAccountMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("wallets:write"),
        description="Close a wallet for good: at a zero balance, or sweeping its balance into another wallet of the"
        " same customer in the same transaction; a closed wallet refuses every movement and keeps its history. The"
        " partner's own token with wallets:write; userErrors: WALLET_NOT_EMPTY (money left without a sweep, funds on"
        " hold or a transaction under review), INVALID_STATE (CLOSED or FROZEN), NOT_FOUND, VALIDATION, and for the"
        " sweep SAME_WALLET, CURRENCY_MISMATCH, WALLET_NOT_ACTIVE, COMPLIANCE_HOLD, KYC_REQUIRED, LIMIT_EXCEEDED"
        " (the target's maximum balance), IDEMPOTENCY_CONFLICT.",
    )
    async def wallet_close(
        self, info: Info,
        input: Annotated[WalletCloseInput, strawberry.argument(
            description="The wallet to close, and where its money goes."
        )],
    ) -> WalletClosePayload:
        from schema.ledger.types import Transaction

        sweep_to = None
        if input.sweep_to_wallet_id is not None:
            # A malformed or foreign ID still names "a sweep": the service answers NOT_FOUND for it.
            sweep_to = global_id_to_uuid(input.sweep_to_wallet_id, "Wallet") or _NO_WALLET
        closing, errors = await attempt(info, wallet_closing.close_wallet(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            sweep_to_wallet_id=sweep_to, idempotency_key=input.idempotency_key, reason=input.reason,
            audit=audit_note(info),
        ), detail=f"walletId={input.wallet_id} sweepToWalletId={input.sweep_to_wallet_id}")
        if closing is None:
            return WalletClosePayload(wallet=None, sweep=None, user_errors=errors)
        sweep = Transaction.from_record(closing.sweep) if closing.sweep is not None else None
        return WalletClosePayload(wallet=Wallet.from_record(closing.wallet), sweep=sweep, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("wallets:write"),
        description="Name a wallet (or with null remove its name); a closed wallet keeps the name it had. Needs"
        " wallets:write (a customer token names only its own wallets); userErrors: VALIDATION, NOT_FOUND,"
        " INVALID_STATE (wallet CLOSED).",
    )
    async def wallet_nickname_set(
        self, info: Info,
        input: Annotated[WalletNicknameSetInput, strawberry.argument(
            description="The wallet and its new nickname."
        )],
    ) -> WalletNicknameSetPayload:
        record, errors = await attempt(info, wallet_nicknames.set_wallet_nickname(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            nickname=input.nickname,
        ), detail=f"walletId={input.wallet_id}")
        return WalletNicknameSetPayload(wallet=Wallet.from_record(record) if record else None, user_errors=errors)

