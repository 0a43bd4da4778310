"""A keyed hash of a bank account number: finds the same account linked twice without decrypting anything.

The HMAC-SHA256 key is derived from the PII master key (which never leaves
services.pii): AES-GCM under the master key of a fixed label with a fixed
nonce is a pseudo-random function of that label, so its first 32 bytes are a
key only the holder of the master key can compute. The master key encrypts
everything else under random nonces, so this one fixed nonce never meets a
second plaintext. The key is kept in memory only.
"""

from __future__ import annotations

import hashlib
import hmac

from services.pii.master_key import MasterKey, load_master_key, load_previous_master_key

_LABEL = b"qianbao.funding.account-fingerprint.v1".ljust(48, b"\0")
_NONCE = b"\0" * 12
_AAD = b"funding-fingerprint-key"
_keys: dict[str, bytes] = {}


def _key(master: MasterKey) -> bytes:
    """The HMAC key of a master key (derived once per process)."""
    key = _keys.get(master.key_id)
    if key is None:
        key = _keys[master.key_id] = master.aead.encrypt(_NONCE, _LABEL, _AAD)[:32]
    return key


def account_fingerprint(country: str, number: str) -> str:
    """HMAC-SHA256 (hex) of the account's country and compact number, under the current master key."""
    return hmac.new(_key(load_master_key()), f"{country}:{number}".encode(), hashlib.sha256).hexdigest()


def account_fingerprints(country: str, number: str) -> list[str]:
    """The account's fingerprint under the current master key and, during a rotation, under the previous one."""
    # Until `qianbao keys rotate-master` has recomputed the stored fingerprints, a row may still carry the old one:
    # an account linked again meanwhile must be found under either.
    keys = [master for master in (load_master_key(), load_previous_master_key()) if master is not None]
    return [hmac.new(_key(master), f"{country}:{number}".encode(), hashlib.sha256).hexdigest() for master in keys]
