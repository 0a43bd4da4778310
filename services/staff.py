"""Bank staff accounts: creation and hardened password login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from auth.passwords import hash_secret_async, needs_rehash, verify_secret_async
from auth.roles import STAFF_ROLES
from tortoise.expressions import F

from models import StaffUser
from services.errors import AlreadyExists, ValidationFailed
from services.token_liveness import wait_until_tokens_live
from services.validation import clean_email

MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

# Verified against when the e-mail is unknown, so an unknown user costs the
# same argon2 work (and time) as a wrong password.
_dummy_hash: str | None = None


@dataclass(frozen=True)
class LoginResult:
    staff: StaffUser | None
    locked: bool = False


async def create_staff(*, email: str, role: str, password: str) -> StaffUser:
    """Create a staff user with an argon2id-hashed password."""
    address = clean_email(email)
    if address is None:
        raise ValidationFailed("email is required", field=["email"])
    if role not in STAFF_ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(STAFF_ROLES)}", field=["role"])
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters", field=["password"]
        )
    if await StaffUser.filter(email=address).exists():
        raise AlreadyExists("a staff user with this email exists", field=["email"])
    return await StaffUser.create(email=address, role=role, password_hash=await hash_secret_async(password))


async def login_staff(*, email: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a staff login; count failures, lock for 30 minutes after 10, rehash when needed."""
    global _dummy_hash
    now = now or datetime.now(timezone.utc)
    address = (email or "").strip().lower()
    staff = None
    if 0 < len(address) <= 254 and len(password or "") <= MAX_PASSWORD_LENGTH:
        staff = await StaffUser.get_or_none(email=address)
    if staff is None or not staff.active:
        if _dummy_hash is None or needs_rehash(_dummy_hash):
            # Made (again) with the current parameters, or it would cost less than a real hash.
            _dummy_hash = await hash_secret_async(secrets.token_urlsafe(24))
        await verify_secret_async(_dummy_hash, password or "")
        return LoginResult(staff=None)
    if staff.locked_until is not None and staff.locked_until > now:
        # Still verify, so a locked account answers in the same time as any other.
        await verify_secret_async(staff.password_hash, password or "")
        return LoginResult(staff=None, locked=True)
    if not await verify_secret_async(staff.password_hash, password or ""):
        await _record_failure(staff, now)
        return LoginResult(staff=None)
    updates = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if needs_rehash(staff.password_hash):
        updates["password_hash"] = await hash_secret_async(password)
    await StaffUser.filter(id=staff.id).update(**updates)
    # Right after a role change the token cutoff may be this very second: a token issued now would be refused.
    await wait_until_tokens_live(staff.min_token_iat_s)
    return LoginResult(staff=staff)


async def _record_failure(staff: StaffUser, now: datetime) -> None:
    # Atomic increments: concurrent wrong guesses must each count.
    await StaffUser.filter(id=staff.id).update(failed_logins=F("failed_logins") + 1)
    await StaffUser.filter(id=staff.id, failed_logins__gte=MAX_FAILED_LOGINS).update(
        failed_logins=0, locked_until=now + LOCKOUT
    )
