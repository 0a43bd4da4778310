"""transactionReverse: bank staff undo a posted transaction with its exact opposite, once, through the posting engine.

The reversal is a REVERSAL posting whose legs are the original's entries
negated — principal and fee alike, partner share included — between the same
accounts. In its one atomic write it claims the original (still POSTED and not
yet reversed: `reversed_by` is set to the reversal), so two staff members
reversing at once get one reversal and one NOT_REVERSIBLE. No limits are
counted and no fee is charged (services.compliance.sweep_checks.check_reversal);
the wallet that received the money must still hold it (INSUFFICIENT_FUNDS
otherwise: the bank then settles it another way). The original's partner sees
the reversal as its own transaction and gets `transaction.reversed`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from auth.principal import Principal
from models import Entry, PointsRedemption, Transaction, Wallet
from models.enums import TransactionKind, TransactionStatus
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.authority import require_staff
from services.errors import NotFound, TransactionNotReversible
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.ledger.side_writes import RowClaim, event_insert
from services.money import format_amount
from services.payments.reversing import reverse_payment
from services.merchants.settlement import reversal_legs
from services.validation import clean_reason

PERMISSION = "transactions:reverse"
MAX_REASON_CHARS = 500


def _not_yet_reversed(original_id: uuid.UUID, reversal_id: uuid.UUID) -> RowClaim:
    """The original is still POSTED and unreversed, and names this reversal; or NOT_REVERSIBLE."""
    return RowClaim(
        table="ledger_transaction", row_id=original_id, condition="status = $1 AND reversed_by IS NULL",
        assignment="reversed_by = $2", values=(TransactionStatus.POSTED.value, reversal_id),
        refusal=lambda: TransactionNotReversible("the transaction was reversed meanwhile", field=["transactionId"]),
    )


async def reverse_transaction(
    *, principal: Principal, transaction_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None = None,
) -> TransactionRecord:
    """Post the exact opposite of a POSTED transaction (admin or compliance staff); the reversing transaction."""
    require_staff(principal, PERMISSION)
    text = clean_reason(reason, min_len=3, max_len=MAX_REASON_CHARS)
    original = await Transaction.get_or_none(id=transaction_id) if transaction_id else None
    if original is None:
        raise NotFound("transaction not found", field=["transactionId"])
    if original.reversed_by is not None:
        raise TransactionNotReversible("the transaction was already reversed", field=["transactionId"])
    if original.kind == TransactionKind.REVERSAL or original.status != TransactionStatus.POSTED:
        raise TransactionNotReversible("only a POSTED transaction that is not itself a reversal can be reversed",
                                       field=["transactionId"])
    if original.kind == TransactionKind.FX_CONVERSION:
        # Its entries are in two currencies at a rate that has moved since: the customer converts back at a new quote.
        raise TransactionNotReversible("an FX conversion is not reversed: convert back at a new quote",
                                       field=["transactionId"])
    if original.buy_currency is not None:
        # A cross-currency transfer (services.fx.transfers): the same, in two currencies at a quote's rate.
        raise TransactionNotReversible("a cross-currency transfer is not reversed: send it back at a new quote",
                                       field=["transactionId"])
    if original.kind == TransactionKind.MERCHANT_SETTLEMENT:
        # Its payments stay settled: reversing it would leave the clearing account owing what they cleared twice.
        raise TransactionNotReversible("a merchant settlement is not reversed: refund or reverse its payments",
                                       field=["transactionId"])
    if original.kind == TransactionKind.TRANSFER and await PointsRedemption.exists(transaction_id=original.id):
        # Its points stay redeemed whatever happens to the money: reversing it would take the value back and leave
        # the customer without its points. A payment's points come back with its refund or reversal.
        raise TransactionNotReversible("a points redemption is not reversed: its points would stay spent",
                                       field=["transactionId"])
    entries = tuple(await Entry.filter(transaction_id=original.id).order_by("id").values_list("account_id", "amount_minor"))
    if original.kind == TransactionKind.PAYMENT:
        # A DEFERRED merchant's payment: settled first, given back from the settlement wallet (merchants.settlement).
        entries = await reversal_legs(original.id, entries)
    partners = dict(await Wallet.filter(
        id__in=[w for w in (original.from_wallet_id, original.to_wallet_id) if w]).values_list("id", "partner_id"))  # type: ignore[attr-defined]
    reversal_id = uuid7()
    # The posting acts for the original's partner (its books, its idempotency keys), by this staff member.
    acting = replace(principal, partner_id=original.partner_id)  # type: ignore[attr-defined]
    source, target = original.to_wallet_id, original.from_wallet_id  # type: ignore[attr-defined]
    event = event_insert(
        type="transaction.reversed", partner_id=original.partner_id, object_type="Transaction",  # type: ignore[attr-defined]
        object_id=original.id, payload={"transactionId": str(original.id), "reversalId": str(reversal_id)},
        at=clock.now(),
    )
    request = PostingRequest(
        operation="transactionReverse", kind=TransactionKind.REVERSAL, idempotency_key=f"reversal-{original.id}",
        amount_text=format_amount(original.amount_minor, original.currency), from_wallet_id=source, to_wallet_id=target,
        from_field="transactionId", to_field="transactionId", memo=f"reversal: {text}"[:280],
        currency=original.currency, from_partner_id=partners.get(source), to_partner_id=partners.get(target),
        claim=_not_yet_reversed(original.id, reversal_id), inserts=(event,), reversing=entries,
        transaction_id=reversal_id,
    )
    if original.kind == TransactionKind.PAYMENT:
        # A payment's coupons and points come back too, and the payment can no longer be refunded: one transaction.
        return await reverse_payment(original.id, lambda: post(acting, request, audit))
    return await post(acting, request, audit)
