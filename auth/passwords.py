"""argon2id hashing of client secrets and passwords, off the event loop."""

from __future__ import annotations

import os
import threading

import anyio
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# One argon2id hash takes ~200 ms and 64 MiB with the defaults: a small cap on
# concurrent hashes keeps a burst of logins from exhausting memory and threads.
_HASH_CONCURRENCY = 2
_limiter: anyio.CapacityLimiter | None = None
_limiter_lock = threading.Lock()


def _hasher() -> PasswordHasher:
    # Tests set QIANBAO_ARGON2_PROFILE=cheapest; production keeps argon2-cffi's defaults.
    if os.environ.get("QIANBAO_ARGON2_PROFILE", "default").lower() == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hash_secret(secret: str) -> str:
    """Hash a secret with argon2id (blocking; use hash_secret_async on the event loop)."""
    return _hasher().hash(secret)


def verify_secret(secret_hash: str, secret: str) -> bool:
    """Check a secret against its argon2id hash (blocking)."""
    try:
        return _hasher().verify(secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _get_limiter() -> anyio.CapacityLimiter:
    global _limiter
    with _limiter_lock:
        if _limiter is None:
            _limiter = anyio.CapacityLimiter(_HASH_CONCURRENCY)
        return _limiter


async def hash_secret_async(secret: str) -> str:
    """Hash a secret in a worker thread, at most a few at once."""
    return await anyio.to_thread.run_sync(hash_secret, secret, limiter=_get_limiter())


async def verify_secret_async(secret_hash: str, secret: str) -> bool:
    """Verify a secret in a worker thread, at most a few at once."""
    return await anyio.to_thread.run_sync(verify_secret, secret_hash, secret, limiter=_get_limiter())


def needs_rehash(secret_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than the current ones."""
    try:
        return _hasher().check_needs_rehash(secret_hash)
    except (InvalidHashError, ValueError):
        return True
