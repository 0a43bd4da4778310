"""Master key rotation (issue 19 item 7): under traffic, every data key moves to the new master key, every stored
value stays readable with the old key gone, bank accounts are still found linked twice, and the audit checkpoints
still verify; misconfigured key pairs are refused before anything moves."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from models import AuditCheckpoint, AuditEvent, BankAccount, Customer, DataKey, KycSubmission
from services.audit_checkpoint import check_checkpoints, take_checkpoint
from services.errors import AlreadyLinked
from services.funding.bank_linking import link_bank_account
from services.master_key_rotation import rotate_master_key
from services.customer_pii import open_contact
from services.pii import MasterKeyUnavailable, decrypt_value, pii_context
from services.pii.data_keys import forget_cached_keys
from services.pii.master_key import forget_master_key, load_master_key, master_key_problem
from tests.integration.service_support import holder, new_partner
from tests.integration.test_pii_rotation import COLUMNS, TABLE, _stored_submissions

IBAN = "DE89370400440532013000"
NEW = base64.b64encode(os.urandom(32)).decode()
NEW_ID = "mk-rotated"
QIANBAO = Path(sys.executable).parent / "qianbao"


def _use(monkeypatch: pytest.MonkeyPatch, current: str, current_id: str, previous: str | None = None,
         previous_id: str | None = None) -> None:
    """Configure the process's master keys as a restarted process would see them."""
    monkeypatch.setenv("QIANBAO_MASTER_KEY", current)
    monkeypatch.setenv("QIANBAO_MASTER_KEY_ID", current_id)
    for name, value in (("QIANBAO_MASTER_KEY_PREVIOUS", previous), ("QIANBAO_MASTER_KEY_PREVIOUS_ID", previous_id)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    forget_master_key()
    forget_cached_keys()


async def _link(partner, owner):  # noqa: ANN001
    customer = await Customer.get(id=owner.customer_id)
    return await link_bank_account(principal=partner, customer_id=owner.customer_id, country="DE", bank_code=None,
                                   account_number=None, iban=IBAN, holder_name=(await open_contact(customer)).display_name)


async def test_a_rotation_under_traffic_moves_everything_and_the_old_key_can_go(database_url, monkeypatch):
    old, old_id = os.environ["QIANBAO_MASTER_KEY"], load_master_key().key_id
    partner = await new_partner("master-rot")
    owners = [await holder(partner) for _ in range(4)]
    before_rows = await _stored_submissions(2)
    linked_before = await _link(partner, owners[0])
    checkpoint = await take_checkpoint()
    assert checkpoint is not None and checkpoint.master_key_id == old_id
    try:
        # Step 1: processes restart with the new key current and the old one previous.
        _use(monkeypatch, NEW, NEW_ID, old, old_id)
        assert master_key_problem() is None

        async def traffic() -> list:
            linked = [await _link(partner, owner) for owner in owners[1:]]
            return linked + [await _stored_submissions(2)]

        # Step 2, with traffic: new links and new PII beside the re-wrapping.
        report, (*linked_during, during_rows) = await asyncio.gather(rotate_master_key(), traffic())
        assert (report.previous_key_id, report.current_key_id) == (old_id, NEW_ID)
        assert report.data_keys >= 1 and report.fingerprints >= 1 and report.checkpoints >= 1
        assert report.done and report.left_under_previous == 0

        # Step 3: the old key is gone from every process.
        _use(monkeypatch, NEW, NEW_ID)
        assert set(await DataKey.all().values_list("master_key_id", flat=True)) == {NEW_ID}
        for rows in (before_rows, during_rows):
            for row_id, plain in rows.items():
                stored = await KycSubmission.get(id=row_id)
                for column in COLUMNS:
                    if plain[column] is not None:
                        token = getattr(stored, column)
                        assert await decrypt_value(token, context=pii_context(TABLE, column, row_id)) == plain[column]
        for account in (linked_before, *linked_during):
            row = await BankAccount.get(id=account.id)
            assert await decrypt_value(row.number_enc, context=pii_context("bank_account", "number_enc", row.id)) == IBAN
        with pytest.raises(AlreadyLinked):  # the fingerprint was recomputed under the new key
            await _link(partner, owners[0])
        check = await check_checkpoints()
        assert check.problems == [] and check.skipped == []
        assert (await AuditCheckpoint.get(number=checkpoint.number)).master_key_id == NEW_ID
    finally:
        # Back to the session's key for every other test: the same rotation the other way.
        _use(monkeypatch, old, old_id, NEW, NEW_ID)
        back = await rotate_master_key()
        monkeypatch.undo()
        forget_master_key()
        forget_cached_keys()
    assert back.done and set(await DataKey.all().values_list("master_key_id", flat=True)) == {old_id}
    with pytest.raises(AlreadyLinked):
        await _link(partner, owners[1])


async def test_misconfigured_key_pairs_are_refused_before_anything_moves(database_url, monkeypatch):
    old, old_id = os.environ["QIANBAO_MASTER_KEY"], load_master_key().key_id
    keys_before = await DataKey.all().order_by("id").values_list("id", "master_key_id", "wrapped_key")
    try:
        _use(monkeypatch, old, old_id)
        with pytest.raises(MasterKeyUnavailable, match="no previous master key"):
            await rotate_master_key()
        _use(monkeypatch, NEW, NEW_ID, old, None)
        assert "go together" in (master_key_problem() or "")
        _use(monkeypatch, NEW, old_id, old, old_id)
        assert "names the current master key" in (master_key_problem() or "")
        _use(monkeypatch, NEW, NEW_ID, "not base64!", old_id)
        assert "QIANBAO_MASTER_KEY_PREVIOUS is not valid base64" in (master_key_problem() or "")
        # A wrong previous key: the first data key does not open, nothing is re-wrapped.
        _use(monkeypatch, NEW, NEW_ID, base64.b64encode(os.urandom(32)).decode(), old_id)
        with pytest.raises(Exception, match="does not unwrap"):
            await rotate_master_key()
    finally:
        monkeypatch.undo()
        forget_master_key()
        forget_cached_keys()
    assert await DataKey.all().order_by("id").values_list("id", "master_key_id", "wrapped_key") == keys_before


def _cli(*args: str, cwd, **keys: str):  # noqa: ANN001, ANN201
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ENV="development", QIANBAO_ARGON2_PROFILE="cheapest", **keys)
    return subprocess.run([str(QIANBAO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


async def test_the_cli_rotates_there_and_back_and_audits_each_run(database_url, tmp_path):
    old, old_id = os.environ["QIANBAO_MASTER_KEY"], load_master_key().key_id
    alone = _cli("keys", "rotate-master", "--database-url", database_url, cwd=tmp_path,
                 QIANBAO_MASTER_KEY=old, QIANBAO_MASTER_KEY_ID=old_id)
    assert alone.returncode != 0 and "no previous master key" in alone.stderr and "Traceback" not in alone.stderr
    there = _cli("keys", "rotate-master", "--database-url", database_url, cwd=tmp_path, QIANBAO_MASTER_KEY=NEW,
                 QIANBAO_MASTER_KEY_ID=NEW_ID, QIANBAO_MASTER_KEY_PREVIOUS=old, QIANBAO_MASTER_KEY_PREVIOUS_ID=old_id)
    back = _cli("keys", "rotate-master", "--database-url", database_url, cwd=tmp_path, QIANBAO_MASTER_KEY=old,
                QIANBAO_MASTER_KEY_ID=old_id, QIANBAO_MASTER_KEY_PREVIOUS=NEW, QIANBAO_MASTER_KEY_PREVIOUS_ID=NEW_ID)
    forget_cached_keys()
    assert there.returncode == 0, there.stdout + there.stderr
    assert re.match(rf"master key {old_id} -> {NEW_ID}: re-wrapped [1-9]\d* data keys", there.stdout), there.stdout
    assert f"nothing is left under {old_id}" in there.stdout
    assert back.returncode == 0, back.stdout + back.stderr
    assert set(await DataKey.all().values_list("master_key_id", flat=True)) == {old_id}
    runs = await AuditEvent.filter(operation="keysRotateMaster", outcome="OK").order_by("-id").limit(2)
    assert [run.detail.split()[0] for run in runs] == [f"from={NEW_ID}", f"from={old_id}"]
