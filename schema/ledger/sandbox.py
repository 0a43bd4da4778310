"""sandboxFund: test money into a sandbox partner's wallet (a SANDBOX_FUND posting, through the one posting engine)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires_sandbox_partner
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.ledger.operations import _AMOUNT, _KEY, _REFUSALS, _TRANSACTION, _tx
from schema.ledger.types import Transaction
from services.ledger import posting


@strawberry.input(description="Which sandbox wallet to fund with test money, how much, under which idempotency key.")
class SandboxFundInput:
    wallet_id: strawberry.ID = strawberry.field(
        description="The global ID of the wallet to fund: one of your (sandbox) customers' wallets (NOT_FOUND otherwise)."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description=f"How much test money to mint: {_AMOUNT}. The wallet must stay within its customer's tier maximum"
        " balance (LIMIT_EXCEEDED otherwise)."
    )
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.type(description="The result of sandboxFund: the SANDBOX_FUND transaction, or why nothing moved.")
class SandboxFundPayload:
    transaction: Transaction | None = strawberry.field(description=_TRANSACTION)
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} Codes: VALIDATION, INVALID_AMOUNT, NOT_FOUND, WALLET_NOT_ACTIVE, KYC_REQUIRED,"
        " LIMIT_EXCEEDED (maximum balance), COMPLIANCE_HOLD, IDEMPOTENCY_CONFLICT."
    )


@strawberry.type
class SandboxMutations:
    @strawberry.mutation(
        permission_classes=requires_sandbox_partner("transactions:write"),
        description="Sandbox partners only: mint test money into one of your wallets (a SANDBOX_FUND transaction from"
        " your own SANDBOX account; it never touches the bank's real accounts or live reports). Needs a sandbox"
        " partner's own token with transactions:write: a live partner's token, customer tokens and staff are"
        " FORBIDDEN. Otherwise it behaves like walletTopUp: the wallet must be ACTIVE and stay within its maximum"
        " balance, and it is idempotent by idempotencyKey.",
    )
    async def sandbox_fund(
        self, info: Info,
        input: Annotated[SandboxFundInput, strawberry.argument(description="The wallet, amount and idempotency key.")],
    ) -> SandboxFundPayload:
        model, errors = await attempt(
            info,
            posting.post_sandbox_fund(
                principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
                amount=input.amount, idempotency_key=input.idempotency_key, audit=audit_note(info),
            ),
        )
        return SandboxFundPayload(transaction=_tx(model), user_errors=errors)
