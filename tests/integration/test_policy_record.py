"""services.compliance.policy_record: a stored pack as the plain record services hand out."""

from __future__ import annotations

from models import CompliancePolicy
from services.compliance.policy_record import PolicyRecord


async def test_a_stored_pack_becomes_a_record_of_plain_values(database_url):
    row = await CompliancePolicy.get(jurisdiction="EU")
    record = PolicyRecord.from_row(row)
    assert (record.jurisdiction, record.timezone, record.version) == ("EU", "Europe/Brussels", row.version)
    assert record.name == row.name and record.updated_at == row.updated_at and record.updated_by == row.updated_by
    assert "FR" in record.countries and len(record.countries) == 27
    assert record.large_transaction_thresholds == {"EUR": 1_000_000}
    assert all(isinstance(v, int) for v in record.large_transaction_thresholds.values())
    assert [t["tier"] for t in record.tiers] == [1, 2, 3]
    assert set(record.aml_rules) >= {"LARGE_TRANSACTION", "VELOCITY"}
    assert PolicyRecord.audit_type == "CompliancePolicy" and record.audited is False


async def test_the_record_is_a_copy_not_the_rows_own_lists(database_url):
    row = await CompliancePolicy.get(jurisdiction="CN")
    record = PolicyRecord.from_row(row)
    record.countries.append("XX")
    record.tiers.clear()
    assert row.countries == ["CN"] and len(row.tiers) == 3
