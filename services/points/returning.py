"""Points spent on a payment go back to the customer when the payment is refunded, reversed or rejected.

A payment's points (services.coupons.points_discount) were a POINTS_REDEEM of the customer's points and a
TRANSFER of their value from the programme's funding wallet to the payer. Giving a share of them back is the
opposite, as one posting of the engine:

- the value leaves the paying wallet for the funding wallet: a REVERSAL of that share of the TRANSFER (no fee, no
  limits counted, no AML rule: it undoes a movement the customer did not choose to keep);
- in the same atomic write the points go from the programme's REDEEMED account back to the customer's POINTS
  account (a POINTS_RETURN ledger transaction), the redemption's returned count rises, never beyond what was
  spent (the claim), and `points.returned` is written.

Points the programme's reserve paid for (the redemption's reserve_minor, services.points.reserve) go back the same
way, but their value goes to the reserve and the customer's funded_minor: on a refund the payer pays it into the
reserve (a REVERSAL of the payment's reserve leg, scaled to the share); on a reversal or rejection of the payment
the reserve's leg was negated or never posted, so only the points and funded_minor move (no money posting).

Lots need nothing: they are derived from the balance (services.points.lots), so returned points refill the oldest
lots with those lots' own expiry. The customer's POINTS balance is raised in the posting's own write (a second
claim, on the POINTS account's row). The posting runs inside the caller's database transaction (a refund's, a
reversal's, a compliance decision's), which has already locked the payment's row, so the share is computed from a
refunded total nobody else is changing.
"""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from auth.principal import PARTNER, Principal
from models import Payment, PointsAccount, PointsProgram, PointsRedemption, Wallet
from models.enums import TransactionKind, TransactionStatus
from models.ids import uuid7
from services import clock
from services.errors import DomainError
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.request import PostingRequest
from services.ledger.side_writes import RowClaim, RowInsert, event_insert
from services.money import format_amount
from services.db.sql import execute
from services.points.booking import PointsMove, book, lock_points_account
from services.points.reserve import fund_claim
from services.points.units import ledger_unit
from services.scoping import of_partner


class PointsAccountMissing(DomainError):
    """The redemption's POINTS account is not one (never expected: a foreign key and its kind keep it)."""

    code = "INVALID_STATE"

    def __init__(self) -> None:
        super().__init__("the customer's points account is missing")


class PointsOverReturned(DomainError):
    """More points would go back than the payment spent (a bug in the caller's share: nothing is written)."""

    code = "INVALID_STATE"

    def __init__(self) -> None:
        super().__init__("the payment's points were already given back")


def share_of(spent: int, payment_minor: int, refunded_before: int, refund_minor: int) -> int:
    """The points a refund gives back: cumulative floors, so all refunds of a payment return exactly what it spent."""
    return (refunded_before + refund_minor) * spent // payment_minor - refunded_before * spent // payment_minor


async def spent_on(conn: BaseDBAsyncClient, payment_id: uuid.UUID) -> PointsRedemption | None:
    """The points redemption of a payment (None: the payment spent no points)."""
    return await PointsRedemption.filter(payment_id=payment_id).using_db(conn).first()


async def lock_spent_points(conn: BaseDBAsyncClient, payment_id: uuid.UUID) -> PointsRedemption | None:
    """Lock the POINTS account of a payment that spent points, before the caller locks any wallet account; the
    payment's redemption (None: it spent no points).

    Why: a points payment claims the payer's POINTS account before its wallet accounts; a refund, a reversal or a
    released held refund gives points back after its own posting locked the payer's wallet account, so without this
    the two could each hold what the other waits for (found by tests/integration/test_pg_held_refund_lock_order.py)."""
    spent = await spent_on(conn, payment_id)
    if spent is None:
        return None
    account = await PointsAccount.filter(program_id=spent.program_id, customer_id=spent.customer_id).using_db(  # type: ignore[attr-defined]
        conn).first()
    if account is not None:
        await lock_points_account(conn, account.account_id)  # type: ignore[attr-defined]
    return spent


