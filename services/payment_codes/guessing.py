"""Guessing payment codes is rate-limited: failed collects per merchant partner in a sliding window, in the database.

A collect that names no collectable code (unknown, malformed, expired or
used) writes one `payment_code_miss` row for the collecting partner, in its
own short transaction, whatever else happens. While a partner has
`MAX_MISSES` or more in the last `WINDOW`, its next collect is refused with
RATE_LIMITED before the code is even looked up. The rows live in the one
database, so the limit holds across processes and hosts; concurrent misses
may overshoot it by the number in flight, which does not help a guesser
against 10^19 codes. Rows older than the window are deleted as new ones
arrive. The refusals themselves are in the audit log (schema attempt()).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from models import PaymentCodeMiss
from services import clock
from services.errors import TooManyAttempts
from services.scoping import of_tenant

WINDOW = timedelta(seconds=60)
MAX_MISSES = 10


async def check_not_guessing(partner_id: uuid.UUID | None) -> None:
    """TooManyAttempts while the partner has MAX_MISSES or more failed collects in the last WINDOW."""
    since = clock.now() - WINDOW
    misses = await of_tenant(PaymentCodeMiss, partner_id).filter(occurred_at__gt=since).count()
    if misses >= MAX_MISSES:
        raise TooManyAttempts(
            f"more than {MAX_MISSES} collects of unknown, expired or used codes in {int(WINDOW.total_seconds())}"
            " seconds: wait before collecting again", field=["code"],
        )


async def record_miss(partner_id: uuid.UUID | None) -> None:
    """Count one failed collect for the partner (and forget its misses older than the window)."""
    if partner_id is None:
        return
    now = clock.now()
    await of_tenant(PaymentCodeMiss, partner_id).filter(occurred_at__lte=now - WINDOW).delete()
    await PaymentCodeMiss.create(partner_id=partner_id, occurred_at=now)
