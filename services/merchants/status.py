"""merchantSuspend / merchantReactivate: a partner stops and restarts payments to one of its merchants, with a reason."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Merchant
from models.enums import MerchantStatus
from services.audit import AuditNote, record_event
from services.authority import require_partner_token
from services.caches import MERCHANTS_CHANNEL
from services.change_feed import announce
from services.errors import MerchantStateConflict, NotFound
from services.events import record_domain_event
from services.merchants.queries import visible_merchant_row
from services.merchants.records import MerchantRecord
from services.validation import clean_reason

MIN_REASON_CHARS = 3
MAX_REASON_CHARS = 500


async def suspend_merchant(
    *, principal: Principal, merchant_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None = None,
) -> MerchantRecord:
    """Suspend an ACTIVE merchant (its codes cannot be paid); record merchant.suspended."""
    return await _change_status(principal=principal, merchant_id=merchant_id, reason=reason, audit=audit,
                                expected=MerchantStatus.ACTIVE, target=MerchantStatus.SUSPENDED, event="merchant.suspended")


async def reactivate_merchant(
    *, principal: Principal, merchant_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None = None,
) -> MerchantRecord:
    """Make a SUSPENDED merchant ACTIVE again; record merchant.reactivated."""
    return await _change_status(principal=principal, merchant_id=merchant_id, reason=reason, audit=audit,
                                expected=MerchantStatus.SUSPENDED, target=MerchantStatus.ACTIVE, event="merchant.reactivated")


async def _change_status(
    *, principal: Principal, merchant_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None,
    expected: MerchantStatus, target: MerchantStatus, event: str,
) -> MerchantRecord:
    """One conditional UPDATE, its event and its audit row, in one transaction."""
    require_partner_token(principal)
    text = clean_reason(reason, min_len=MIN_REASON_CHARS, max_len=MAX_REASON_CHARS)
    found = await visible_merchant_row(principal, merchant_id, field=["merchantId"])
    async with in_transaction() as conn:
        changed = await Merchant.filter(id=found.id, status=expected).using_db(conn).update(
            status=target, status_reason=text if target is MerchantStatus.SUSPENDED else None,
        )
        merchant = await Merchant.filter(id=found.id).using_db(conn).first()
        if merchant is None:
            raise NotFound("merchant not found", field=["merchantId"])
        if not changed:
            raise MerchantStateConflict(f"the merchant is {merchant.status.value.lower()}, not {expected.value.lower()}",
                                        field=["merchantId"])
        payload = {"merchantId": str(merchant.id), "customerId": str(merchant.customer_id)}  # type: ignore[attr-defined]
        await record_domain_event(type=event, partner_id=merchant.partner_id, object_type="Merchant",  # type: ignore[attr-defined]
                                  object_id=merchant.id, payload=payload, using_db=conn)
        if audit is not None:  # written with the change: a suspension without its audit row cannot commit
            await record_event(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Merchant",
                object_id=str(merchant.id), request_id=audit.request_id, partner_id=merchant.partner_id,  # type: ignore[attr-defined]
                detail=f"merchantId={merchant.id} status={target.value} reason={text}",
            )
    # After the commit: every process forgets the payable codes it remembered (services.payment_requests.preview),
    # so a suspended merchant's codes are refused from now on, everywhere.
    await announce(MERCHANTS_CHANNEL)
    return MerchantRecord.from_row(merchant, audited=audit is not None)
