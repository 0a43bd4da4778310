"""walletFreeze / walletUnfreeze: compliance stops and restarts all money movement of a wallet."""

from __future__ import annotations

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.wallets.types import Wallet
from services import wallet_freeze
from services.wallets import WalletRecord


@strawberry.input
class WalletStatusInput:
    wallet_id: strawberry.ID
    reason: str = strawberry.field(description="3 to 500 characters; shown to bank staff only.")


@strawberry.type
class WalletStatusPayload:
    wallet: Wallet | None
    user_errors: list[UserError]


def _payload(record: WalletRecord | None, errors: list[UserError]) -> WalletStatusPayload:
    return WalletStatusPayload(wallet=Wallet.from_record(record) if record is not None else None, user_errors=errors)


@strawberry.type
class WalletFreezeMutations:
    @strawberry.mutation(
        permission_classes=requires("wallets:freeze"),
        description="Compliance: nothing moves into or out of the wallet until it is unfrozen.",
    )
    async def wallet_freeze(self, info: Info, input: WalletStatusInput) -> WalletStatusPayload:
        record, errors = await attempt(info, wallet_freeze.freeze_wallet(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"walletId={input.wallet_id}")
        return _payload(record, errors)

    @strawberry.mutation(permission_classes=requires("wallets:freeze"), description="Compliance: the wallet is ACTIVE again.")
    async def wallet_unfreeze(self, info: Info, input: WalletStatusInput) -> WalletStatusPayload:
        record, errors = await attempt(info, wallet_freeze.unfreeze_wallet(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"walletId={input.wallet_id}")
        return _payload(record, errors)
