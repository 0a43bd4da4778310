"""walletConvert: one customer's money from its wallet in one currency to its wallet in another, at an FX quote.

One posting through the one engine (kind FX_CONVERSION, services.ledger.plan):
the sell wallet pays the quoted sell amount (and the quoted fee) to the bank's
FX position in the sell currency; the bank's FX position in the buy currency
pays the buy wallet the quoted buy amount and FX revenue the spread. Each
currency balances on its own. The quote is claimed in the posting's own
atomic write, so it converts exactly once and at its own rate.

Compliance: not an outgoing payment (services.fx.compliance): no outgoing
limit is counted; the receiving wallet's maximum balance applies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from auth.principal import Principal
from models import FxQuote, IdempotencyRecord
from services import clock
from models.enums import TransactionKind
from models.ids import uuid7
from services.audit import AuditNote
from services.db.wallet_rows import wallet_facts
from services.errors import NotFound, QuoteAlreadyUsed, QuoteExpired, QuoteMismatch, SameWallet
from services.fx.quotes import LockedQuote, lock_quote, locked_for
from services.fx.records import FxQuoteRecord
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest, check_request
from services.money import format_amount
from services.outcome import AuditTarget, ServiceResult
from services.scoping import of_tenant, own_customer

OPERATION = "walletConvert"


@dataclass(frozen=True, kw_only=True)
class ConversionRecord(ServiceResult):
    """A conversion's transaction and the quote it used."""

    audit_type: ClassVar[str] = "Transaction"

    transaction: TransactionRecord
    quote: FxQuoteRecord

    def audit_target(self) -> AuditTarget | None:
        """The audit row names the transaction."""
        return self.transaction.audit_target()


async def _wallets(principal: Principal, from_wallet_id: uuid.UUID | None, to_wallet_id: uuid.UUID | None):  # noqa: ANN202
    """Both wallets' facts: the caller's (a customer token: its own), of one customer."""
    ids = [w for w in (from_wallet_id, to_wallet_id) if w is not None]
    facts = await wallet_facts(principal.partner_id, ids)
    source, target = facts.get(from_wallet_id) if from_wallet_id else None, facts.get(to_wallet_id) if to_wallet_id else None
    if source is None or not own_customer(principal, source.customer_id):
        raise NotFound("wallet not found", field=["fromWalletId"])
    if target is None or not own_customer(principal, target.customer_id):
        raise NotFound("wallet not found", field=["toWalletId"])
    if from_wallet_id == to_wallet_id:
        raise SameWallet("a conversion needs two different wallets", field=["toWalletId"])
    if source.customer_id != target.customer_id:
        raise QuoteMismatch("a conversion moves money between two wallets of the same customer", field=["toWalletId"])
    return source, target


def _request(locked: LockedQuote, *, from_wallet_id: uuid.UUID, to_wallet_id: uuid.UUID, idempotency_key: str,
             dry_run: bool, transaction_id: uuid.UUID) -> PostingRequest:
    quote = locked.quote
    return PostingRequest(
        operation=OPERATION, kind=TransactionKind.FX_CONVERSION, idempotency_key=idempotency_key,
        amount_text=format_amount(quote.sell_amount_minor, quote.sell_currency), currency=quote.sell_currency,
        from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id, from_field="fromWalletId", to_field="toWalletId",
        requires_from=True, requires_to=True, claim=None if dry_run else locked.claim, dry_run=dry_run,
        subject=f"FxQuote:{quote.id}", transaction_id=transaction_id, fx=locked.cross,
    )


async def convert(
    *, principal: Principal, quote_id: uuid.UUID | None, from_wallet_id: uuid.UUID | None,
    to_wallet_id: uuid.UUID | None, idempotency_key: str, dry_run: bool = False, audit: AuditNote | None = None,
) -> ConversionRecord:
    """Convert at the quote between two wallets of one customer (or, dryRun, say what would be posted)."""
    source, target = await _wallets(principal, from_wallet_id, to_wallet_id)
    assert from_wallet_id is not None and to_wallet_id is not None
    transaction_id = uuid7()
    try:
        locked = await lock_quote(
            principal=principal, quote_id=quote_id, sell_currency=source.currency, buy_currency=target.currency,
            customer_id=source.customer_id, from_wallet_id=from_wallet_id, transaction_id=transaction_id,
        )
    except (QuoteAlreadyUsed, QuoteExpired) as refusal:
        # A retry of a conversion that went through: the engine replays its original answer (same key, same input).
        replay = await _replay(principal, quote_id, from_wallet_id, to_wallet_id, idempotency_key, dry_run)
        if replay is None:
            raise refusal
        return replay
    txn = await post(principal, _request(locked, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
                                         idempotency_key=idempotency_key, dry_run=dry_run,
                                         transaction_id=transaction_id), audit)
    # The quote as the posting left it: used, and naming its transaction (unchanged by a dry run).
    used = locked.quote if dry_run else FxQuoteRecord.from_row(await FxQuote.get(id=locked.quote.id))
    return ConversionRecord(transaction=txn, quote=used, audited=txn.audited)


async def _replay(principal: Principal, quote_id: uuid.UUID | None, from_wallet_id: uuid.UUID, to_wallet_id: uuid.UUID,
                  idempotency_key: str, dry_run: bool) -> ConversionRecord | None:
    """The original answer when this key was already used (None: it was not, the refusal stands)."""
    if dry_run:
        return None
    row = await of_tenant(FxQuote, principal.partner_id).get_or_none(id=quote_id)
    assert row is not None
    # The same request as the original (same fingerprint): its claim refuses, and the engine replays the key.
    locked = locked_for(FxQuoteRecord.from_row(row), uuid7(), clock.now())
    req = _request(locked, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id, idempotency_key=idempotency_key,
                   dry_run=False, transaction_id=uuid7())
    key = check_request(principal, req).key
    if not await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=key).exists():
        return None
    txn = await post(principal, req, None)
    return ConversionRecord(transaction=txn, quote=FxQuoteRecord.from_row(await FxQuote.get(id=row.id)))
