"""services.partners.records: partners and API clients as plain records; a secret never shows in a repr."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from models.enums import ApiClientStatus, PartnerStatus
from services.outcome import AuditTarget
from services.partners.records import ApiClientRecord, IssuedSecret, NewPartner, PartnerRecord

NOW = datetime(2026, 12, 4, tzinfo=timezone.utc)
PARTNER_ID, CLIENT_ID = uuid.UUID(int=1), uuid.UUID(int=2)


def _partner() -> PartnerRecord:
    return PartnerRecord(id=PARTNER_ID, name="Acme Pay", status=PartnerStatus.ACTIVE, fee_share_bps=0, created_at=NOW)


def _client() -> ApiClientRecord:
    return ApiClientRecord(id=CLIENT_ID, partner_id=PARTNER_ID, client_id="qb_1", scopes=("wallets:read",),
                           status=ApiClientStatus.ACTIVE, created_at=NOW)


def test_a_partner_is_audited_under_itself():
    assert _partner().audit_target() == AuditTarget("Partner", str(PARTNER_ID), PARTNER_ID)


def test_a_client_is_audited_under_its_partner():
    assert _client().audit_target() == AuditTarget("ApiClient", str(CLIENT_ID), PARTNER_ID)


def test_secrets_name_their_object_and_never_show_in_a_repr():
    issued = IssuedSecret(client=_client(), client_secret="s3cr3t-value")
    onboarded = NewPartner(partner=_partner(), client=_client(), client_secret="s3cr3t-value")
    assert issued.audit_target() == _client().audit_target()
    assert onboarded.audit_target() == _partner().audit_target()
    assert "s3cr3t-value" not in repr(issued) and "s3cr3t-value" not in repr(onboarded)
