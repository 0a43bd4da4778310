"""Data-key rotation: a new key, every stored value re-encrypted under it, the old keys retired.

Each batch is its own transaction, so a rotation that stops half-way leaves
every value readable (old values under old keys, which stay ACTIVE) and can be
finished with `rotate_data_keys(resume=True)`, which carries on with the newest
key instead of making another. An old key is retired only once no stored value
names it (see data_keys.retire_if_unused).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from services.pii.data_keys import (
    active_encryption_key,
    active_key_ids,
    check_active_keys,
    create_data_key,
    retire_if_unused,
)
from services.pii.envelope import TOKEN_VERSION, decrypt_value, seal
from services.pii.errors import PiiIntegrityError
from services.pii.registry import PII_COLUMNS, PiiColumns, pii_context

log = logging.getLogger("qianbao.pii")
DEFAULT_BATCH = 200
_MAX_PASSES = 3


@dataclass
class RotationReport:
    key_id: str
    reencrypted: int = 0  # values written under the new key
    rows: int = 0  # rows that held at least one value under an older key
    retired: list[str] = field(default_factory=list)
    still_active: list[str] = field(default_factory=list)  # older keys some value still names
    unreadable: set[str] = field(default_factory=set)  # contexts (table.column:row_id) that failed integrity

    @property
    def ok(self) -> bool:
        return not self.still_active and not self.unreadable


def _prefix(kid: str) -> str:
    return f"{TOKEN_VERSION}.{kid}."


def _not_under(entry: PiiColumns, kid: str) -> Q:
    """Rows with at least one value under another key than `kid`."""
    return Q(*[Q(**{f"{c}__isnull": False}) & ~Q(**{f"{c}__startswith": _prefix(kid)}) for c in entry.columns], join_type="OR")


async def count_references(kid: str) -> int:
    """How many stored rows still hold a value under this data key."""
    total = 0
    for entry in PII_COLUMNS:
        named = Q(*[Q(**{f"{c}__startswith": _prefix(kid)}) for c in entry.columns], join_type="OR")
        total += await entry.model.filter(named).count()
    return total


async def _reencrypt_batch(entry: PiiColumns, kid: str, after: object, batch: int, report: RotationReport) -> object | None:
    """Re-encrypt one batch of rows after the cursor, in one transaction; return the next cursor (None when done)."""
    async with in_transaction():
        aead = await active_encryption_key(kid)  # FOR SHARE: the key cannot be retired under us
        pk = entry.model._meta.pk_attr  # "id", or a table's own key (signing_key.kid)
        query = entry.model.filter(_not_under(entry, kid))
        if after is not None:
            query = query.filter(**{f"{pk}__gt": after})
        rows = await query.order_by(pk).limit(batch).select_for_update().only(pk, *entry.columns)
        for row in rows:
            changes: dict[str, str] = {}
            for column in entry.columns:
                token = getattr(row, column)
                if token is None or token.startswith(_prefix(kid)):
                    continue
                context = pii_context(entry.table, column, row.pk)
                try:
                    plaintext = await decrypt_value(token, context=context)
                except PiiIntegrityError:
                    report.unreadable.add(context)  # left as it is: its key stays ACTIVE
                    continue
                changes[column] = seal(aead, kid, plaintext, context=context)
            if changes:
                await entry.model.filter(**{pk: row.pk}).update(**changes)
                report.reencrypted += len(changes)
                report.rows += 1
    return rows[-1].pk if len(rows) == batch else None


async def rotate_data_keys(*, batch_size: int = DEFAULT_BATCH, resume: bool = False) -> RotationReport:
    """Encrypt every stored PII value under a new data key (or, resuming, the newest) and retire the unused old keys."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    await check_active_keys()  # refuse before changing anything if the master key is not the one in use
    active = await active_key_ids()
    kid = active[0] if resume and active else await create_data_key()
    report = RotationReport(key_id=kid)
    for _ in range(_MAX_PASSES):
        for entry in PII_COLUMNS:
            cursor = await _reencrypt_batch(entry, kid, None, batch_size, report)
            while cursor is not None:
                cursor = await _reencrypt_batch(entry, kid, cursor, batch_size, report)
        report.still_active = []
        for old in await active_key_ids():
            if old == kid:
                continue
            if await retire_if_unused(old, count_references):
                report.retired.append(old)
            else:
                report.still_active.append(old)
        # Another pass only when a writer slipped a value in under an old key (committed
        # after this pass read past its row); unreadable values will not improve.
        if not report.still_active or report.unreadable:
            break
    if report.unreadable:
        log.error("data-key rotation: %d stored PII values failed their integrity check", len(report.unreadable))
    return report
