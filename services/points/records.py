"""What the points services hand to the API layer: plain records (services.outcome.ServiceResult), never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models import PointsEarnRule, PointsProgram
from services.ledger.records import TransactionRecord
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class ProgramRecord(ServiceResult):
    """A points programme."""

    audit_type = "PointsProgram"
    id: uuid.UUID
    partner_id: uuid.UUID | None
    name: str
    unit_code: str
    value_currency: str
    value_minor_per_point: int
    expiry_months: int
    funding_wallet_id: uuid.UUID
    created_at: datetime

    @classmethod
    def of(cls, row: PointsProgram, *, audited: bool = False) -> ProgramRecord:
        """The record of a stored programme."""
        return cls(id=row.id, partner_id=row.partner_id, name=row.name, unit_code=row.unit_code,  # type: ignore[attr-defined]
                   value_currency=row.value_currency, value_minor_per_point=row.value_minor_per_point,
                   expiry_months=row.expiry_months, funding_wallet_id=row.funding_wallet_id,  # type: ignore[attr-defined]
                   created_at=row.created_at, audited=audited)


@dataclass(frozen=True, kw_only=True)
class RuleRecord(ServiceResult):
    """An earn rule."""

    audit_type = "PointsEarnRule"
    id: uuid.UUID
    program_id: uuid.UUID
    partner_id: uuid.UUID | None  # the programme's
    kind: str
    points_per_unit: int
    unit_minor: int
    currency: str  # the programme's value currency (unit_minor is in it)
    mcc: str | None
    merchant_id: uuid.UUID | None
    valid_from: datetime | None
    valid_to: datetime | None
    per_transaction_cap: int | None
    per_month_cap: int | None
    status: str
    version: int

    @classmethod
    def of(cls, row: PointsEarnRule, program: PointsProgram, *, audited: bool = False) -> RuleRecord:
        """The record of a stored rule of the programme."""
        return cls(id=row.id, program_id=program.id, partner_id=program.partner_id,  # type: ignore[attr-defined]
                   kind=row.kind, points_per_unit=row.points_per_unit, unit_minor=row.unit_minor,
                   currency=program.value_currency, mcc=row.mcc, merchant_id=row.merchant_id,
                   valid_from=row.valid_from, valid_to=row.valid_to, per_transaction_cap=row.per_transaction_cap,
                   per_month_cap=row.per_month_cap, status=row.status, version=row.version, audited=audited)


@dataclass(frozen=True, kw_only=True)
class Redemption(ServiceResult):
    """What pointsRedeem did: the points spent and the money posting (its replay, for a key already used)."""

    audit_type = "Transaction"
    program_id: uuid.UUID
    customer_id: uuid.UUID
    points: int
    transaction: TransactionRecord

    def audit_target(self):  # type: ignore[no-untyped-def]
        """The money posting (its audit row is written with it)."""
        return self.transaction.audit_target()
