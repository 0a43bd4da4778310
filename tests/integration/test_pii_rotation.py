"""Data-key rotation on the real database: every value stays readable, old keys retire, the CLI does the same."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tortoise.transactions import in_transaction

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import AuditEvent, DataKey, KycSubmission
from models.enums import CustomerKind
from services.customers import create_customer
from services.partners.onboarding import create_partner
from services.pii import PII_COLUMNS, decrypt_value, encrypt_value, pii_context, rotate_data_keys
from services.pii import PiiError
from services.pii.data_keys import active_key_ids, create_data_key, forget_cached_keys
from services.pii.master_key import forget_master_key
from tests.factories import next_id

QIANBAO = Path(sys.executable).parent / "qianbao"
TABLE = "kyc_submission"
COLUMNS = PII_COLUMNS[0].columns


async def _stored_submissions(count: int) -> dict[uuid.UUID, dict[str, str | None]]:
    """`count` submission rows of a new partner, written as the KYC service writes them; their plaintexts by row."""
    created = await create_partner(name=next_id("pii-rotation"))
    principal = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                          scopes=frozenset(PARTNER_SCOPES))
    rows: dict[uuid.UUID, dict[str, str | None]] = {}
    for n in range(count):
        business = n % 2 == 1
        customer = await create_customer(principal=principal, external_ref=next_id("pii-rot"),
                                         kind="BUSINESS" if business else "INDIVIDUAL", display_name="R", country="CN")
        plain = {
            "legal_name_enc": f"Rotation Person {next_id('n')}",
            "date_of_birth_enc": None if business else "1970-01-0" + str(n % 9 + 1),
            "id_number_enc": f"ROT{next_id('id')}",
            "address_enc": f"{n} Rotation Road",
            "business_enc": '{"companyName":"Rot Ltd"}' if business else None,
        }
        submission_id = uuid.uuid4()
        async with in_transaction():
            encrypted = {c: None if v is None else await encrypt_value(v, context=pii_context(TABLE, c, submission_id))
                         for c, v in plain.items()}
            await KycSubmission.create(
                id=submission_id, partner_id=created.partner.id, customer_id=customer.id, status="APPROVED",
                subject_kind=CustomerKind.BUSINESS if business else CustomerKind.INDIVIDUAL, nationality="CN",
                id_type="PASSPORT", documents=[], **encrypted,
            )
        rows[submission_id] = plain
    return rows


async def _assert_readable_under(kid: str, rows: dict[uuid.UUID, dict[str, str | None]]) -> None:
    for row_id, plain in rows.items():
        stored = await KycSubmission.get(id=row_id)
        for column in COLUMNS:
            token = getattr(stored, column)
            if plain[column] is None:
                assert token is None
                continue
            assert token.startswith(f"pii1.{kid}."), (column, token[:30])
            assert await decrypt_value(token, context=pii_context(TABLE, column, row_id)) == plain[column]


async def _no_value_under(kids: list[str]) -> None:
    for kid in kids:
        for column in COLUMNS:
            assert not await KycSubmission.filter(**{f"{column}__startswith": f"pii1.{kid}."}).exists(), (kid, column)


async def test_rotation_re_encrypts_every_value_under_a_new_key_and_retires_the_old(database_url):
    rows = await _stored_submissions(5)
    old = await active_key_ids()
    assert old, "the submissions made a first data key"
    report = await rotate_data_keys(batch_size=2)
    assert report.ok, report
    assert report.key_id not in old and set(old) <= set(report.retired)
    assert report.reencrypted >= sum(1 for plain in rows.values() for v in plain.values() if v is not None)
    assert await active_key_ids() == [report.key_id]
    for kid in old:
        retired = await DataKey.get(id=kid)
        assert retired.status == "RETIRED" and retired.retired_at is not None
    await _no_value_under(old)
    forget_cached_keys()  # the new key unwraps from its stored, master-wrapped form
    await _assert_readable_under(report.key_id, rows)
    again = await rotate_data_keys()  # nothing left under the retired keys: a second rotation is routine
    assert again.ok and again.retired == [report.key_id]
    await _assert_readable_under(again.key_id, rows)


async def test_an_interrupted_rotation_is_finished_with_resume(database_url):
    rows = await _stored_submissions(4)
    old = await active_key_ids()
    # Where a rotation stops after its first batch: a new key, one row moved to it, the rest not.
    new = await create_data_key()
    first_id = next(iter(rows))
    async with in_transaction():
        stored = await KycSubmission.get(id=first_id)
        changes = {}
        for column in COLUMNS:
            if getattr(stored, column) is not None:
                context = pii_context(TABLE, column, first_id)
                changes[column] = await encrypt_value(await decrypt_value(getattr(stored, column), context=context), context=context)
        await KycSubmission.filter(id=first_id).update(**changes)
    assert set(await active_key_ids()) == {new, *old}
    for row_id in list(rows)[1:]:  # still readable in the middle of it
        stored = await KycSubmission.get(id=row_id)
        assert await decrypt_value(stored.legal_name_enc, context=pii_context(TABLE, "legal_name_enc", row_id)) == rows[row_id]["legal_name_enc"]
    report = await rotate_data_keys(resume=True, batch_size=3)
    assert report.ok and report.key_id == new
    assert set(report.retired) == set(old)
    await _no_value_under(old)
    await _assert_readable_under(new, rows)


async def test_a_rotation_with_the_wrong_master_key_changes_nothing(database_url, monkeypatch):
    rows = await _stored_submissions(1)
    keys_before = await DataKey.all().order_by("id").values_list("id", "status")
    monkeypatch.setenv("QIANBAO_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    forget_master_key()
    forget_cached_keys()
    try:
        with pytest.raises(PiiError) as refused:
            await rotate_data_keys()
        assert "master key" in str(refused.value)
        assert await DataKey.all().order_by("id").values_list("id", "status") == keys_before
    finally:
        monkeypatch.undo()
        forget_master_key()
        forget_cached_keys()
    await _assert_readable_under((await active_key_ids())[0], rows)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    # The same master key as this process, or the subprocess could not unwrap the stored data keys.
    env.update(QIANBAO_MASTER_KEY=os.environ["QIANBAO_MASTER_KEY"], QIANBAO_ENV="development")
    return subprocess.run([str(QIANBAO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


async def test_the_cli_rotates_the_data_keys_and_audits_the_run(database_url, tmp_path):
    rows = await _stored_submissions(3)
    old = await active_key_ids()
    result = _cli("keys", "rotate-data", "--batch-size", "2", "--database-url", database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    match = re.search(r"new data key (dk_[0-9a-f]{16})", result.stdout)
    assert match, result.stdout
    kid = match.group(1)
    assert re.search(r"re-encrypted \d+ values in \d+ rows", result.stdout)
    assert f"retired {len(old)} old keys" in result.stdout
    assert not (tmp_path / "qianbao-master.key").exists(), "the environment key was used, no key file made"
    assert await active_key_ids() == [kid]
    await _no_value_under(old)
    await _assert_readable_under(kid, rows)
    audit = await AuditEvent.filter(operation="keysRotateData").order_by("-id").first()
    assert audit is not None and audit.actor_kind == "cli" and audit.outcome == "OK" and audit.object_id == kid
    assert "Rotation Person" not in (audit.detail or "")