def _rows(*, program: PointsProgram, redemption: PointsRedemption, points_account_id: int, payment: Payment,
          points: int, value_minor: int, partner_id: uuid.UUID) -> tuple[RowInsert, ...]:
    """The POINTS_RETURN transaction, its two entries and points.returned, written with the posting."""
    now, txn_id, unit = clock.now(), uuid7(), ledger_unit(program.unit_code)
    txn = RowInsert(table="ledger_transaction", columns=(
        ("id", txn_id, None), ("partner_id", partner_id, None), ("kind", TransactionKind.POINTS_RETURN.value, None),
        ("status", TransactionStatus.POSTED.value, None), ("currency", unit, None), ("amount_minor", points, None),
        ("fee_minor", 0, None), ("hold_minor", 0, None), ("idempotency_key", f"points-return-{txn_id}", None),
        ("memo", f"points returned: {program.name}"[:280], None), ("created_at", now, None),
    ))
    entries = tuple(RowInsert(table="ledger_entry", columns=(
        ("transaction_id", txn_id, None), ("account_id", account, None), ("amount_minor", amount, None),
        ("currency", unit, None), ("partner_id", partner_id, None), ("created_at", now, None),
    )) for account, amount in ((program.redeemed_account_id, -points), (points_account_id, points)))  # type: ignore[attr-defined]
    event = event_insert(type="points.returned", partner_id=partner_id, object_type="Customer",
                         object_id=redemption.customer_id, payload={  # type: ignore[attr-defined]
                             "customerId": str(redemption.customer_id), "programId": str(program.id),  # type: ignore[attr-defined]
                             "paymentId": str(payment.id), "points": points,
                             "amount": money(value_minor, program.value_currency)}, at=now)
    return (txn, *entries, event)


async def return_points(conn: BaseDBAsyncClient, *, payment: Payment, redemption: PointsRedemption, points: int,
                        source: str, payment_undone: bool = False) -> None:
    """Give `points` of the payment's spent points back, with their value, in the caller's transaction (once per source).

    `payment_undone`: the payment's own legs were undone (its reversal) or never posted (its rejection), so a
    reserve-paid value is back in the reserve already; a refund leaves it with the payer, who pays it back.
    """
    if points <= 0:
        return
    program = await PointsProgram.get(id=redemption.program_id).using_db(conn)  # type: ignore[attr-defined]
    account = await PointsAccount.get(program_id=program.id, customer_id=redemption.customer_id).using_db(conn)  # type: ignore[attr-defined]
    # At the redemption's own rate (value = points x value per point, so every share is exact).
    value_minor = redemption.amount_minor * points // redemption.points
    if redemption.reserve_minor:
        # The reserve paid the value (services.points.reserve): it goes back there and to the customer's funding.
        await _return_to_reserve(conn, program=program, account=account, payment=payment, redemption=redemption,
                                 points=points, value_minor=value_minor, source=source, value_back=payment_undone)
        return
    funding = await Wallet.get(id=program.funding_wallet_id).using_db(conn)  # type: ignore[attr-defined]
    payer = await Wallet.get(id=payment.payer_wallet_id).using_db(conn)  # type: ignore[attr-defined]
    # The TRANSFER's principal legs scaled to the share (any fee it was charged stays charged), posted negated:
    # the payer pays the value back to the funding wallet.
    reversing = ((funding.account_id, -value_minor), (payer.account_id, value_minor))  # type: ignore[attr-defined]
    partner_id = payment.partner_id  # type: ignore[attr-defined]
    # Who posts it: the payment itself, on the payer's partner's books (no scopes: it is no API caller).
    principal = Principal(kind=PARTNER, subject=f"points-return:{payment.id}", partner_id=partner_id)
    await post(principal, PostingRequest(
        operation="pointsReturn", kind=TransactionKind.REVERSAL, idempotency_key=f"points-return-{source}"[:200],
        amount_text=format_amount(value_minor, program.value_currency), from_wallet_id=payment.payer_wallet_id,  # type: ignore[attr-defined]
        to_wallet_id=funding.id, from_field="paymentId", to_field="paymentId", currency=program.value_currency,
        memo=f"points returned: {program.name}"[:280],
        to_partner_id=None if of_partner(partner_id, funding.partner_id) else funding.partner_id,  # type: ignore[attr-defined]
        reversing=reversing,
        claim=_within_spent(redemption.id, points),
        # The POINTS account keeps a stored balance (its entries' sum, `ledger verify` checks): raised in the same
        # write as its POINTS_RETURN entry, so a replay of this source raises nothing twice.
        more_claims=(_raise_points(account.account_id, points),),  # type: ignore[attr-defined]
        inserts=_rows(program=program, redemption=redemption, points_account_id=account.account_id,  # type: ignore[attr-defined]
                      payment=payment, points=points, value_minor=value_minor, partner_id=partner_id),
    ), None)


