"""Signed checkpoints of the audit chain's head: deleting chained rows is detected even with the head moved back.

The chain (services.audit) proves that no chained row was edited, reordered or
taken out of the middle, and the head row (audit_chain_head) that none was taken
off the end, but whoever can write the database can delete the newest rows and
move the head back with them. A checkpoint records the head at a moment with a
MAC under the master key (AES-GCM with a random nonce and no plaintext: GMAC),
which lives outside the database, so it cannot be forged there; its number is
signed too, so taking one out of the middle shows as a gap. `qianbao audit
verify` checks every checkpoint against the chain. What a checkpoint cannot
prove is the rows after the newest one: `qianbao serve` takes one every
QIANBAO_AUDIT_CHECKPOINT_S (default 300 s) and logs it (a copy outside the
database), and `audit verify --max-checkpoint-age` refuses a newest checkpoint
older than the schedule allows, which is what deleting the newest checkpoints
with the rows leaves behind.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidTag
from tortoise.transactions import in_transaction

from models import AuditChainHead, AuditCheckpoint
from services import clock
from services.audit import CHAIN_LOCK_KEY, GENESIS_HASH, ChainReport, verify_chain
from services.db.sql import execute, is_postgres
from services.pii.master_key import MasterKey, load_master_key, load_previous_master_key

DEFAULT_INTERVAL_S = 300
_DOMAIN = "qianbao-audit-checkpoint/v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NONCE_BYTES = 12

log = logging.getLogger("qianbao.audit")


@dataclass(frozen=True)
class CheckpointCheck:
    """What the checkpoints say about the chain: usable ones by position, and the problems found."""

    by_position: dict[int, list[AuditCheckpoint]]
    problems: list[str]
    skipped: list[str]
    newest: AuditCheckpoint | None


def _micros(at: datetime) -> int:
    """Microseconds since the epoch, exactly (a timestamp as either backend returns it)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    return (aware - _EPOCH) // timedelta(microseconds=1)


def _signed_text(number: int, chain_seq: int, digest: str, at: datetime, master_key_id: str) -> bytes:
    """The bytes a checkpoint's MAC covers: every field of the row."""
    return f"{_DOMAIN}|{number}|{chain_seq}|{digest}|{_micros(at)}|{master_key_id}".encode()


def sign(master: MasterKey, number: int, chain_seq: int, digest: str, at: datetime) -> str:
    """The MAC of a checkpoint under the master key: base64url(nonce + GCM tag)."""
    nonce = os.urandom(_NONCE_BYTES)  # random per checkpoint: GCM must never see one nonce twice under one key
    tag = master.aead.encrypt(nonce, b"", _signed_text(number, chain_seq, digest, at, master.key_id))
    return base64.urlsafe_b64encode(nonce + tag).decode().rstrip("=")


def signature_valid(master: MasterKey, row: AuditCheckpoint) -> bool:
    """Whether the row's MAC verifies under this master key (False for any altered field)."""
    try:
        blob = base64.urlsafe_b64decode(row.signature + "=" * (-len(row.signature) % 4))
    except (binascii.Error, ValueError):
        return False
    if len(blob) != _NONCE_BYTES + 16:
        return False
    signed = _signed_text(row.number, row.chain_seq, row.hash, row.created_at, row.master_key_id)
    try:
        master.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], signed)
    except InvalidTag:
        return False
    return True


async def take_checkpoint(*, at: datetime | None = None, min_interval: timedelta | None = None) -> AuditCheckpoint | None:
    """Sign the chain's current head as the next checkpoint; None when one newer than min_interval exists."""
    master = load_master_key()
    at = (at or clock.now()).astimezone(timezone.utc)
    async with in_transaction() as conn:
        if is_postgres(conn):
            # The chainer's lock: the head cannot move while it is read and signed, and two serving
            # workers on one schedule take one checkpoint, not two with the same number.
            await execute(conn, "SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK_KEY])
        last = await AuditCheckpoint.all().using_db(conn).order_by("-number").first()
        if last is not None and min_interval is not None and at - last.created_at < min_interval:
            return None
        head = await AuditChainHead.get_or_none(id=1).using_db(conn)
        chain_seq, digest = (head.chain_seq, head.hash) if head is not None else (0, GENESIS_HASH)
        number = (last.number if last is not None else 0) + 1
        row = await AuditCheckpoint.create(
            number=number, chain_seq=chain_seq, hash=digest, created_at=at, master_key_id=master.key_id,
            signature=sign(master, number, chain_seq, digest, at), using_db=conn,
        )
    # A copy outside the database: whoever ships the logs can check the chain against it later.
    log.info("audit checkpoint %d: chain position %d hash %s", number, chain_seq, digest)
    return row


async def check_checkpoints() -> CheckpointCheck:
    """Every checkpoint's MAC and numbering; the usable ones by chain position, for verify_chain to meet."""
    loaded = {master.key_id: master for master in (load_master_key(), load_previous_master_key()) if master is not None}
    rows = await AuditCheckpoint.all().order_by("number")
    problems: list[str] = []
    skipped: list[str] = []
    by_position: dict[int, list[AuditCheckpoint]] = {}
    expected = 1
    for row in rows:
        if row.number != expected:
            problems.append(f"audit checkpoint {expected} is missing (found {row.number} next): checkpoints were deleted")
        expected = row.number + 1
        master = loaded.get(row.master_key_id)
        if master is None:
            # Signed under a master key this process does not hold (retired without `keys rotate-master`): it
            # cannot be checked here, so it proves nothing either way; said, not silently trusted.
            skipped.append(f"audit checkpoint {row.number} is signed under master key {row.master_key_id!r},"
                           f" not the loaded {load_master_key().key_id!r}: not checked")
            continue
        if not signature_valid(master, row):
            problems.append(f"audit checkpoint {row.number} does not match its signature: forged or altered")
            continue
        by_position.setdefault(row.chain_seq, []).append(row)
    return CheckpointCheck(by_position, problems, skipped, rows[-1] if rows else None)


async def resign_checkpoints(previous: MasterKey, current: MasterKey) -> tuple[int, list[int]]:
    """Re-sign the checkpoints signed under `previous` with `current` (master rotation); (how many, numbers refused).

    Only a checkpoint whose MAC verifies under the previous key is re-signed: one that does not is left as it
    is, so that `audit verify` still reports it, rather than laundered by a fresh signature.
    """
    resigned, refused = 0, []
    for row in await AuditCheckpoint.filter(master_key_id=previous.key_id).order_by("number"):
        if not signature_valid(previous, row):
            refused.append(row.number)
            continue
        signature = sign(current, row.number, row.chain_seq, row.hash, row.created_at)
        await AuditCheckpoint.filter(number=row.number, master_key_id=previous.key_id).update(
            master_key_id=current.key_id, signature=signature)
        resigned += 1
    return resigned, refused


def checkpoint_age(check: CheckpointCheck, at: datetime) -> timedelta | None:
    """How old the newest checkpoint is at `at` (None: there is none)."""
    return None if check.newest is None else at - check.newest.created_at


@dataclass(frozen=True)
class AuditVerification:
    """The chain's verification with its checkpoints: report.first_broken names the first problem of either."""

    report: ChainReport
    checkpoints: CheckpointCheck


async def verify_audit(*, expect: tuple[int, str] | None = None) -> AuditVerification:
    """Check every checkpoint's signature and numbering, then the chain against its head, `expect` and them."""
    check = await check_checkpoints()
    report = await verify_chain(expect=expect, checkpoints=check.by_position)
    if report.ok and check.problems:
        report = replace(report, first_broken=check.problems[0])
    return AuditVerification(report, check)
