"""transferCreate to a wallet in another currency: the rules of a cross-currency transfer at an FX quote.

A transfer between two wallets of one currency is unchanged (services.ledger.posting.post_transfer); a quoteId on
one is QUOTE_MISMATCH. Between two currencies it needs a quote (QUOTE_REQUIRED otherwise) that the sender's
side asked for: selling the paying wallet's currency for the receiving wallet's, given to the paying customer
(or to the partner), for the paying wallet if it named one, and selling exactly the transfer's amount
(QUOTE_MISMATCH otherwise: nothing moves).

It is ONE posting through the one engine, kind TRANSFER, whose principal legs are a conversion's
(services.ledger.plan): the paying wallet pays the sell amount to the bank's FX position in the sell currency, the
FX position in the buy currency pays the receiver the quoted buy amount and FX revenue the spread. Everything a
transfer gets applies: the transfer fee (the same fee_for feeQuote answers with), plus the quote's conversion fee,
both in the sell currency; limits, AML and holds on the sell amount (services.fx.compliance); transaction.posted.
The quote is claimed in the posting's own atomic write (once, at its own rate; a dry run does not claim it), and a
retry with the same idempotencyKey replays the original transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from auth.principal import Principal
from models import FxQuote, IdempotencyRecord
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.db.wallet_rows import WalletFacts, wallet_facts
from services.errors import CurrencyMismatch, NotFound, QuoteAlreadyUsed, QuoteExpired, QuoteMismatch, QuoteRequired
from services.fees.charging import Fee, fee_for
from services.fees.rules import FeeDecision
from services.fx.quotes import LockedQuote, lock_quote, locked_for
from services.fx.records import FxQuoteRecord
from services.ledger.engine import post
from services.ledger.posting import post_transfer
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest, check_request
from services.money import format_amount, normalise_currency, parse_amount
from services.scoping import of_tenant, own_customer

OPERATION = "transferCreate"  # the same operation as a same-currency transfer: one key space, one fingerprint shape


def with_transfer_fee(transfer_fee: Fee, fx_fee: Fee) -> Fee:
    """The one fee a cross-currency transfer charges: the transfer's fee plus the quote's conversion fee (sell currency)."""
    total, share = transfer_fee.fee_minor + fx_fee.fee_minor, transfer_fee.share_minor + fx_fee.share_minor
    # Both parts are kept in the breakdown, so the charge can be told apart from what each quote showed.
    breakdown = {**transfer_fee.decision.breakdown, "transfer_fee_minor": transfer_fee.fee_minor,
                 "fx": fx_fee.breakdown, "fee_minor": total}
    decision = FeeDecision(fee_minor=total, rule=transfer_fee.decision.rule, breakdown=breakdown)
    return Fee(fee_minor=total, kind=transfer_fee.kind, decision=decision, share_minor=share,
               partner_id=transfer_fee.partner_id)


async def create_transfer(
    *, principal: Principal, from_wallet_id: uuid.UUID | None, to_wallet_id: uuid.UUID | None, amount: str,
    idempotency_key: str, memo: str | None = None, currency: str | None = None, quote_id: uuid.UUID | None = None,
    quote_named: bool = False, audit: AuditNote | None = None, dry_run: bool = False,
) -> TransactionRecord:
    """transferCreate: a same-currency transfer as always, or a cross-currency one at its FX quote.

    quote_named: the caller gave a quoteId (quote_id may still be None: an ID of no quote, NOT_FOUND).
    """
    source, target = await _both_wallets(principal, from_wallet_id, to_wallet_id)
    cross = source is not None and target is not None and source.currency != target.currency
    if not cross and not quote_named:
        # Exactly today's transfer (its own NOT_FOUND, SAME_WALLET, CURRENCY_MISMATCH... refusals).
        return await post_transfer(principal=principal, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
                                   amount=amount, idempotency_key=idempotency_key, memo=memo, currency=currency,
                                   audit=audit, dry_run=dry_run)
    if source is None or not own_customer(principal, source.customer_id):
        raise NotFound("wallet not found", field=["fromWalletId"])
    if target is None:
        raise NotFound("wallet not found", field=["toWalletId"])
    if not cross:
        raise QuoteMismatch("both wallets hold the same currency: a transfer between them takes no quoteId",
                            field=["quoteId"])
    if not quote_named:
        raise QuoteRequired(f"the paying wallet holds {source.currency} and the receiving wallet {target.currency}:"
                            " a transfer between them needs an FX quote (quoteId, from fxQuote)", field=["quoteId"])
    if currency is not None and normalise_currency(currency) != source.currency:
        raise CurrencyMismatch(f"the paying wallet holds {source.currency}, not {currency}", field=["currency"])
    sell_minor = parse_amount(amount, source.currency, field=["amount"])
    assert from_wallet_id is not None and to_wallet_id is not None
    transaction_id = uuid7()
    try:
        locked = await lock_quote(
            principal=principal, quote_id=quote_id, sell_currency=source.currency, buy_currency=target.currency,
            customer_id=source.customer_id, from_wallet_id=from_wallet_id, transaction_id=transaction_id,
        )
    except (QuoteAlreadyUsed, QuoteExpired) as refusal:
        # A retry of a transfer that went through: the engine replays its original answer (same key, same input).
        replay = None if dry_run else await _replay(principal, quote_id, from_wallet_id, to_wallet_id,
                                                    idempotency_key, memo)
        if replay is None:
            raise refusal
        return replay
    _check_amount(locked.quote, sell_minor)
    req = await _request(principal, locked, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
                         idempotency_key=idempotency_key, memo=memo, dry_run=dry_run, transaction_id=transaction_id)
    return await post(principal, req, audit)


async def is_same_currency_transfer(principal: Principal, from_wallet_id: uuid.UUID | None,
                                    to_wallet_id: uuid.UUID | None, quote_named: bool) -> bool:
    """Whether create_transfer would take this as a same-currency transfer (no quote named, no two currencies)."""
    if quote_named:
        return False
    source, target = await _both_wallets(principal, from_wallet_id, to_wallet_id)
    return source is None or target is None or source.currency == target.currency


async def _both_wallets(principal: Principal, from_wallet_id: uuid.UUID | None,
                        to_wallet_id: uuid.UUID | None) -> tuple[WalletFacts | None, WalletFacts | None]:
    """The paying and receiving wallets' facts when both are named and the partner's (None for either otherwise)."""
    ids = [w for w in (from_wallet_id, to_wallet_id) if w is not None]
    facts = await wallet_facts(principal.partner_id, ids) if len(ids) == 2 else {}
    return facts.get(from_wallet_id), facts.get(to_wallet_id)  # type: ignore[arg-type]


def _check_amount(quote: FxQuoteRecord, sell_minor: int) -> None:
    """The transfer's amount is exactly what the quote sells (QUOTE_MISMATCH otherwise)."""
    if sell_minor != quote.sell_amount_minor:
        raise QuoteMismatch(
            f"the quote is for other amounts than the transfer: it sells"
            f" {format_amount(quote.sell_amount_minor, quote.sell_currency)} {quote.sell_currency}", field=["amount"],
        )


