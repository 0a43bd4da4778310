"""transactionReverse: bank staff undo a posted transaction (parse input, call one service, map errors)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.ledger.types import Transaction
from services.ledger.reversal import reverse_transaction


@strawberry.input(description="The transaction to reverse, and why.")
class TransactionReverseInput:
    transaction_id: strawberry.ID = strawberry.field(description="A POSTED transaction (a Transaction ID) of any partner.")
    reason: str = strawberry.field(description="Why, 3 to 500 characters: kept in the audit log and the reversal's memo.")


@strawberry.type(description="The result of transactionReverse: the reversing transaction, or why nothing moved.")
class TransactionReversePayload:
    transaction: Transaction | None = strawberry.field(
        description="The REVERSAL transaction (the original's partner owns it); null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved. Codes: VALIDATION, NOT_FOUND, NOT_REVERSIBLE (not POSTED, a reversal itself, or"
        " already reversed), INSUFFICIENT_FUNDS (the receiving wallet no longer holds the money), WALLET_NOT_ACTIVE,"
        " COMPLIANCE_HOLD, IDEMPOTENCY_CONFLICT (another reversal of it with another reason is under way)."
    )


@strawberry.type
class ReversalMutations:
    @strawberry.mutation(
        permission_classes=requires("transactions:reverse"),
        description="Bank admin or compliance: post the exact opposite of a POSTED transaction (every entry negated, the"
        " fee given back), once; no limits counted, no fee; audited. Partners and customer tokens are FORBIDDEN.",
    )
    async def transaction_reverse(
        self, info: Info,
        input: Annotated[TransactionReverseInput, strawberry.argument(description="The transaction and the reason.")],
    ) -> TransactionReversePayload:
        record, errors = await attempt(info, reverse_transaction(
            principal=info.context.principal, transaction_id=global_id_to_uuid(input.transaction_id, "Transaction"),
            reason=input.reason, audit=audit_note(info),
        ))
        return TransactionReversePayload(transaction=Transaction.from_record(record) if record else None,
                                         user_errors=errors)
