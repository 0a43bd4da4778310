"""paymentCreate with coupons and points: the discounts reserved and the payment posted together, all or nothing.

The coupons' discounts are funded legs of the payment's own posting (services.ledger.plan.FundedParts): the payer
pays the amount less the discounts, each campaign's COUPON_BUDGET account pays its coupon's discount, the merchant
receives the whole amount. The coupons are reserved by claims in that same posting statement (the coupon, its
campaign's budget, the payer's use count: services.coupons.reserving). The points' value is another funded leg,
paid by the programme's POINTS_RESERVE when the customer's points were funded, also claimed in the statement: then
the whole payment is ONE autocommitted statement, as a plain payment is. Points never funded are paid to the payer
by the programme's funding wallet after the payment's posting, in one transaction with it
(services.coupons.points_discount). Any refusal rolls all of it back: nothing moved, no coupon used, no point spent.

Idempotency: the coupons and points are part of the payment's fingerprint (its `subject`). A retry of a key already
used is refused by its own used coupon (or replayed by the engine, or loses the race on the key's index): nothing is
reserved and the engine alone answers the original.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from auth.principal import PARTNER, Principal
from models import IdempotencyRecord
from services import clock
from services.audit import AuditNote
from services.coupons import reserving
from services.coupons.discount_reads import read_coupons_and_points
from services.coupons.points_discount import PointsUse, points_use, post_points, reserve_paid
from services.coupons.reserving import Discounts
from services.coupons.terms import Spend
from services.errors import NotFound, ValidationFailed
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest, check_request
from services.points.holdings import Holding, holding_of
from services.points.refused_payouts import keep_refused_alerts, refuse_held_payout
from services.points.reserve import ReserveShort
from services.db.wallet_rows import any_wallet_facts
from services.scoping import may_read_wallet, of_tenant
from services.live.after_commit import announcements_after_commit
from services.scoping import token_customer


@dataclass(frozen=True)
class DiscountAsk:
    """What the payer asked to take off a payment: its coupons and points (none by default)."""

    coupon_ids: tuple[uuid.UUID | None, ...] = ()
    points: int | None = None
    points_program_id: uuid.UUID | None = None

    @property
    def empty(self) -> bool:
        """Whether no discount was asked for (the plain payment path)."""
        return not self.coupon_ids and not self.points

    @property
    def fingerprint(self) -> str:
        """What the idempotency fingerprint adds for the discounts (order-independent)."""
        coupons = ",".join(sorted(str(c) for c in self.coupon_ids))
        return f"|coupons:{coupons}|points:{self.points or 0}@{self.points_program_id or ''}"


class _Replayed(Exception):
    """The posting replayed a key used meanwhile: roll the reservation back and answer the original."""

    def __init__(self, txn: TransactionRecord) -> None:
        super().__init__("replayed")
        self.txn = txn


@dataclass(frozen=True)
class Payer:
    """The paying wallet's customer as the discounts need it: its id and its partner."""

    id: uuid.UUID
    partner_id: uuid.UUID


async def payer_customer(principal: Principal, wallet_id: uuid.UUID | None) -> Payer:
    """The paying wallet's customer (the caller's own: NOT_FOUND otherwise, as the engine would answer).

    Read from the wallet facts every posting caches (a wallet's partner and customer never change): no query for a
    wallet this process has seen.
    """
    facts = await any_wallet_facts(wallet_id) if wallet_id is not None else None
    if facts is None or not may_read_wallet(principal, facts.partner_id, facts.customer_id):
        raise NotFound("wallet not found", field=["fromWalletId"])
    return Payer(id=facts.customer_id, partner_id=facts.partner_id)


async def _points(principal: Principal, ask: DiscountAsk, customer: Payer, spend: Spend,
                  coupons: Discounts, held: Holding | None = None) -> PointsUse | None:
    """The points' use, checked: worth less than what the coupons leave to pay."""
    if not ask.points:
        if ask.points is not None and ask.points != 0:
            raise ValidationFailed("pointsToRedeem must be a positive whole number", field=["pointsToRedeem"])
        return None
    use = await points_use(principal=principal, program_id=ask.points_program_id, customer=customer,
                           points=ask.points, currency=spend.currency, held=held)
    if use.value_minor >= spend.amount_minor - coupons.total_minor:
        raise ValidationFailed("the points are worth at least what remains to pay: redeem fewer",
                               field=["pointsToRedeem"])
    return use


async def _post_payment(principal: Principal, req: PostingRequest, use: PointsUse | None, payment_id: uuid.UUID,
                        audit: AuditNote | None) -> tuple[TransactionRecord, bool]:
    """Post the payment, with its points paid by the programme's reserve when their funding covers them (True).

    Funding spent meanwhile (ReserveShort) wrote nothing: the payment is posted again without the points, which the
    funding wallet then pays (False), as for points never funded.
    """
    if use is None or not use.reserve_pays:
        return await post(principal, req, audit), False
    try:
        return await post(principal, reserve_paid(req, use, payment_id=payment_id), audit), True
    except ReserveShort:
        return await post(principal, req, audit), False


def _acting(principal: Principal) -> Principal:
    """The points' TRANSFER is paid by the programme's funding wallet, which a customer token may not move: it is
    posted as the customer's partner (for the customer's own points, to the customer's own paying wallet)."""
    return dataclasses.replace(principal, kind=PARTNER, customer_id=None) if token_customer(principal) is not None else principal


