"""Signed checkpoints of the audit chain (issue 19 item 8): truncating the chain and moving its head back is
detected, a checkpoint cannot be altered or removed unnoticed, and serve's schedule takes them once per interval.

The CLI runs as a subprocess against a separate database seeded by `qianbao demo`, as in test_audit_chain.py;
its master key is the development key file in that working directory.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import pytest_asyncio

from services.audit_checkpoint import sign, signature_valid, take_checkpoint
from services.pii.master_key import load_master_key
from services import clock
from models import AuditCheckpoint
from tests.integration.separate_database import migrated_database
from tests.factories import next_id
from tests.integration.test_audit_chain import COLUMNS, assert_broken, chained, qianbao, sql, verify


TABLES = {
    "audit_event": COLUMNS,
    "audit_chain_head": ["id", "chain_seq", "hash", "updated_at"],
    "audit_checkpoint": ["number", "chain_seq", "hash", "created_at", "master_key_id", "signature"],
}


@pytest_asyncio.fixture(scope="module")
async def seeded_db(tmp_path_factory):
    """A separate database seeded through the CLI with two signed checkpoints: (url, workdir)."""
    workdir = tmp_path_factory.mktemp("audit-checkpoints")
    async with migrated_database(workdir) as url:
        for role in ("admin", "compliance", "support", "analyst", "treasury", "admin"):
            result = qianbao("staff", "create", "--email", f"{next_id(role)}@bank.example", "--role", role,
                             "--password-stdin", "--database-url", url, cwd=workdir, stdin="a long enough password\n")
            assert result.returncode == 0, result.stderr
            if role == "analyst":  # four audited actions, then the first checkpoint; two more, then the second
                first = qianbao("audit", "checkpoint", "--database-url", url, cwd=workdir)
                assert first.returncode == 0, first.stdout + first.stderr
        second = qianbao("audit", "checkpoint", "--database-url", url, cwd=workdir)
        assert second.returncode == 0, second.stderr
        assert re.match(r"audit checkpoint 2: chain position 6 hash [0-9a-f]{64}, signed under master key mk1", second.stdout), second.stdout
        yield url, workdir


@pytest_asyncio.fixture
async def checkpointed_db(seeded_db):
    """The seeded database, put back as it was after each test (the tests delete and rewrite rows)."""
    url, workdir = seeded_db
    saved = {table: await sql(url, f"SELECT {', '.join(columns)} FROM {table}") for table, columns in TABLES.items()}
    yield url, workdir
    for table, columns in TABLES.items():
        await sql(url, f"DELETE FROM {table}")
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        for row in saved[table]:
            await sql(url, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", *row)


async def test_an_intact_chain_passes_with_its_checkpoints(checkpointed_db):
    url, workdir = checkpointed_db
    result = verify(url, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit chain OK" in result.stdout
    assert re.search(r"newest audit checkpoint 2: chain position \d+, signed ", result.stdout), result.stdout


async def test_deleting_the_newest_rows_and_moving_the_head_back_is_caught_by_a_checkpoint(checkpointed_db):
    # What the head alone cannot catch: whoever can write the database deletes the last rows and sets the head to
    # the new end. The signed checkpoint still says how far the chain reached.
    url, workdir = checkpointed_db
    rows = await chained(url)
    kept = rows[:-2]
    await sql(url, "DELETE FROM audit_event WHERE chain_seq > $1", kept[-1]["chain_seq"])
    await sql(url, "UPDATE audit_chain_head SET chain_seq = $1, hash = $2 WHERE id = 1", kept[-1]["chain_seq"], kept[-1]["hash"])
    assert_broken(verify(url, workdir),
                  f"audit checkpoint 2 signed chain position {len(rows)} but the chain ends at {len(kept)}")


async def test_rewriting_a_checkpoint_to_match_a_shorter_chain_breaks_its_signature(checkpointed_db):
    url, workdir = checkpointed_db
    rows = await chained(url)
    kept = rows[:-2]
    await sql(url, "DELETE FROM audit_event WHERE chain_seq > $1", kept[-1]["chain_seq"])
    await sql(url, "UPDATE audit_chain_head SET chain_seq = $1, hash = $2 WHERE id = 1", kept[-1]["chain_seq"], kept[-1]["hash"])
    await sql(url, "UPDATE audit_checkpoint SET chain_seq = $1, hash = $2 WHERE number = 2", kept[-1]["chain_seq"], kept[-1]["hash"])
    assert_broken(verify(url, workdir), "audit checkpoint 2 does not match its signature: forged or altered")


async def test_deleting_a_checkpoint_from_the_middle_is_a_gap(checkpointed_db):
    url, workdir = checkpointed_db
    third = qianbao("audit", "checkpoint", "--database-url", url, cwd=workdir)
    assert third.returncode == 0, third.stderr
    await sql(url, "DELETE FROM audit_checkpoint WHERE number = 2")
    assert_broken(verify(url, workdir), "audit checkpoint 2 is missing (found 3 next): checkpoints were deleted")


async def test_deleting_the_newest_checkpoints_too_is_caught_by_their_age(checkpointed_db):
    # The rows and every checkpoint covering them gone: what is left is consistent, but the newest checkpoint is
    # older than serve's schedule allows.
    url, workdir = checkpointed_db
    fresh = qianbao("audit", "verify", "--no-chain", "--max-checkpoint-age", "600", "--database-url", url, cwd=workdir)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    await sql(url, "DELETE FROM audit_checkpoint")
    stale = qianbao("audit", "verify", "--no-chain", "--max-checkpoint-age", "600", "--database-url", url, cwd=workdir)
    assert_broken(stale, "no audit checkpoint in the last 600 s (there is none)")
    refused = qianbao("audit", "verify", "--max-checkpoint-age", "0", "--database-url", url, cwd=workdir)
    assert refused.returncode != 0 and "at least 1" in refused.stdout + refused.stderr


async def test_a_checkpoint_under_another_master_key_is_reported_not_trusted(checkpointed_db):
    url, workdir = checkpointed_db
    await sql(url, "UPDATE audit_checkpoint SET master_key_id = 'mk0' WHERE number = 1")
    result = verify(url, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "note: audit checkpoint 1 is signed under master key 'mk0', not the loaded 'mk1': not checked" in result.stdout


async def test_the_signature_covers_every_field(database_url):
    master = load_master_key()
    at = clock.now()
    row = AuditCheckpoint(number=7, chain_seq=41, hash="a" * 64, created_at=at, master_key_id=master.key_id,
                          signature=sign(master, 7, 41, "a" * 64, at))
    assert signature_valid(master, row)
    for field, value in (("number", 8), ("chain_seq", 40), ("hash", "b" * 64), ("created_at", at + timedelta(microseconds=1)),
                         ("master_key_id", "mk2"), ("signature", row.signature[:-2] + "AA"), ("signature", "not base64!")):
        altered = AuditCheckpoint(**{**{f: getattr(row, f) for f in ("number", "chain_seq", "hash", "created_at",
                                                                      "master_key_id", "signature")}, field: value})
        assert not signature_valid(master, altered), field


async def test_the_schedule_takes_one_checkpoint_per_interval(database_url):
    first = await take_checkpoint(min_interval=timedelta(minutes=5))
    newest = await AuditCheckpoint.all().order_by("-number").first()
    if first is None:
        # Another test of this session took one within the interval: the schedule must then wait for it.
        assert newest is not None and clock.now() - newest.created_at < timedelta(minutes=5)
    else:
        assert first.number == newest.number
    assert await take_checkpoint(min_interval=timedelta(minutes=5)) is None
    later = await take_checkpoint(at=clock.now() + timedelta(minutes=6), min_interval=timedelta(minutes=5))
    assert later is not None and later.number == newest.number + 1


def test_the_checkpoint_interval_is_bounded(monkeypatch):
    from api.settings import load_settings

    monkeypatch.setenv("QIANBAO_AUDIT_CHECKPOINT_S", "60")
    assert load_settings().audit_checkpoint_interval_s == 60
    for bad in ("0", "9", "86401"):
        monkeypatch.setenv("QIANBAO_AUDIT_CHECKPOINT_S", bad)
        with pytest.raises(SystemExit, match="QIANBAO_AUDIT_CHECKPOINT_S"):
            load_settings()
