"""Reconciliation exceptions for API tests, stored as a settlement import stores them."""

from __future__ import annotations

from models import ReconciliationException
from schema.common.relay import to_global_id
from services.reconciliation.exceptions import NewException, store_exceptions
from tests.factories import next_id


async def reconciliation_exception_id(rail: str = "api-tests", kind: str = "UNKNOWN_REFERENCE") -> str:
    """The global ID of a fresh OPEN exception (an unknown reference of `rail`)."""
    reference = next_id("recon-ref")
    await store_exceptions([NewException(rail=rail, kind=kind, detail="no transfer of this rail has this reference",
                                         reference=reference, line_number=2,
                                         line_text=f"{reference},1.00,CNY,2026-01-01,SETTLED", actual_minor=100,
                                         actual_currency="CNY", file_status="SETTLED")], settlement_file_id=None)
    row = await ReconciliationException.get(rail=rail, reference=reference)
    return to_global_id("ReconciliationException", row.id)