def _raise_points(account_id: int, points: int) -> RowClaim:
    """The customer's POINTS account takes the returned points back (it must be a POINTS account: a guard, not a rule)."""
    return RowClaim(
        table="account", row_id=account_id,  # type: ignore[arg-type]  # an account's id is an integer
        condition="kind = 'POINTS'", assignment="balance_minor = balance_minor + $1",
        values=(points,), refusal=lambda: PointsAccountMissing(),
    )


async def _return_to_reserve(conn: BaseDBAsyncClient, *, program: PointsProgram, account: PointsAccount,
                             payment: Payment, redemption: PointsRedemption, points: int, value_minor: int,
                             source: str, value_back: bool) -> None:
    """Reserve-paid points back: the points to the customer, the value to the reserve and the customer's funded_minor."""
    partner_id = payment.partner_id  # type: ignore[attr-defined]
    if value_back:
        # The payment's reversal negated the reserve's leg (or its rejection never posted it): no money moves, only
        # the points and the customer's funding, in the caller's transaction (which locked the payment's row).
        changed = await execute(conn, "UPDATE points_redemption SET returned_points = returned_points + $1"
                                      " WHERE id = $2 AND returned_points + $1 <= points", [points, redemption.id])
        if changed != 1:
            raise PointsOverReturned()
        await execute(conn, "UPDATE points_account SET funded_minor = funded_minor + $1 WHERE id = $2",
                      [value_minor, account.id])
        await book(conn, PointsMove(
            transaction_id=uuid7(), partner_id=partner_id, kind=TransactionKind.POINTS_RETURN,
            unit=ledger_unit(program.unit_code), points=points,
            debit_account_id=program.redeemed_account_id,  # type: ignore[attr-defined]
            credit_account_id=account.account_id, customer_account_id=account.account_id,  # type: ignore[attr-defined]
            idempotency_key=f"points-return-{source}"[:200], memo=f"points returned: {program.name}",
            event_type="points.returned", event_object_type="Customer", event_object_id=str(redemption.customer_id),  # type: ignore[attr-defined]
            event_payload={"customerId": str(redemption.customer_id), "programId": str(program.id),  # type: ignore[attr-defined]
                           "paymentId": str(payment.id), "points": points,
                           "amount": money(value_minor, program.value_currency)},
        ))
        return
    rows = _rows(program=program, redemption=redemption, points_account_id=account.account_id,  # type: ignore[attr-defined]
                 payment=payment, points=points, value_minor=value_minor, partner_id=partner_id)
    claims = (_within_spent(redemption.id, points), _raise_points(account.account_id, points),  # type: ignore[attr-defined]
              fund_claim(account.id, value_minor))
    payer = await Wallet.get(id=payment.payer_wallet_id).using_db(conn)  # type: ignore[attr-defined]
    principal = Principal(kind=PARTNER, subject=f"points-return:{payment.id}", partner_id=partner_id)
    # The refund credited the payer with the whole share, the reserve-paid part included: the payer pays that
    # part back into the reserve (a REVERSAL of the payment's reserve leg, scaled to the share).
    await post(principal, PostingRequest(
        operation="pointsReturn", kind=TransactionKind.REVERSAL, idempotency_key=f"points-return-{source}"[:200],
        amount_text=format_amount(value_minor, program.value_currency), from_wallet_id=payment.payer_wallet_id,  # type: ignore[attr-defined]
        to_wallet_id=None, from_field="paymentId", to_field="paymentId", currency=program.value_currency,
        memo=f"points returned: {program.name}"[:280],
        reversing=((program.reserve_account_id, -value_minor), (payer.account_id, value_minor)),  # type: ignore[attr-defined]
        claim=claims[0], more_claims=claims[1:], inserts=rows,
    ), None)


def _within_spent(redemption_id: uuid.UUID, points: int) -> RowClaim:
    """The redemption's returned count rises by `points`, never beyond what the payment spent."""
    return RowClaim(table="points_redemption", row_id=redemption_id, condition="returned_points + $1 <= points",
                    assignment="returned_points = returned_points + $1", values=(points,), refusal=PointsOverReturned)
