"""services.fees.records: a changed fee rule names itself, under its partner, for the audit row."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from services.fees.records import FeeRuleRecord
from services.fees.rules import RuleSpec
from services.outcome import AuditTarget


def _spec(partner_id: uuid.UUID | None) -> RuleSpec:
    return RuleSpec(
        id=uuid.UUID(int=7), partner_id=partner_id, kind="TRANSFER", currency="CNY", corridor=None,
        destination_country=None, customer_kind=None, amount_min_minor=None, amount_max_minor=None, fixed_minor=100,
        rate_bps=0, fee_min_minor=0, fee_max_minor=None, free_per_month=0,
        effective_from=datetime(2026, 1, 1, tzinfo=timezone.utc), effective_to=None,
    )


def test_a_partners_rule_is_audited_as_a_fee_rule_of_that_partner():
    partner = uuid.UUID(int=3)
    record = FeeRuleRecord(rule=_spec(partner))
    assert (record.id, record.partner_id, record.audited) == (uuid.UUID(int=7), partner, False)
    assert record.audit_target() == AuditTarget("FeeRule", str(uuid.UUID(int=7)), partner)


def test_a_bank_default_rule_belongs_to_no_partner():
    record = FeeRuleRecord(rule=_spec(None))
    assert record.audit_target() == AuditTarget("FeeRule", str(uuid.UUID(int=7)), None)
