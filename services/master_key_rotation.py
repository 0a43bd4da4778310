"""`qianbao keys rotate-master`: move everything the master key protects to a new master key, while serving.

The master key wraps the data keys (services.pii.data_keys), derives the key of
the bank account fingerprints (services.funding.fingerprint) and signs the audit
checkpoints (services.audit_checkpoint). A rotation, without downtime:

1. every process restarts, one at a time, with the new key in QIANBAO_MASTER_KEY
   (a new QIANBAO_MASTER_KEY_ID) and the old one in QIANBAO_MASTER_KEY_PREVIOUS
   (QIANBAO_MASTER_KEY_PREVIOUS_ID): it unwraps data keys under either, wraps new
   ones under the new key, finds a bank account under either fingerprint;
2. `rotate_master_key` re-wraps every data key under the new key (each row in its own
   transaction, locked: the raw data key, and so every stored value, stays the same),
   recomputes every bank account's fingerprint, and re-signs the audit checkpoints;
3. with nothing left under the old key, the processes restart without
   QIANBAO_MASTER_KEY_PREVIOUS: the old key is retired.
Running it again is harmless: it only touches what is still under the old key, and
fingerprints already current are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import BankAccount, DataKey
from services.audit_checkpoint import resign_checkpoints
from services.funding.bank_linking import live_key
from services.funding.fingerprint import account_fingerprint
from services.pii import decrypt_value, pii_context
from services.pii.data_keys import forget_cached_keys, unwrap_data_key, wrap_data_key
from services.pii.errors import MasterKeyUnavailable
from services.pii.master_key import load_master_key, load_previous_master_key


@dataclass(frozen=True)
class MasterRotation:
    """What one run moved from the previous master key to the current one, and what is left under the old one."""

    current_key_id: str
    previous_key_id: str
    data_keys: int
    fingerprints: int
    checkpoints: int
    checkpoints_refused: tuple[int, ...]
    left_under_previous: int

    @property
    def done(self) -> bool:
        """Whether the previous master key protects nothing any more (it may be removed from the environment)."""
        return self.left_under_previous == 0 and not self.checkpoints_refused


async def rotate_master_key() -> MasterRotation:
    """Re-wrap the data keys, recompute the fingerprints and re-sign the checkpoints under the current master key."""
    current, previous = load_master_key(), load_previous_master_key()
    if previous is None:
        raise MasterKeyUnavailable("no previous master key: set QIANBAO_MASTER_KEY to the new key (with a new"
                                   " QIANBAO_MASTER_KEY_ID) and QIANBAO_MASTER_KEY_PREVIOUS(_ID) to the old one")
    rewrapped = 0
    for kid in await DataKey.filter(master_key_id=previous.key_id).values_list("id", flat=True):
        async with in_transaction() as conn:
            # Locked and read again: two runs at once re-wrap each key once, and a key is never left half-moved.
            row = await DataKey.filter(id=kid).using_db(conn).select_for_update().get()
            if row.master_key_id != previous.key_id:
                continue
            raw = unwrap_data_key(previous, row.id, row.wrapped_key)  # PiiIntegrityError: left as it is
            await DataKey.filter(id=kid).using_db(conn).update(
                wrapped_key=wrap_data_key(current, row.id, raw), master_key_id=current.key_id)
            rewrapped += 1
    forget_cached_keys()  # this process unwraps them again, under the new key, on next use
    fingerprints = await _refingerprint_bank_accounts()
    resigned, refused = await resign_checkpoints(previous, current)
    left = await DataKey.filter(master_key_id=previous.key_id).count()
    return MasterRotation(current.key_id, previous.key_id, rewrapped, fingerprints, resigned, tuple(refused), left)


async def _refingerprint_bank_accounts() -> int:
    """Recompute every bank account's fingerprint (and live key) under the current master key; how many changed."""
    changed = 0
    for account_id in await BankAccount.all().order_by("id").values_list("id", flat=True):
        async with in_transaction() as conn:
            row = await BankAccount.filter(id=account_id).using_db(conn).select_for_update().get()
            number = await decrypt_value(row.number_enc, context=pii_context(BankAccount._meta.db_table, "number_enc", row.id))
            fingerprint = account_fingerprint(row.country, number)
            if fingerprint == row.number_fingerprint:
                continue
            await BankAccount.filter(id=account_id).using_db(conn).update(
                number_fingerprint=fingerprint,
                # Only a live link has a live key (REJECTED and REMOVED rows keep NULL).
                live_key=live_key(row.customer_id, fingerprint) if row.live_key is not None else None)  # type: ignore[attr-defined]
            changed += 1
    return changed