async def quote_discounts(*, principal: Principal, ask: DiscountAsk, payer_wallet_id: uuid.UUID | None,
                          spend: Spend) -> tuple[Discounts, int]:
    """What the coupons and points would take off (every rule checked, nothing locked or written)."""
    if ask.empty:
        return reserving.NO_DISCOUNTS, 0
    customer = await payer_customer(principal, payer_wallet_id)
    coupons, use = await _discounts(principal, ask, customer, reserving.checked_ids(list(ask.coupon_ids)), spend)
    return coupons, use.value_minor if use else 0


async def _discounts(principal: Principal, ask: DiscountAsk, customer: Payer, ids: list[uuid.UUID],
                     spend: Spend) -> tuple[Discounts, PointsUse | None]:
    """The coupons decided and the points checked, in that order, on rows read now: coupons and points together in
    one round trip when both are asked for (services.coupons.discount_reads)."""
    coupon_rows, held = None, None
    if ids and ask.points and ask.points_program_id is not None:
        coupon_rows, points_rows = await read_coupons_and_points(customer.id, ids, ask.points_program_id, clock.now())
        held = holding_of(points_rows)
    coupons = await reserving.decide(customer_id=customer.id, coupon_ids=ids, spend=spend,
                                     with_points=bool(ask.points), rows=coupon_rows)
    return coupons, await _points(principal, ask, customer, spend, coupons, held)


async def post_discounted(*, principal: Principal, req: PostingRequest, ask: DiscountAsk, spend: Spend,
                          payment_id: uuid.UUID, audit: AuditNote | None) -> TransactionRecord:
    """Post the payment with its coupons claimed and its points spent: one statement when the points (if any) are
    paid by the programme's reserve, else one transaction with the funding wallet's transfer."""
    req = dataclasses.replace(req, subject=(req.subject or "") + ask.fingerprint)
    checked = check_request(principal, req)
    customer = await payer_customer(principal, req.from_wallet_id)
    ids = reserving.checked_ids(list(ask.coupon_ids))
    if req.dry_run:
        coupons, points_minor = await quote_discounts(principal=principal, ask=ask, payer_wallet_id=req.from_wallet_id,
                                                      spend=spend)
        return await post(principal, dataclasses.replace(req, funded=coupons.funded), audit)
    try:
        # Read, not locked: the posting's claims re-check the coupons, the budgets and the payer's limits on the
        # rows as they are when it locks them, and refuse (nothing written) if a concurrent payment took them.
        coupons, use = await _discounts(principal, ask, customer, ids, spend)
        now = clock.now()
        events = reserving.redeemed_events(coupons, customer_id=customer.id, payment_id=payment_id,
                                           partner_id=customer.partner_id, currency=spend.currency, at=now)
        paying = dataclasses.replace(req, funded=coupons.funded, inserts=req.inserts + events,
                                     more_claims=req.more_claims + coupons.claims(payment_id=payment_id, at=now))
        if use is None or use.reserve_pays:
            # One posting, one autocommitted statement, no explicit transaction: its locks end with the statement,
            # as a plain payment's do.
            try:
                return await post(principal, reserve_paid(paying, use, payment_id=payment_id) if use else paying, audit)
            except ReserveShort:
                pass  # the funding was spent meanwhile (nothing written): the funding wallet's path below
        assert use is not None and req.from_wallet_id is not None
        async with announcements_after_commit(), in_transaction() as conn:  # live updates after the commit
            # The engine joins this transaction (its statement runs on this connection): one commit for all of it.
            txn = await post(principal, paying, audit)
            if txn.replayed:
                raise _Replayed(txn)
            # Last: the programme's funding wallet (one row every such points payment locks) stays locked only from
            # here to the commit. So the payer needs the amount less the coupons available; the points' value comes
            # back to it in this same transaction.
            # Keyed by the payment's key as stored (a customer token's is in that customer's namespace): the points
            # posting runs as the partner, so the caller's raw key would meet other customers' keys there.
            points = await post_points(_acting(principal), use, payer_wallet_id=req.from_wallet_id,
                                       idempotency_key=checked.key, payment_id=payment_id)
            # Held: the points would stay spent if compliance rejected it; refused, its alerts kept (below).
            await refuse_held_payout(conn, points)
            if points.replayed:
                # Its key is the payment's own, which was new: a replay here would spend no points while the
                # payment paid less for them. Never expected; roll everything back rather than post it.
                raise RuntimeError("the points posting of a new payment replayed an earlier one")
    except _Replayed as replayed:
        return replayed.txn
    except Exception as error:
        await keep_refused_alerts(error)  # a refused points payout's alerts, rolled back with it: compliance still hears
        # Not looked up first (a round trip every payment would pay): a retry of a key already used finds its coupon
        # used (ALREADY_USED) or, if it lost the race on the key's unique index, its transaction aborted. Either way
        # the engine answers the original (or IDEMPOTENCY_CONFLICT), with nothing reserved.
        if await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=checked.key).exists():
            return await post(principal, req, audit)
        raise
    return txn


def spend_of(*, amount_minor: int, currency: str, merchant_id: uuid.UUID, mcc: str | None) -> Spend:
    """The spend coupons are checked against, at the clock's now."""
    return Spend(amount_minor=amount_minor, currency=currency, merchant_id=merchant_id, mcc=mcc, at=clock.now())

