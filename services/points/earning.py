"""Points earned when a payment succeeds: the best earn rule of each programme in the payment's currency, one lot each.

When: from the outbox, after the payment's posting commits (services.points.earn_feed reads every
`payment.succeeded` event), in a transaction of its own. Not inside the payment's write: the engine writes a
payment as one PostgreSQL statement planned before any lock (services.ledger.postgres), while earning must read
the rules and the customer's monthly usage under a lock of the customer's POINTS account (the monthly cap). The
earning is idempotent (one lot per programme and payment, a unique index), so the feed may repeat it safely.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Customer, PointsEarnRule, PointsLot, PointsProgram
from models.enums import TransactionKind
from models.ids import uuid7
from services.points.booking import PointsMove, book, lock_points_account
from services.points.lots import add_months
from services.points.programs import points_account_id
from services.points.reserve import fund_earned
from services.points.units import ledger_unit
from services.scoping import of_partner
from services.points.rules import EarnRule, Spend, best_rule, points_for

log = logging.getLogger(__name__)


def rule_terms(row: PointsEarnRule) -> EarnRule:
    """A stored rule's terms for the pure matching (services.points.rules)."""
    return EarnRule(id=row.id, kind=row.kind, points_per_unit=row.points_per_unit, unit_minor=row.unit_minor,
                    mcc=row.mcc, merchant_id=row.merchant_id, valid_from=row.valid_from, valid_to=row.valid_to,
                    per_transaction_cap=row.per_transaction_cap, per_month_cap=row.per_month_cap,
                    created_at=row.created_at)


def month_key(at: datetime) -> str:
    """The calendar month (UTC) a monthly cap counts in: "2026-12"."""
    return at.strftime("%Y-%m")


def programme_open_to(program_partner_id: uuid.UUID | None, customer_partner_id: uuid.UUID | None) -> bool:
    """Whether a programme earns for a customer of this partner: the partner's own programmes and the bank's."""
    return program_partner_id is None or of_partner(customer_partner_id, program_partner_id)


async def earn(*, customer: Customer, currency: str, spend: Spend, source_id: uuid.UUID) -> list[PointsLot]:
    """Earn in every programme open to the customer (its partner's and the bank's) in the spend's currency."""
    # Programmes are few (a partner's handful and the bank's): chosen here with the scoping rule, oldest first.
    programs = [p for p in await PointsProgram.filter(value_currency=currency).order_by("created_at")
                if programme_open_to(p.partner_id, customer.partner_id)]  # type: ignore[attr-defined]
    lots = []
    for program in programs:
        lot = await _earn_in(program, customer, spend, source_id)
        if lot is not None:
            # After the lot committed, in a posting of its own: a funding wallet that cannot pay leaves the points
            # earned but unfunded (services.points.reserve), and a crash here leaves them unfunded too.
            await fund_earned(program=program, customer_id=customer.id, points=lot.earned_points, lot_id=lot.id)
            lots.append(lot)
    return lots


async def _earn_in(program: PointsProgram, customer: Customer, spend: Spend, source_id: uuid.UUID) -> PointsLot | None:
    """One programme's lot for the spend (None: no rule applies, it earns nothing, or it was granted already)."""
    rows = await PointsEarnRule.filter(program_id=program.id, status="ACTIVE").all()
    rule = best_rule([rule_terms(r) for r in rows], spend)
    if rule is None or await PointsLot.exists(program_id=program.id, source_id=source_id):
        return None
    account_id = await points_account_id(program, customer)
    key = month_key(spend.at)
    try:
        async with in_transaction() as conn:
            # The customer's POINTS account is locked first: two earnings of one customer count the monthly cap
            # one after the other, so concurrent payments never earn past it.
            await lock_points_account(conn, account_id)
            month_rows = await PointsLot.filter(program_id=program.id, customer_id=customer.id, month_key=key,
                                                rule_id=rule.id).using_db(conn).values_list("earned_points", flat=True)
            points = points_for(rule, spend.amount_minor, earned_this_month=sum(int(p) for p in month_rows))
            if points <= 0:
                return None
            transaction_id = uuid7()
            lot = await PointsLot.create(
                program_id=program.id, customer_id=customer.id, rule_id=rule.id, source_id=source_id,
                transaction_id=transaction_id, spend_minor=spend.amount_minor, earned_points=points, month_key=key,
                earned_at=spend.at, expires_at=add_months(spend.at, program.expiry_months), using_db=conn,
            )
            await book(conn, PointsMove(
                transaction_id=transaction_id, partner_id=customer.partner_id,  # type: ignore[attr-defined]
                kind=TransactionKind.POINTS_EARN, unit=ledger_unit(program.unit_code), points=points,
                debit_account_id=program.issuance_account_id, credit_account_id=account_id,  # type: ignore[attr-defined]
                customer_account_id=account_id, idempotency_key=f"points-earn-{source_id}",
                memo=f"points earned: {program.name}", event_type="points.earned", event_object_type="Customer",
                event_object_id=str(customer.id), event_payload={
                    "customerId": str(customer.id), "programId": str(program.id), "points": points,
                    "paymentId": str(source_id), "expiresAt": lot.expires_at.isoformat()},
            ))
    except IntegrityError:
        return None  # the same payment's points were granted meanwhile (one lot per programme and source)
    return lot
