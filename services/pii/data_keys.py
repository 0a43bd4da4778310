"""Envelope data keys: random 256-bit keys, stored wrapped by the master key, unwrapped once per process.

The newest ACTIVE key encrypts; every ACTIVE key decrypts; a RETIRED key holds
no value any more. Two rules keep a value from ever landing under a retired
key, across processes (PostgreSQL):
- a writer takes the encrypting key with FOR SHARE, inside the transaction that
  stores the value, so the key row stays locked until the value is committed;
- retirement takes the key row FOR UPDATE (waiting for those writers), then
  counts the stored values that still name the key, and retires it only at zero.
SQLite serialises writers, so there the order alone is enough.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from datetime import datetime, timezone

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import connections
from tortoise.transactions import in_transaction

from models import DataKey
from services.caches import DATA_KEYS
from services.db.sql import fetch, is_postgres
from services.pii.errors import MasterKeyUnavailable, PiiIntegrityError
from services.pii.master_key import MasterKey, load_master_key, master_key_for

ACTIVE, RETIRED = "ACTIVE", "RETIRED"
KID_RE = re.compile(r"dk_[0-9a-f]{16}")
_NONCE_BYTES = 12

# kid -> the unwrapped key, in DATA_KEYS (AESGCM keeps the raw bytes; nothing else here does).
_unwrapped = DATA_KEYS.data


def forget_cached_keys() -> None:
    """Drop every unwrapped key of this process (tests)."""
    DATA_KEYS.clear()


def wrap_data_key(master: MasterKey, kid: str, key: bytes) -> str:
    """A data key wrapped by a master key (base64 of nonce and ciphertext; the key id is bound as AAD)."""
    nonce = os.urandom(_NONCE_BYTES)
    # AAD = the key id: a wrapped key copied onto another key's row does not unwrap.
    return base64.b64encode(nonce + master.aead.encrypt(nonce, key, kid.encode())).decode()


def _unwrap(kid: str, wrapped_key: str, master_key_id: str) -> AESGCM:
    cached = _unwrapped.get(kid)
    if cached is not None:
        return cached
    try:
        # The current master key, or during a rotation the previous one for keys not re-wrapped yet.
        master = master_key_for(master_key_id)
    except MasterKeyUnavailable as exc:
        raise MasterKeyUnavailable(f"data key {kid} is wrapped by master key {master_key_id!r}: {exc}") from None
    aead = AESGCM(unwrap_data_key(master, kid, wrapped_key))
    DATA_KEYS.put(kid, aead)
    return aead


def unwrap_data_key(master: MasterKey, kid: str, wrapped_key: str) -> bytes:
    """The raw data key a master key wrapped (wrap_data_key); PiiIntegrityError when it does not open."""
    try:
        blob = base64.b64decode(wrapped_key, validate=True)
        return master.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], kid.encode())
    except (binascii.Error, ValueError, InvalidTag):
        raise PiiIntegrityError(f"data key {kid} does not unwrap: wrong master key, or the stored key was altered") from None


async def create_data_key() -> str:
    """Make a new ACTIVE data key (the newest, so it encrypts from now on); return its id."""
    master = load_master_key()
    kid = "dk_" + secrets.token_hex(8)
    key = AESGCM.generate_key(bit_length=256)
    await DataKey.create(id=kid, wrapped_key=wrap_data_key(master, kid, key), master_key_id=master.key_id, status=ACTIVE)
    DATA_KEYS.put(kid, AESGCM(key))
    return kid


async def _select_key(where: str, values: list[object]) -> dict | None:
    conn = connections.get("default")  # the caller's transaction, when there is one
    lock = " FOR SHARE" if is_postgres(conn) else ""
    rows = await fetch(
        conn,
        f"SELECT id, wrapped_key, master_key_id FROM data_key WHERE status = 'ACTIVE'{where}"
        f" ORDER BY created_at DESC, id DESC LIMIT 1{lock}",
        values,
    )
    return rows[0] if rows else None


async def encryption_key() -> tuple[str, AESGCM]:
    """The newest ACTIVE data key, share-locked until the caller's transaction ends (made on first need)."""
    row = await _select_key("", [])
    if row is None:
        # Retired while we waited for its lock (PostgreSQL re-checks the row and returns
        # nothing): read again before concluding that no key exists.
        row = await _select_key("", [])
    if row is None:
        kid = await create_data_key()
        return kid, _unwrapped[kid]
    return row["id"], _unwrap(row["id"], row["wrapped_key"], row["master_key_id"])


async def active_encryption_key(kid: str) -> AESGCM:
    """One named key for encrypting (rotation), share-locked like encryption_key; it must still be ACTIVE."""
    row = await _select_key(" AND id = $1", [kid])
    if row is None:
        raise PiiIntegrityError(f"data key {kid} is not active")
    return _unwrap(row["id"], row["wrapped_key"], row["master_key_id"])


async def decryption_key(kid: str) -> AESGCM:
    """The key that made a value: any ACTIVE data key; unknown or retired keys are refused."""
    cached = _unwrapped.get(kid)
    if cached is not None:
        return cached
    row = await DataKey.get_or_none(id=kid, status=ACTIVE) if KID_RE.fullmatch(kid) else None
    if row is None:
        raise PiiIntegrityError("the value names a data key that does not exist or is retired")
    return _unwrap(row.id, row.wrapped_key, row.master_key_id)


async def check_active_keys() -> None:
    """Unwrap every ACTIVE data key with the configured master key; raise (PiiError) on the first that fails.

    A rotation run with the wrong master key (another working directory's key
    file, a mistyped variable) would otherwise add a new newest key that the
    servers cannot unwrap, and every later encryption would fail.
    """
    for row in await DataKey.filter(status=ACTIVE):
        _unwrapped.pop(row.id, None)  # really unwrap: a remembered key proves nothing about this master key
        _unwrap(row.id, row.wrapped_key, row.master_key_id)


async def active_key_ids() -> list[str]:
    """Every ACTIVE data key id, newest first."""
    return await DataKey.filter(status=ACTIVE).order_by("-created_at", "-id").values_list("id", flat=True)  # type: ignore[return-value]


async def retire_if_unused(kid: str, count_references) -> bool:  # noqa: ANN001 - async (kid) -> int
    """Retire a key when no stored value names it any more; False when one still does (or it is not ACTIVE)."""
    async with in_transaction() as conn:
        lock = " FOR UPDATE" if is_postgres(conn) else ""
        # Waits for every writer that holds the key FOR SHARE: their values are committed
        # (and counted below) before this transaction can decide.
        rows = await fetch(conn, f"SELECT id FROM data_key WHERE id = $1 AND status = 'ACTIVE'{lock}", [kid])
        if not rows or await count_references(kid) > 0:
            return False
        await DataKey.filter(id=kid).using_db(conn).update(status=RETIRED, retired_at=datetime.now(timezone.utc))
    _unwrapped.pop(kid, None)
    return True
