"""pointsRedeem: points into wallet money, as one posting of the posting engine with the points legs in the same write.

The money moves as a TRANSFER from the programme's funding wallet to the customer's wallet in the value currency
(the engine's wallet checks, limits and events). In the same atomic write (the engine's side writes,
services.ledger.side_writes) the customer's POINTS account is claimed: its balance drops by the points only while
it holds them, re-checked on the row's latest version under its lock, so concurrent redemptions never spend more
than held (INSUFFICIENT_POINTS, nothing moved). The points legs (POINTS -> REDEEMED) are their own POINTS_REDEEM
ledger transaction, inserted with the posting: each transaction stays in one currency, as `ledger verify` wants.
Redemption consumes lots oldest first (services.points.lots derives it; nothing per lot is written).
In the same database transaction, what the programme's reserve set aside for the redeemed points goes back to the
funding wallet that just paid them (services.points.reserve): a programme's money is never set aside twice.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, IdempotencyRecord, PointsProgram, Wallet
from models.enums import TransactionKind, TransactionStatus, WalletStatus
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.authority import require_partner_token
from services.errors import InsufficientPoints, NotFound, ValidationFailed
from services.ledger.announce import money
from services.db.sql import fetch
from services.ledger.engine import post
from services.points.refused_payouts import keep_refused_alerts, refuse_held_payout
from services.ledger.request import PostingRequest, check_request
from services.ledger.side_writes import TRANSACTION_ID, RowClaim, RowInsert, event_insert
from services.money import MAX_MINOR, format_amount
from services.points.booking import lock_points_account
from services.points.holdings import holding
from services.points.programs import visible_program
from services.points.records import Redemption
from services.points.reserve import release_excess
from services.points.units import ledger_unit
from services.scoping import get_scoped, of_partner, of_tenant



class CustomerRef(Protocol):
    """What the points rows need of a customer: its id and partner (a Customer row, or a payer read from facts)."""

    id: uuid.UUID
    partner_id: uuid.UUID

def points_claim(account_id: int, points: int, unswept: int) -> RowClaim:
    """The POINTS account still holds the points beyond those expired but not yet swept, and gives them up."""
    return RowClaim(
        table="account", row_id=account_id,  # type: ignore[arg-type]  # an account's id is an integer
        condition="balance_minor - $2 >= $1", assignment="balance_minor = balance_minor - $1", values=(points, unswept),
        refusal=lambda: InsufficientPoints("the customer holds fewer unexpired points than that", field=["points"]),
    )


def redeemed_points_rows(*, program: PointsProgram, customer: CustomerRef, account_id: int, points: int,
                         amount_minor: int, points_transaction_id: uuid.UUID,
                         payment_id: uuid.UUID | None = None, reserve_minor: int = 0) -> tuple[RowInsert, ...]:
    """The POINTS_REDEEM transaction, its two entries, the redemption row and points.redeemed, written with the posting."""
    now, partner_id = clock.now(), customer.partner_id  # type: ignore[attr-defined]
    unit = ledger_unit(program.unit_code)
    txn = RowInsert(table="ledger_transaction", columns=(
        ("id", points_transaction_id, None), ("partner_id", partner_id, None),
        ("kind", TransactionKind.POINTS_REDEEM.value, None), ("status", TransactionStatus.POSTED.value, None),
        ("currency", unit, None), ("amount_minor", points, None), ("fee_minor", 0, None), ("hold_minor", 0, None),
        ("idempotency_key", f"points-redeem-{points_transaction_id}", None), ("memo", f"points redeemed: {program.name}"[:280], None),
        ("created_at", now, None),
    ))
    entries = tuple(RowInsert(table="ledger_entry", columns=(
        ("transaction_id", points_transaction_id, None), ("account_id", account, None), ("amount_minor", amount, None),
        ("currency", unit, None), ("partner_id", partner_id, None), ("created_at", now, None),
    )) for account, amount in ((account_id, -points), (program.redeemed_account_id, points)))  # type: ignore[attr-defined]
    redemption = RowInsert(table="points_redemption", columns=(
        ("id", uuid7(), None), ("program_id", program.id, None), ("customer_id", customer.id, None),
        ("points", points, None), ("amount_minor", amount_minor, None), ("currency", program.value_currency, None),
        ("transaction_id", TRANSACTION_ID, None), ("points_transaction_id", points_transaction_id, None),
        ("created_at", now, None), ("payment_id", payment_id, None), ("returned_points", 0, None),
        ("reserve_minor", reserve_minor, None),
    ))
    event = event_insert(type="points.redeemed", partner_id=partner_id, object_type="Customer", object_id=customer.id,
                         payload={"customerId": str(customer.id), "programId": str(program.id), "points": points,
                                  "amount": money(amount_minor, program.value_currency)}, at=now)
    return (txn, *entries, redemption, event)


async def redeem(*, principal: Principal, customer_id: uuid.UUID | None, program_id: uuid.UUID | None, points: int,
                 idempotency_key: str, audit: AuditNote | None = None) -> Redemption:
    """Convert `points` of the customer's unexpired points into money in its wallet (the partner's token only)."""
    require_partner_token(principal)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    program = await visible_program(principal, program_id)
    if not isinstance(points, int) or points <= 0:
        raise ValidationFailed("points must be a positive whole number", field=["points"])
    amount_minor = points * program.value_minor_per_point
    if amount_minor > MAX_MINOR:
        raise ValidationFailed("points are worth more than the ledger can hold", field=["points"])
    wallet = await Wallet.filter(customer_id=customer.id, currency=program.value_currency,
                                 status=WalletStatus.ACTIVE).order_by("created_at").first()
    if wallet is None:
        raise NotFound(f"the customer has no active {program.value_currency} wallet to receive the money",
                       field=["customerId"])
    held = await holding(program.id, customer.id, now=clock.now())
    unswept = held.due_points
    if held.account_id is None:
        raise InsufficientPoints("the customer holds no points in this programme", field=["points"])
    # Too few points is the claim's refusal inside the posting (checked on the locked row), not decided here: the
    # engine then answers a retry of a key already used with the original redemption instead.
    funding = await Wallet.get(id=program.funding_wallet_id)  # type: ignore[attr-defined]
    own = of_partner(principal.partner_id, funding.partner_id)  # type: ignore[attr-defined]
    req = PostingRequest(
        operation="pointsRedeem", kind=TransactionKind.TRANSFER, idempotency_key=idempotency_key,
        amount_text=format_amount(amount_minor, program.value_currency), from_wallet_id=funding.id,
        to_wallet_id=wallet.id, from_field="programId", to_field="customerId", currency=program.value_currency,
        memo=f"points redeemed: {program.name}"[:280], requires_from=True, requires_to=True,
        from_partner_id=None if own else funding.partner_id,  # type: ignore[attr-defined]
        claim=points_claim(held.account_id, points, unswept),
        inserts=redeemed_points_rows(program=program, customer=customer, account_id=held.account_id,
                                     points=points, amount_minor=amount_minor, points_transaction_id=uuid7()),
        subject=f"PointsProgram:{program.id}:{customer.id}:{points}",
    )
    try:
        async with in_transaction() as conn:
            # The engine joins this transaction: the release below commits with the redemption or not at all. The
            # customer's POINTS account is locked first, as a points payment and the expiry sweep lock it first
            # (then the customer's funding row, then wallets), so two redemptions, or a redemption and a payment,
            # of one customer never wait on each other in opposite orders.
            await lock_points_account(conn, held.account_id)
            txn = await post(principal, req, audit)
            await refuse_held_payout(conn, txn)  # held: rolled back whole, its alerts kept (below)
            if not txn.replayed:
                await _release_redeemed_funding(conn, program=program, customer_id=customer.id,
                                                points_account_id=held.account_id, transaction_id=txn.id)
    except Exception as error:
        await keep_refused_alerts(error)  # a refused payout's alerts, rolled back with it: compliance still hears
        # The same key committed by another request meanwhile: this transaction aborted on the key's unique index
        # (the engine cannot replay inside it) and rolled back; the engine answers the original outside it.
        if await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=check_request(principal, req).key).exists():
            txn = await post(principal, req, audit)
        else:
            raise
    return Redemption(program_id=program.id, customer_id=customer.id, points=points, transaction=txn, audited=txn.audited)


async def _release_redeemed_funding(conn: BaseDBAsyncClient, *, program: PointsProgram, customer_id: uuid.UUID,
                                    points_account_id: int, transaction_id: uuid.UUID) -> None:
    """The funding wallet paid the redeemed points: what the reserve set aside for them goes back to it, now.

    Its lock is held to the commit anyway, and a redemption that spent every point would otherwise leave their
    funding in the reserve for good (only an expiry or a clawback releases it; services.points.reserve).
    """
    left = await fetch(conn, "SELECT balance_minor FROM account WHERE id = $1", [points_account_id])
    await release_excess(conn, program=program, customer_id=customer_id, points_left=int(left[0]["balance_minor"]),
                         key=f"redeem-{transaction_id}")