async def _request(principal: Principal, locked: LockedQuote, *, from_wallet_id: uuid.UUID, to_wallet_id: uuid.UUID,
                   idempotency_key: str, memo: str | None, dry_run: bool, transaction_id: uuid.UUID) -> PostingRequest:
    """The TRANSFER posting at the quote: its buy side, and the transfer fee added to the quote's conversion fee."""
    quote = locked.quote
    # The same function feeQuote (kind TRANSFER) answers with, on the amount sold in the sell currency.
    transfer_fee = await fee_for(principal=principal, kind=TransactionKind.TRANSFER.value,
                                 amount_minor=quote.sell_amount_minor, currency=quote.sell_currency,
                                 from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id)
    cross = replace(locked.cross, fee=with_transfer_fee(transfer_fee, locked.cross.fee))
    return PostingRequest(
        operation=OPERATION, kind=TransactionKind.TRANSFER, idempotency_key=idempotency_key,
        amount_text=format_amount(quote.sell_amount_minor, quote.sell_currency), currency=quote.sell_currency,
        from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id, from_field="fromWalletId", to_field="toWalletId",
        memo=memo, requires_from=True, requires_to=True, claim=None if dry_run else locked.claim, dry_run=dry_run,
        subject=f"FxQuote:{quote.id}", transaction_id=transaction_id, fx=cross,
    )


async def _replay(principal: Principal, quote_id: uuid.UUID | None, from_wallet_id: uuid.UUID,
                  to_wallet_id: uuid.UUID, idempotency_key: str, memo: str | None) -> TransactionRecord | None:
    """The original answer when this key was already used (None: it was not, the refusal stands)."""
    row = await of_tenant(FxQuote, principal.partner_id).get_or_none(id=quote_id)
    assert row is not None
    # The same request as the original (same fingerprint): its claim refuses, and the engine replays the key.
    locked = locked_for(FxQuoteRecord.from_row(row), uuid7(), clock.now())
    req = await _request(principal, locked, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
                         idempotency_key=idempotency_key, memo=memo, dry_run=False, transaction_id=uuid7())
    if not await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=check_request(principal, req).key).exists():
        return None
    return await post(principal, req, None)
