"""services.pii.rotation, called directly: references per key, the report, and re-encryption batch by batch.

tests/integration/test_pii_rotation.py covers the whole rotation (resume,
wrong master key, the CLI) through the services.pii package.
"""

from __future__ import annotations

import uuid

import pytest
from tortoise.transactions import in_transaction

from models import KycSubmission
from models.enums import CustomerKind
from services.customers import create_customer
from services.pii.data_keys import active_key_ids
from services.pii.envelope import decrypt_value, encrypt_value
from services.pii.registry import PII_COLUMNS, pii_context
from services.pii.rotation import RotationReport, count_references, rotate_data_keys
from tests.integration.service_support import new_partner

TABLE = PII_COLUMNS[0].table


async def stored_submission(principal, legal_name: str) -> uuid.UUID:
    """One KYC submission row with three encrypted values under the current data key (no business data)."""
    customer = await create_customer(principal=principal, external_ref=legal_name, kind="INDIVIDUAL",
                                     display_name="Rotation", country="CN")
    row_id = uuid.uuid4()
    async with in_transaction():
        await KycSubmission.create(
            id=row_id, partner_id=principal.partner_id, customer_id=customer.id, status="APPROVED",
            subject_kind=CustomerKind.INDIVIDUAL, nationality="CN", id_type="PASSPORT", documents=[],
            legal_name_enc=await encrypt_value(legal_name, context=pii_context(TABLE, "legal_name_enc", row_id)),
            id_number_enc=await encrypt_value(f"ID-{legal_name}", context=pii_context(TABLE, "id_number_enc", row_id)),
            address_enc=await encrypt_value("1 Rotation Road", context=pii_context(TABLE, "address_enc", row_id)),
        )
    return row_id


def test_a_report_is_ok_only_with_no_old_key_left_and_nothing_unreadable():
    assert RotationReport(key_id="k").ok
    assert not RotationReport(key_id="k", still_active=["old"]).ok
    assert not RotationReport(key_id="k", unreadable={"kyc_submission.address_enc:1"}).ok


async def test_a_batch_size_below_one_is_refused_before_anything_changes(database_url):
    keys = await active_key_ids()
    with pytest.raises(ValueError, match="batch_size"):
        await rotate_data_keys(batch_size=0)
    assert await active_key_ids() == keys


async def test_rotation_in_batches_of_one_moves_every_reference_to_the_new_key(database_url):
    partner = await new_partner("rotation")
    rows = {await stored_submission(partner, f"Rotation Person {n}"): f"Rotation Person {n}" for n in range(3)}
    old = (await active_key_ids())[0]
    assert (await KycSubmission.get(id=next(iter(rows)))).legal_name_enc.startswith(f"pii1.{old}.")
    assert await count_references(old) >= 3
    total = await count_references(old)

    report = await rotate_data_keys(batch_size=1)

    assert report.ok and report.key_id != old and old in report.retired
    assert report.rows >= 3 and report.reencrypted >= 9
    assert await count_references(old) == 0
    assert await count_references(report.key_id) >= total
    assert await active_key_ids() == [report.key_id]
    for row_id, name in rows.items():
        stored = await KycSubmission.get(id=row_id)
        assert stored.legal_name_enc.startswith(f"pii1.{report.key_id}.")
        assert await decrypt_value(stored.legal_name_enc, context=pii_context(TABLE, "legal_name_enc", row_id)) == name
        assert stored.business_enc is None and stored.date_of_birth_enc is None  # absent values stay absent


async def test_resuming_with_nothing_left_to_do_keeps_the_newest_key(database_url):
    await stored_submission(await new_partner("rotation"), "Rotation Resume")
    newest = (await rotate_data_keys()).key_id  # everything under one key
    report = await rotate_data_keys(resume=True)
    assert (report.key_id, report.reencrypted, report.rows, report.retired) == (newest, 0, 0, [])
    assert report.ok
