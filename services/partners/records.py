"""Partners and API clients as services hand them out (never the stored rows, never a secret hash)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import ClassVar

from models import ApiClient, Partner
from models.enums import ApiClientStatus, PartnerEnvironment, PartnerStatus
from services.outcome import AuditTarget, ServiceResult


@dataclass(frozen=True, kw_only=True)
class PartnerRecord(ServiceResult):
    """A partner (a fintech company integrated with the bank)."""

    audit_type: ClassVar[str] = "Partner"

    id: uuid.UUID
    name: str
    status: PartnerStatus
    fee_share_bps: int
    created_at: datetime
    environment: PartnerEnvironment = PartnerEnvironment.LIVE  # fixed at partnerCreate

    @classmethod
    def from_row(cls, row: Partner) -> PartnerRecord:
        """The record of a stored partner row."""
        return cls(id=row.id, name=row.name, status=PartnerStatus(row.status), fee_share_bps=row.fee_share_bps,
                   created_at=row.created_at, environment=PartnerEnvironment(row.environment))

    def audit_target(self) -> AuditTarget:
        """A partner's audit rows are filed under the partner itself."""
        return AuditTarget(self.audit_type, str(self.id), self.id)


@dataclass(frozen=True, kw_only=True)
class ApiClientRecord(ServiceResult):
    """An OAuth client of a partner: its id, scopes and status (the secret's hash stays in the database)."""

    audit_type: ClassVar[str] = "ApiClient"

    id: uuid.UUID
    partner_id: uuid.UUID
    client_id: str
    scopes: tuple[str, ...]
    status: ApiClientStatus
    created_at: datetime
    # When the grace period of the last rotation ends (the replaced secret works until then); None when none runs.
    rotation_grace_ends_at: datetime | None = None

    @classmethod
    def from_row(cls, row: ApiClient) -> ApiClientRecord:
        """The record of a stored API client row."""
        expires_s = row.previous_secret_expires_s
        in_grace = row.previous_secret_hash is not None and expires_s is not None and expires_s > time.time()
        return cls(
            id=row.id, partner_id=row.partner_id, client_id=row.client_id,  # type: ignore[attr-defined]
            scopes=tuple(row.scopes.split()), status=ApiClientStatus(row.status), created_at=row.created_at,
            rotation_grace_ends_at=datetime.fromtimestamp(expires_s, tz=timezone.utc) if in_grace else None,
        )


@dataclass(frozen=True, kw_only=True)
class IssuedSecret(ServiceResult):
    """An API client together with its new secret, which is shown once and never stored."""

    client: ApiClientRecord
    client_secret: str = field(repr=False)  # never in a log line or a traceback's locals dump

    def audit_target(self) -> AuditTarget:
        """The audit row names the client."""
        return self.client.audit_target()  # type: ignore[return-value]  # a record with an id always has a target


@dataclass(frozen=True, kw_only=True)
class NewPartner(ServiceResult):
    """A just-onboarded partner, its first API client and that client's secret (shown once)."""

    partner: PartnerRecord
    client: ApiClientRecord
    client_secret: str = field(repr=False)

    def audit_target(self) -> AuditTarget:
        """The audit row names the partner."""
        return self.partner.audit_target()
