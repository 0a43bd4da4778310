"""Points as part of a payment (issue 15 part 3): the points' value paid for the payer by the programme.

Two ways, chosen per payment:
- The programme's POINTS_RESERVE pays (`reserve_paid`), when the customer's funded_minor covers the value
  (services.points.reserve): a funded leg of the payment's own posting, as a coupon's discount is, with the
  customer's POINTS balance and funded_minor claimed in the same write. Nothing shared is locked.
- Otherwise the programme's funding wallet pays (`post_points`): services.points.redeeming's own pieces, inside the
  payment's database transaction. The customer's POINTS account is claimed (INSUFFICIENT_POINTS on the locked row,
  nothing moved), the points go to the programme's REDEEMED account (a POINTS_REDEEM transaction) and the funding
  wallet pays their value to the payer's wallet (a TRANSFER of the posting engine) right after the payment's own
  posting took the whole amount less the coupon discount: both postings commit together or not at all.
Either way the payer pays the amount less coupons and points."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from dataclasses import dataclass

from auth.principal import Principal
from models import PointsProgram
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.db.wallet_rows import any_wallet_facts
from services.errors import InsufficientPoints, ValidationFailed
from services.ledger.engine import post
from services.ledger.plan import FundedParts
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.money import MAX_MINOR, format_amount
from services.points.holdings import Holding, holding
from services.points.programs import visible_program
from services.points.redeeming import CustomerRef, points_claim, redeemed_points_rows
from services.points.reserve import Funding, spend_claim
from services.scoping import of_partner


@dataclass(frozen=True)
class PointsUse:
    """Points to spend on a payment: the programme, the customer's POINTS account, and what they are worth."""

    program: PointsProgram
    customer: CustomerRef
    account_id: int
    points: int
    value_minor: int
    unswept: int
    funding: Funding | None = None  # what the customer's points have set aside in the reserve (services.points.reserve)

    @property
    def reserve_pays(self) -> bool:
        """Whether the programme's reserve pays the value, as a funded leg of the payment (else the funding wallet)."""
        return self.funding is not None and self.funding.covers(self.value_minor)


def derived_key(idempotency_key: str) -> str:
    """The points posting's own idempotency key, derived from the payment's (always a valid key)."""
    return "pts-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:48]


async def points_use(*, principal: Principal, program_id: uuid.UUID | None, customer: CustomerRef, points: int,
                     currency: str, held: Holding | None = None) -> PointsUse:
    """Check a payment's points (programme, whole points, currency, held) before anything is locked.

    held: the customer's holding in `program_id` as the caller already read it (services.coupons.discount_reads)."""
    program = await visible_program(principal, program_id, field="pointsProgramId")
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise ValidationFailed("pointsToRedeem must be a positive whole number", field=["pointsToRedeem"])
    if program.value_currency != currency:
        raise ValidationFailed("the programme's points are worth another currency than the payment's",
                               field=["pointsProgramId"])
    value = points * program.value_minor_per_point
    if value > MAX_MINOR:
        raise ValidationFailed("points are worth more than the ledger can hold", field=["pointsToRedeem"])
    if held is None:
        held = await holding(program.id, customer.id, now=clock.now())
    if held.account_id is None:
        raise InsufficientPoints("the customer holds no points in this programme", field=["pointsToRedeem"])
    unswept = held.due_points
    return PointsUse(program=program, customer=customer, account_id=held.account_id, points=points, value_minor=value,
                     unswept=unswept, funding=Funding(reserve_account_id=held.reserve_account_id,
                                                      points_account_row_id=held.points_account_row_id,
                                                      funded_minor=held.funded_minor))


def reserve_paid(req: PostingRequest, use: PointsUse, *, payment_id: uuid.UUID) -> PostingRequest:
    """The payment's request with the points paid by the reserve: its funded leg, the two claims and the points rows.

    The POINTS claim comes first, so too few points is named INSUFFICIENT_POINTS; the funding claim refuses with
    ReserveShort only when the points are there but their funding was spent meanwhile (the caller then takes the
    funding wallet's path). Both rows are the customer's own: no row every points payment locks.
    """
    assert use.funding is not None and use.funding.reserve_account_id is not None
    parts = dict(req.funded.parts) if req.funded is not None else {}
    parts[use.funding.reserve_account_id] = parts.get(use.funding.reserve_account_id, 0) + use.value_minor
    claims = (points_claim(use.account_id, use.points, use.unswept),
              spend_claim(use.funding.points_account_row_id, use.value_minor))
    if req.claim is not None:
        claims = (req.claim, *req.more_claims, *claims)
    else:
        claims = (*claims, *req.more_claims)
    rows = redeemed_points_rows(program=use.program, customer=use.customer, account_id=use.account_id,
                                points=use.points, amount_minor=use.value_minor, points_transaction_id=uuid7(),
                                payment_id=payment_id, reserve_minor=use.value_minor)
    return dataclasses.replace(req, funded=FundedParts(tuple(sorted(parts.items()))), claim=claims[0],
                               more_claims=tuple(claims[1:]), inserts=req.inserts + rows)


async def post_points(principal: Principal, use: PointsUse, *, payer_wallet_id: uuid.UUID,
                      idempotency_key: str, payment_id: uuid.UUID) -> TransactionRecord:
    """The points' TRANSFER (funding wallet to payer) with the points claim and legs: inside the payment's transaction."""
    program = use.program
    funding_id = program.funding_wallet_id  # type: ignore[attr-defined]
    funding = await any_wallet_facts(funding_id)  # cached: a wallet's partner never changes
    if funding is None:
        raise RuntimeError("a points programme's funding wallet is missing")  # a foreign key keeps it
    own = of_partner(principal.partner_id, funding.partner_id)
    return await post(principal, PostingRequest(
        operation="paymentCreate.points", kind=TransactionKind.TRANSFER, idempotency_key=derived_key(idempotency_key),
        amount_text=format_amount(use.value_minor, program.value_currency), from_wallet_id=funding_id,
        to_wallet_id=payer_wallet_id, from_field="pointsProgramId", to_field="fromWalletId",
        currency=program.value_currency, memo=f"points on a payment: {program.name}"[:280], requires_from=True,
        requires_to=True, from_partner_id=None if own else funding.partner_id,
        claim=points_claim(use.account_id, use.points, use.unswept),
        inserts=redeemed_points_rows(program=program, customer=use.customer, account_id=use.account_id,
                                     points=use.points, amount_minor=use.value_minor,
                                     points_transaction_id=uuid7(), payment_id=payment_id),
        subject=f"PointsProgram:{program.id}:{use.customer.id}:{use.points}",
    ), None)
