"""Deciding payout requests (issue 16 part 6, checker): approve, reject, and the expiry sweep.

Each decision is one database transaction that first claims the request row (a conditional update from PENDING:
of two concurrent decisions, or a decision and the sweep, exactly one finds it PENDING), then decides its HELD
transaction through the one hold lifecycle (services.ledger.held.decide_held_transaction):

- approve (a member with APPROVE, never the maker, whatever token it uses: identity is the member id): the held
  legs post now, re-checked (wallet status, screening, the receiver's tier), and the reservation ends with them;
- reject (a member with APPROVE, or the maker withdrawing its own request) and expiry: nothing moves, the
  reservation ends and the limit usage it counted is given back.

The reservation therefore ends exactly once. Approving again with the member that approved answers the approved
request (a retry); anything else on a decided request is PAYOUT_REQUEST_NOT_PENDING.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert
from models.business import PayoutRequest
from services import clock, scoping
from services.audit import AuditNote, record_event
from services.business.member_permissions import MemberAction, require_action
from services.business.members import authorize
from services.business.payout_requests import APPROVED, EXPIRED, PENDING, REJECTED
from services.business.records import PayoutRequestRecord
from services.db.sql import execute, fetch
from services.errors import ComplianceHold, NotFound, PayoutRequestNotPending, SelfApprovalForbidden
from services.events import record_domain_event
from services.ledger.announce import money
from services.ledger.held import REJECT, RELEASE, decide_held_transaction
from services.validation import clean_reason

FIELD = ["payoutRequestId"]
MAX_REASON_LENGTH = 500
SWEEP_BATCH = 100


async def visible_request(principal: Principal, request_id: uuid.UUID | None, *, field: list[str]) -> PayoutRequest:
    """A payout request the caller may see: its partner, its business's tokens, staff (NOT_FOUND otherwise)."""
    row = await PayoutRequest.get_or_none(id=request_id) if request_id is not None else None
    if row is None or not scoping.sees_row(principal, partner_id=row.partner_id, customer_id=row.customer_id):  # type: ignore[attr-defined]
        raise NotFound("payout request not found", field=field)
    return row


async def approve(*, principal: Principal, request_id: uuid.UUID | None,
                  audit: AuditNote | None = None) -> PayoutRequestRecord:
    """Approve another member's PENDING request: its held payout posts now (payout_request.approved)."""
    row = await visible_request(principal, request_id, field=FIELD)
    actor = await authorize(principal, row.customer_id, MemberAction.APPROVE, field=FIELD, needs_member=True)  # type: ignore[attr-defined]
    if row.maker_member_id == actor.member_id:
        # The member, not the token: a maker holding two tokens is still one member.
        raise SelfApprovalForbidden("a different member must approve this request", field=FIELD)
    if row.status == APPROVED and row.checker_member_id == actor.member_id:
        return PayoutRequestRecord.of(row, replayed=True)  # a retry of this member's approval: posted once
    now = clock.now()
    if row.status != PENDING or row.expires_at <= now:
        raise PayoutRequestNotPending(f"the request is {_shown_status(row, now).lower()}", field=FIELD)
    if await AmlAlert.filter(transaction_id=row.transaction_id, action="HOLD", status="OPEN").exists():
        # Compliance holds the same transaction: its review decides first (approval would release it around it).
        raise ComplianceHold("the payout is under compliance review: it cannot be approved now", field=FIELD)
    async with in_transaction() as conn:
        claimed = await fetch(
            conn, "UPDATE payout_request SET status = $1, checker_member_id = $2, decided_at = $3"
                  " WHERE id = $4 AND status = $5 AND expires_at > $3 RETURNING id",
            [APPROVED, actor.member_id, now, row.id, PENDING])
        if not claimed:
            fresh = await PayoutRequest.get(id=row.id).using_db(conn)
            if fresh.status == APPROVED and fresh.checker_member_id == actor.member_id:
                # This member's approval committed meanwhile (a retry that overtook its lost original): answer it.
                return PayoutRequestRecord.of(fresh, replayed=True)
            raise PayoutRequestNotPending("the request was decided meanwhile: read it again", field=FIELD)
        # The held legs post and the reservation ends, in this transaction (or neither, if a re-check refuses).
        await decide_held_transaction(conn, row.transaction_id, RELEASE, field=FIELD[0])
        await _announce(conn, row, "payout_request.approved", APPROVED, actor.member_id)
        await _audit(conn, audit, row)
    return replace(PayoutRequestRecord.of(await PayoutRequest.get(id=row.id)), audited=audit is not None)


