"""The audit hash chain's state for staff (auditChainStatus): chain what is pending, then verify the whole chain."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from auth.principal import Principal
from services import clock
from services.audit import ChainReport, chain_pending
from services.audit_checkpoint import verify_audit
from services.authority import require_staff

# One verification at a time per process: it reads every chained row, and a console left open on many desks
# must not multiply that work.
_VERIFYING = asyncio.Lock()


@dataclass(frozen=True)
class ChainStatus:
    report: ChainReport
    verified_at: datetime


async def audit_chain_status(*, principal: Principal) -> ChainStatus:
    """Chain pending rows, recompute the chain from its genesis and say whether it holds (audit:read)."""
    require_staff(principal, "audit:read")
    async with _VERIFYING:
        await chain_pending()
        report = (await verify_audit()).report  # the signed checkpoints too
    return ChainStatus(report=report, verified_at=clock.now())
