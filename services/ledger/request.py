"""What a caller asks the posting engine to do, and the checks on it that need no database.

A money kind (top-up, transfer, withdrawal, and every kind added later) is a
`PostingRequest` with its kind and the wallets it names; `check_request`
validates the inputs and fingerprints them for idempotency before anything
is read or locked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from auth.principal import Principal
from models.enums import TransactionKind
from models.ids import uuid7
from services.errors import NotFound, SameWallet
from services.ledger.side_writes import RowClaim, RowInsert, lock_order
from services.ledger.idempotency import canonical_amount, check_key, customer_key, request_hash
from services.money import normalise_currency
from services.scoping import token_customer
from services.validation import clean_text

if TYPE_CHECKING:
    from services.fees.charging import Fee
    from services.fees.merchant_terms import MerchantTerms
    from services.ledger.plan import FundedParts

MAX_MEMO_LENGTH = 280


@dataclass(frozen=True)
class CrossCurrency:
    """An FX_CONVERSION's buy side, as its quote locked it in (services.fx.quotes): the posting sells amount_text of
    the paying wallet's currency and buys buy_amount_minor of buy_currency into the receiving wallet."""

    buy_currency: str
    buy_amount_minor: int  # what the receiving wallet gets (at the customer's rate, rounded down)
    mid_buy_minor: int  # the same sell amount at the mid rate: the spread (mid_buy - buy) is the bank's FX revenue
    fee: Fee  # the quoted conversion fee, in the sell currency (charged as quoted, not decided again)


@dataclass(frozen=True)
class PostingRequest:
    """One money movement as the caller asked for it (input fields still unchecked)."""

    operation: str  # the GraphQL mutation (part of the idempotency fingerprint)
    kind: TransactionKind
    idempotency_key: str
    amount_text: str
    from_wallet_id: uuid.UUID | None
    to_wallet_id: uuid.UUID | None
    from_field: str  # the input field that named the paying wallet (for errors)
    to_field: str  # the input field that named the receiving wallet
    memo: str | None = None
    currency: str | None = None
    requires_from: bool = False  # the kind needs a paying wallet
    requires_to: bool = False  # the kind needs a receiving wallet
    # The receiving wallet belongs to this other partner (a merchant's settlement wallet, found by the
    # payments service from the merchant, never named by the caller); None: the caller's own partner.
    to_partner_id: uuid.UUID | None = None
    # The paying wallet belongs to this other partner (a customer-presented payment code collected by a
    # merchant's partner: the service found the wallet from the code); None: the caller's own partner.
    from_partner_id: uuid.UUID | None = None
    claim: RowClaim | None = None  # a row changed with the posting or the posting is refused (side_writes)
    # Further rows claimed in the same write (another table's row, or more rows of one): every claim holds or the
    # posting is refused with the first failing one's error, in the order `claims` lists them.
    more_claims: tuple[RowClaim, ...] = ()
    inserts: tuple[RowInsert, ...] = ()  # rows written with the posting when it passes (side_writes)
    dry_run: bool = False  # run every check, write nothing (services.ledger.dry_run)
    # Funds an authorisation reserved on the paying wallet that this posting releases in the same write (a
    # capture): the payer may spend them, and its held_minor drops by this much (services.payments.authorizations).
    release_held_minor: int = 0
    # A REVERSAL's legs: the original transaction's entries (account id, signed amount), posted negated.
    reversing: tuple[tuple[int, int], ...] = ()
    # The posting's transaction id when the service must know it beforehand (a reversal names itself on the
    # original and in its event); None: drawn when the request is checked.
    transaction_id: uuid.UUID | None = None
    # What else the caller named that the wallets do not say (a payment request, the payment refunded): part of
    # the idempotency fingerprint, so one key cannot replay a payment of another request to the same merchant.
    subject: str | None = None
    # A payment to this merchant: planning charges the merchant's fee (RECEIVER rules) on its settlement wallet.
    merchant: MerchantTerms | None = None
    # A refund: what it gives back of the payment's merchant fee (a negative Fee, decided by the refunds service
    # from the payment's stored breakdown), credited to the merchant's settlement wallet.
    merchant_fee_return: Fee | None = None
    # Carried by a payment rail (services.rails): the posting is HELD from the start, whatever compliance says, so
    # a withdrawal's funds are reserved at once and a top-up waits; the rail's outcome releases or rejects it.
    pending_on_rail: bool = False
    funding_route: str | None = None  # the rail route (BANK_ACCOUNT, CARD) TOP_UP and WITHDRAWAL fee rules may select
    # An FX_CONVERSION (walletConvert): the buy side and fee its quote locked in; None for every single-currency kind.
    fx: CrossCurrency | None = None
    # A business's payout request (services.business.payout_requests): HELD from the start, whatever compliance
    # says, until a second member approves (release) or it is rejected or expires (reject); the approval
    # threshold does not refuse it (services.business.payout_guard).
    awaiting_approval: bool = False
    # Issue 15 coupons: ledger accounts that are not wallets paying (PAYMENT) or taking back (REFUND) part of the
    # amount in the payer's place, or receiving it (COUPON_FUNDING): services.ledger.plan.FundedParts.
    funded: FundedParts | None = None
    # A PAYMENT to a DEFERRED merchant (services.merchants.settlement): this MERCHANT_CLEARING account (balance derived
    # from entries, never locked) takes the merchant's side of the legs in place of its settlement wallet, which is
    # then checked (ACTIVE, its customer CLEAR) but not locked: payers of one merchant never queue on its row.
    clearing_account_id: int | None = None

    @property
    def claims(self) -> tuple[RowClaim, ...]:
        """Every row the posting claims: `claim` first, then `more_claims` (the order refusals are named in)."""
        return ((self.claim,) if self.claim is not None else ()) + self.more_claims

    @property
    def wallet_ids(self) -> list[uuid.UUID]:
        """The wallets the request names, payer first."""
        return [w for w in (self.from_wallet_id, self.to_wallet_id) if w is not None]