async def reject(*, principal: Principal, request_id: uuid.UUID | None, reason: str | None = None,
                 audit: AuditNote | None = None) -> PayoutRequestRecord:
    """Reject a PENDING request (an approver, or its maker withdrawing it): the held funds are available again."""
    row = await visible_request(principal, request_id, field=FIELD)
    actor = await authorize(principal, row.customer_id, MemberAction.VIEW, field=FIELD, needs_member=True)  # type: ignore[attr-defined]
    assert actor.member is not None
    if row.maker_member_id != actor.member_id:
        require_action(actor.member.role, MemberAction.APPROVE, field=FIELD)
    why = clean_reason(reason, max_len=MAX_REASON_LENGTH) if reason is not None else None
    now = clock.now()
    if row.status != PENDING or row.expires_at <= now:
        raise PayoutRequestNotPending(f"the request is {_shown_status(row, now).lower()}", field=FIELD)
    if not await _end(row, REJECTED, now=now, member_id=actor.member_id, reason=why, audit=audit):
        raise PayoutRequestNotPending("the request was decided meanwhile: read it again", field=FIELD)
    return replace(PayoutRequestRecord.of(await PayoutRequest.get(id=row.id)), audited=audit is not None)


async def _end(row: PayoutRequest, status: str, *, now: datetime, member_id: uuid.UUID | None, reason: str | None,
               audit: AuditNote | None = None) -> bool:
    """Reject or expire a PENDING request and release its hold, in one transaction; False when it was not PENDING."""
    async with in_transaction() as conn:
        # REJECTED only before expiry; EXPIRED only after it: a reject racing the sweep has one winner.
        due = "expires_at <= $4" if status == EXPIRED else "expires_at > $4"
        claimed = await fetch(
            conn, f"UPDATE payout_request SET status = $1, checker_member_id = $2, decided_at = $4, reason = $5"
                  f" WHERE id = $3 AND status = $6 AND {due} RETURNING id",
            [status, member_id, row.id, now, reason, PENDING])
        if not claimed:
            return False
        held = await fetch(conn, "SELECT id FROM ledger_transaction WHERE id = $1 AND status = 'HELD'",
                           [row.transaction_id])
        if held:
            # Nothing moves: the reservation ends and the limit usage it counted is given back, exactly once.
            await decide_held_transaction(conn, row.transaction_id, REJECT, field=FIELD[0])
        else:
            # Compliance decided the same HELD transaction through an AML alert first (services.alert_decisions):
            # its decision already ended the reservation; the request just ends (the transaction says how).
            await execute(conn, "UPDATE payout_request SET reason = $1 WHERE id = $2",
                          ["decided by compliance review", row.id])
        event = "payout_request.rejected" if status == REJECTED else "payout_request.expired"
        await _announce(conn, row, event, status, member_id)
        await _audit(conn, audit, row)
    return True


async def expire_due(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """The expiry sweep: end every PENDING request past its expiry, releasing its hold; how many ended."""
    moment = now or clock.now()
    due = await PayoutRequest.filter(status=PENDING, expires_at__lte=moment).order_by("expires_at").limit(batch)
    ended = 0
    for row in due:
        # Guarded like a decision: an approval or rejection that got there first wins, and this does nothing.
        ended += await _end(row, EXPIRED, now=moment, member_id=None, reason=None)
    return ended


def _shown_status(row: PayoutRequest, now: datetime) -> str:
    """The request's status as the caller should see it: a PENDING one past its expiry is EXPIRED already."""
    return EXPIRED if row.status == PENDING and row.expires_at <= now else row.status


async def _announce(conn: BaseDBAsyncClient, row: PayoutRequest, event: str, status: str,
                    member_id: uuid.UUID | None) -> None:
    """payout_request.approved / .rejected / .expired for the business's partner."""
    payload = {"payoutRequestId": str(row.id), "customerId": str(row.customer_id),  # type: ignore[attr-defined]
               "transactionId": str(row.transaction_id), "amount": money(row.amount_minor, row.currency),
               "status": status, **({"memberId": str(member_id)} if member_id is not None else {})}
    await record_domain_event(type=event, partner_id=row.partner_id, object_type="PayoutRequest",  # type: ignore[attr-defined]
                              object_id=row.id, payload=payload, using_db=conn)


async def _audit(conn: BaseDBAsyncClient, audit: AuditNote | None, row: PayoutRequest) -> None:
    """The decision's audit row, committed with it."""
    if audit is not None:
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="PayoutRequest",
                           object_id=str(row.id), request_id=audit.request_id, partner_id=row.partner_id)  # type: ignore[attr-defined]
