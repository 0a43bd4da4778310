"""walletFreeze / walletUnfreeze: compliance stops and restarts all money movement of a wallet."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.wallets.types import Wallet
from services import wallet_freeze
from services.wallets import WalletRecord


@strawberry.input(description="walletFreeze / walletUnfreeze: which wallet, and why.")
class WalletStatusInput:
    wallet_id: strawberry.ID = strawberry.field(
        description="The wallet, of any partner (a Wallet ID; unknown: NOT_FOUND)."
    )
    reason: str = strawberry.field(
        description="Why, 3 to 500 characters, kept in the bank's audit log; a freeze's reason also becomes"
        " Wallet.statusReason, shown to bank staff only (never to the partner or the customer)."
    )


@strawberry.type(description="The result of walletFreeze or walletUnfreeze.")
class WalletStatusPayload:
    wallet: Wallet | None = strawberry.field(
        description="The wallet in its new status (FROZEN or ACTIVE); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


def _payload(record: WalletRecord | None, errors: list[UserError]) -> WalletStatusPayload:
    return WalletStatusPayload(wallet=Wallet.from_record(record) if record is not None else None, user_errors=errors)


@strawberry.type
class WalletFreezeMutations:
    @strawberry.mutation(
        permission_classes=requires("wallets:freeze"),
        description="Compliance: nothing moves into or out of an ACTIVE wallet (WALLET_NOT_ACTIVE) until it is"
        " unfrozen. Bank staff in the compliance role only (wallets:freeze, else FORBIDDEN); userErrors: VALIDATION"
        " (reason), NOT_FOUND, INVALID_STATE (the wallet is not ACTIVE).",
    )
    async def wallet_freeze(
        self, info: Info,
        input: Annotated[WalletStatusInput, strawberry.argument(description="The wallet to freeze, and why.")],
    ) -> WalletStatusPayload:
        record, errors = await attempt(info, wallet_freeze.freeze_wallet(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"walletId={input.wallet_id}")
        return _payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("wallets:freeze"),
        description="Compliance: a FROZEN wallet is ACTIVE again and its statusReason is cleared. Bank staff in the"
        " compliance role only (wallets:freeze, else FORBIDDEN); userErrors: VALIDATION (reason), NOT_FOUND,"
        " INVALID_STATE (the wallet is not FROZEN).",
    )
    async def wallet_unfreeze(
        self, info: Info,
        input: Annotated[WalletStatusInput, strawberry.argument(description="The wallet to unfreeze, and why.")],
    ) -> WalletStatusPayload:
        record, errors = await attempt(info, wallet_freeze.unfreeze_wallet(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"walletId={input.wallet_id}")
        return _payload(record, errors)
