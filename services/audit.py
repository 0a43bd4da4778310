"""The hash-chained audit log: append (unchained, never waiting), chain, verify.

Appending writes one row and takes no lock, so busy mutations never queue
behind each other on the log. `chain_pending` then gives pending rows their
place in the one linear chain, in id order, under a lock (an advisory lock on
PostgreSQL; SQLite serialises writers anyway). `verify_chain` recomputes every
hash: an edited, deleted or reordered row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from tortoise.transactions import in_transaction

from models import AuditChainHead, AuditEvent
from services.db.sql import execute, fetch, is_postgres

GENESIS_HASH = "0" * 64


class Checkpoint(Protocol):
    """What verify_chain reads of a signed checkpoint (models.AuditCheckpoint, its MAC already checked)."""

    number: int
    chain_seq: int
    hash: str


CHAIN_LOCK_KEY = 0x5142_4155_4449_54  # "QBAUDIT": the advisory lock of the chainer (and of checkpoints)
_CHAIN_BATCH = 500


@dataclass(frozen=True)
class Actor:
    kind: str  # partner, customer, staff, cli, anonymous
    id: str
    partner_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AuditNote:
    """Who acts, doing what, in which request: lets a service write its audit row inside its own transaction."""

    actor: Actor
    operation: str
    request_id: str | None = None


async def record_event(**fields: Any) -> AuditEvent:
    """Append one audit row (unchained until the chainer places it); the fields are audit_row's."""
    return await AuditEvent.create(**audit_row(**fields))