@dataclass(frozen=True)
class CheckedRequest:
    """A posting request whose inputs passed every check that needs no database."""

    req: PostingRequest
    key: str  # as stored in idempotency_record (a customer token's key is namespaced)
    fingerprint: str
    memo: str | None
    currency: str | None
    transaction_id: uuid.UUID
    shown_key: str = ""  # as the caller sent it: what the transaction shows

    @property
    def transaction_key(self) -> str:
        """The key the transaction records and shows (the caller's own)."""
        return self.shown_key or self.key


def check_request(principal: Principal, req: PostingRequest) -> CheckedRequest:
    """Every check that needs no database, the request's idempotency fingerprint and the key as stored."""
    key = check_key(req.idempotency_key)
    amount_canonical = canonical_amount(req.amount_text)
    memo = clean_text(req.memo, field="memo", max_len=MAX_MEMO_LENGTH, required=False)
    currency = normalise_currency(req.currency) if req.currency is not None else None
    if req.requires_from and req.from_wallet_id is None:
        raise NotFound("wallet not found", field=[req.from_field])
    if req.requires_to and req.to_wallet_id is None:
        raise NotFound("wallet not found", field=[req.to_field])
    if req.from_wallet_id is not None and req.from_wallet_id == req.to_wallet_id:
        raise SameWallet("a transfer needs two different wallets", field=[req.to_field])
    lock_order(req.claims)  # a service's bug, never input: one row claimed twice would be changed once
    fingerprint = request_hash(
        req.operation,
        {"from": req.from_wallet_id, "to": req.to_wallet_id, "amount": amount_canonical, "memo": memo, "currency": currency,
         # Only when set: the fingerprints of the keys already stored must not change.
         **({"subject": req.subject} if req.subject is not None else {})},
    )
    checked = CheckedRequest(req=req, key=key, fingerprint=fingerprint, memo=memo, currency=currency,
                             transaction_id=req.transaction_id or uuid7())
    customer_id = token_customer(principal)
    if customer_id is not None:
        # Keys are per partner; a customer token's keys live in that customer's own namespace.
        checked = replace(checked, key=customer_key(customer_id, key), shown_key=key)
    return checked
