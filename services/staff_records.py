"""Bank staff users as services hand them out (never the password hash or the lockout counters)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from models import StaffUser
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class StaffUserRecord(ServiceResult):
    """A bank staff member: e-mail, role and whether the account is active (audit rows belong to no partner)."""

    audit_type: ClassVar[str] = "StaffUser"

    id: uuid.UUID
    email: str
    role: str
    active: bool
    last_login_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: StaffUser) -> StaffUserRecord:
        """The record of a stored staff user row."""
        return cls(id=row.id, email=row.email, role=row.role, active=row.active, last_login_at=row.last_login_at,
                   created_at=row.created_at)