def audit_row(
    *,
    actor: Actor,
    operation: str,
    outcome: str,
    object_type: str | None = None,
    object_id: str | None = None,
    request_id: str | None = None,
    detail: str | None = None,
    partner_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The columns of one new audit row, cut to their lengths (record_event writes it; a posting on SQLite writes
    it among its own statements)."""
    return dict(
        occurred_at=datetime.now(timezone.utc),
        actor_kind=actor.kind,
        actor_id=actor.id[:128],
        partner_id=partner_id or actor.partner_id,
        operation=operation[:64],
        object_type=object_type,
        object_id=(object_id or None) and object_id[:64],
        request_id=request_id,
        outcome=outcome[:48],
        # PostgreSQL text cannot hold NUL; a caller's raw input (a refused reason, say) may.
        detail=detail.replace("\x00", "\\u0000")[:2000] if detail else None,
    )


def _canonical(row: Any) -> str:
    """The row's content as hashed (an AuditEvent, or a _PendingRow with the same fields)."""
    occurred = row.occurred_at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return json.dumps(
        [row.id, occurred, row.actor_kind, row.actor_id, str(row.partner_id) if row.partner_id else None,
         row.operation, row.object_type, row.object_id, row.request_id, row.outcome, row.detail, row.chain_seq],
        separators=(",", ":"),
    )


def event_hash(prev_hash: str, row: Any) -> str:
    """The chain hash of a row: sha256 of the previous hash and the row's canonical content."""
    return hashlib.sha256((prev_hash + "|" + _canonical(row)).encode()).hexdigest()


async def chain_pending(*, batch: int = _CHAIN_BATCH) -> int:
    """Append pending audit rows to the chain in id order; return how many were chained."""
    chained = 0
    while True:
        async with in_transaction() as conn:
            if is_postgres(conn):
                # One chainer at a time across every worker process.
                await execute(conn, "SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK_KEY])
            last = await AuditEvent.filter(chain_seq__not_isnull=True).order_by("-chain_seq").first()
            prev_hash, seq = (last.hash, last.chain_seq) if last else (GENESIS_HASH, 0)
            pending = await _pending_rows(conn, batch)
            for row in pending:
                seq += 1
                row.chain_seq = seq
                row.prev_hash = prev_hash
                row.hash = event_hash(prev_hash, row)
                prev_hash = row.hash
            if pending:
                await _store_links(conn, pending)
                # The head moves with the rows, so the newest rows cannot vanish unnoticed.
                updated = await AuditChainHead.filter(id=1).update(chain_seq=seq, hash=prev_hash)
                if not updated:
                    await AuditChainHead.create(id=1, chain_seq=seq, hash=prev_hash)
        chained += len(pending)
        if len(pending) < batch:
            return chained


@dataclass(slots=True)
class _PendingRow:
    """An unchained audit row as read on PostgreSQL: the fields _canonical reads, and the links the chainer sets."""

    id: int
    occurred_at: datetime
    actor_kind: str
    actor_id: str
    partner_id: uuid.UUID | None
    operation: str
    object_type: str | None
    object_id: str | None
    request_id: str | None
    outcome: str
    detail: str | None
    chain_seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


async def _pending_rows(conn: Any, batch: int) -> list[Any]:
    """The next `batch` unchained rows in id order: plain rows on PostgreSQL (no model instances to build on the
    chaining worker's event loop), ORM rows on SQLite (bulk_update writes them back)."""
    if not is_postgres(conn):
        return await AuditEvent.filter(chain_seq=None).order_by("id").limit(batch)
    rows = await fetch(conn, "SELECT id, occurred_at, actor_kind, actor_id, partner_id, operation, object_type,"
                             " object_id, request_id, outcome, detail FROM audit_event WHERE chain_seq IS NULL"
                             " ORDER BY id LIMIT $1", [batch])
    return [_PendingRow(**row) for row in rows]


async def _store_links(conn: Any, rows: list[Any]) -> None:
    """Write the rows' chain_seq, prev_hash and hash: on PostgreSQL one UPDATE from arrays.

    Why not bulk_update there: Tortoise builds its CASE statement in Python, about 60 ms for 500 rows, all of it on
    the event loop of the worker that chains, so every request that worker was serving waited (py-spy: 70 % of the
    chainer's samples, every 2 s). The arrays cost the loop next to nothing.
    """
    if not is_postgres(conn):
        await AuditEvent.bulk_update(rows, fields=["chain_seq", "prev_hash", "hash"])
        return
    await execute(
        conn,
        "UPDATE audit_event a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash"
        " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash) WHERE a.id = v.id",
        [[r.id for r in rows], [r.chain_seq for r in rows], [r.prev_hash for r in rows], [r.hash for r in rows]],
    )


@dataclass
class ChainReport:
    checked: int
    pending: int
    first_broken: str | None
    head_seq: int = 0
    head_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.first_broken is None


async def verify_chain(*, expect: tuple[int, str] | None = None,
                       checkpoints: Mapping[int, Sequence[Checkpoint]] | None = None) -> ChainReport:
    """Recompute the chain from the genesis hash; name the first row that breaks it.

    The chain must also end where the stored head says, and, when `expect`
    (a position and hash recorded outside the database) is given, pass through it;
    likewise through every signed checkpoint given (services.audit_checkpoint), by position.
    """
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    seen_expected = expect is None
    checkpoints = checkpoints or {}
    async for row in _chained_rows():
        if row.chain_seq != expected_seq:
            return ChainReport(checked, await _pending(), f"chain position {expected_seq} is missing (found {row.chain_seq} at row {row.id}): a row was deleted or renumbered")
        if row.prev_hash != prev_hash or row.hash != event_hash(prev_hash, row):
            return ChainReport(checked, await _pending(), f"row {row.id} (chain position {row.chain_seq}) does not match its hash: edited or reordered")
        if expect is not None and row.chain_seq == expect[0]:
            if row.hash != expect[1]:
                return ChainReport(checked, await _pending(), f"chain position {expect[0]} has hash {row.hash}, not the recorded {expect[1]}: rewritten")
            seen_expected = True
        for point in checkpoints.get(row.chain_seq, ()):
            if point.hash != row.hash:
                return ChainReport(checked, await _pending(), f"audit checkpoint {point.number} signed position {row.chain_seq} with hash {point.hash}, the chain has {row.hash}: rewritten")
        prev_hash, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    head = await AuditChainHead.get_or_none(id=1)
    head_seq, head_hash = (head.chain_seq, head.hash) if head else (0, GENESIS_HASH)
    problem = None
    if head_seq != checked or head_hash != prev_hash:
        problem = (
            f"the chain ends at position {checked} but its head says {head_seq}: "
            "the newest rows were deleted, or the head was altered"
        )
    elif not seen_expected:
        problem = f"chain position {expect[0]} recorded outside the database is missing: rows were deleted"  # type: ignore[index]
    else:
        # A signed checkpoint past the end: rows it covered were deleted, and the head moved back with them.
        beyond = sorted((point for seq, points in checkpoints.items() if seq > checked for point in points),
                        key=lambda point: point.number)
        if beyond:
            problem = (f"audit checkpoint {beyond[0].number} signed chain position {beyond[0].chain_seq} but the chain"
                       f" ends at {checked}: the newest rows were deleted and the head moved back")
    return ChainReport(checked, await _pending(), problem, head_seq=head_seq, head_hash=head_hash)


async def _chained_rows():
    after = 0
    while True:
        rows = await AuditEvent.filter(chain_seq__gt=after).order_by("chain_seq").limit(1000)
        for row in rows:
            yield row
        if len(rows) < 1000:
            return
        after = rows[-1].chain_seq


async def _pending() -> int:
    return await AuditEvent.filter(chain_seq=None).count()
