"""services.staff_admin: admins list staff users, deactivate them and change their roles.

A deactivated user's tokens are refused at once; a role change refuses the
user's earlier tokens (they carry the old role), and a new sign-in gets the
new role; nothing may leave the bank without an active admin (LAST_ADMIN),
even when two admins act at once.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from auth.principal import Principal
from auth.tokens import TokenAuthority
from models import StaffUser
from services.errors import Forbidden, LastAdmin, NotFound, ValidationFailed
from services.staff import create_staff, login_staff
from services.staff_admin import deactivate_staff_user, list_staff_users, own_staff_user, set_staff_role
from services.staff_records import StaffUserRecord
from services.token_liveness import principal_is_live
from tests.integration.staff_support import only_active_admins
from tests.integration.token_support import authority, partner_token

PASSWORD = "correct horse battery staple"


async def _user(role: str) -> StaffUser:
    return await create_staff(email=f"{uuid.uuid4().hex[:12]}@bank.test", role=role, password=PASSWORD)


async def _signed_in(tokens: TokenAuthority, user: StaffUser) -> Principal:
    """What POST /auth/login does: check the password (which waits for the cutoff), then issue a token."""
    result = await login_staff(email=user.email, password=PASSWORD)
    assert result.staff is not None
    token, _ = tokens.issue_staff_token(staff_id=result.staff.id, role=result.staff.role, ttl_s=300)
    return tokens.verify(token)


async def _state(user_id: uuid.UUID) -> tuple:
    row = await StaffUser.get(id=user_id)
    return row.active, row.role, row.min_token_iat_s


# --- who may call ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["compliance", "support", "analyst"])
async def test_only_admins_list_or_change_staff_users(database_url, role):
    tokens = await authority()
    caller = await _signed_in(tokens, await _user(role))
    target = await _user("support")
    with pytest.raises(Forbidden):
        await list_staff_users(principal=caller, first=10, after=None)
    with pytest.raises(Forbidden):
        await deactivate_staff_user(principal=caller, staff_user_id=target.id, reason="not mine to do")
    with pytest.raises(Forbidden):
        await set_staff_role(principal=caller, staff_user_id=target.id, role="admin", reason="not mine to do")
    assert await _state(target.id) == (True, "support", None)


async def test_partner_tokens_reach_no_staff_service(database_url):
    tokens = await authority()
    _, partner = await partner_token(tokens, "staff-admin-partner")
    target = await _user("support")
    for call in (
        list_staff_users(principal=partner, first=10, after=None),
        own_staff_user(principal=partner),
        deactivate_staff_user(principal=partner, staff_user_id=target.id, reason="no"),
        set_staff_role(principal=partner, staff_user_id=target.id, role="admin", reason="no"),
    ):
        with pytest.raises(Forbidden):
            await call
    assert await _state(target.id) == (True, "support", None)


# --- listing --------------------------------------------------------------------


async def test_admins_page_through_every_staff_user_oldest_first(database_url):
    tokens = await authority()
    admin = await _signed_in(tokens, await _user("admin"))
    mine = [await _user(role) for role in ("support", "analyst", "compliance")]
    seen: list[StaffUserRecord] = []
    after = None
    while True:
        page = await list_staff_users(principal=admin, first=2, after=after)
        assert len(page.items) <= 2
        seen += page.items
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    ids = [record.id for record in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    by_id = {record.id: record for record in seen}
    for user in mine:
        record = by_id[user.id]
        assert (record.email, record.role, record.active) == (user.email, user.role, True)
        assert not hasattr(record, "password_hash")
    for first in (0, 101):
        with pytest.raises(ValidationFailed):
            await list_staff_users(principal=admin, first=first, after=None)
    with pytest.raises(ValidationFailed):
        await list_staff_users(principal=admin, first=10, after="not-a-cursor")


async def test_a_staff_member_reads_their_own_account(database_url):
    tokens = await authority()
    user = await _user("analyst")
    own = await own_staff_user(principal=await _signed_in(tokens, user))
    assert (own.id, own.email, own.role, own.active) == (user.id, user.email, "analyst", True)
    assert own.last_login_at is not None


# --- deactivation ----------------------------------------------------------------


async def test_a_deactivated_user_is_refused_at_once_and_cannot_sign_in(database_url):
    tokens = await authority()
    admin = await _signed_in(tokens, await _user("admin"))
    leaver = await _user("compliance")
    session = await _signed_in(tokens, leaver)
    assert await principal_is_live(session)
    record = await deactivate_staff_user(principal=admin, staff_user_id=leaver.id, reason="left the bank")
    assert (record.id, record.active, record.role) == (leaver.id, False, "compliance")
    assert record.audit_target().object_type == "StaffUser" and record.audit_target().partner_id is None
    active, _, cutoff = await _state(leaver.id)
    assert not active and cutoff is not None and cutoff > session.issued_at
    assert not await principal_is_live(session)
    assert (await login_staff(email=leaver.email, password=PASSWORD)).staff is None
    with pytest.raises(ValidationFailed, match="already deactivated"):
        await deactivate_staff_user(principal=admin, staff_user_id=leaver.id, reason="twice")
    with pytest.raises(ValidationFailed, match="deactivated"):
        await set_staff_role(principal=admin, staff_user_id=leaver.id, role="support", reason="come back")
    # Even switched back on by hand in the database, the old token stays refused.
    await StaffUser.filter(id=leaver.id).update(active=True)
    assert not await principal_is_live(session)


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501, "bad\x00reason"])
async def test_a_reason_is_required(database_url, reason):
    tokens = await authority()
    admin = await _signed_in(tokens, await _user("admin"))
    target = await _user("support")
    for call in (
        deactivate_staff_user(principal=admin, staff_user_id=target.id, reason=reason),  # type: ignore[arg-type]
        set_staff_role(principal=admin, staff_user_id=target.id, role="analyst", reason=reason),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationFailed) as caught:
            await call
        assert caught.value.field == ["reason"]
    assert await _state(target.id) == (True, "support", None)


async def test_unknown_staff_users_are_not_found(database_url):
    tokens = await authority()
    admin = await _signed_in(tokens, await _user("admin"))
    for missing in (uuid.uuid4(), None):
        with pytest.raises(NotFound) as caught:
            await deactivate_staff_user(principal=admin, staff_user_id=missing, reason="who")
        assert caught.value.field == ["staffUserId"]
        with pytest.raises(NotFound):
            await set_staff_role(principal=admin, staff_user_id=missing, role="support", reason="who")


# --- role changes ----------------------------------------------------------------


async def test_a_role_change_refuses_the_older_tokens_and_the_next_sign_in_carries_the_new_role(database_url):
    tokens = await authority()
    admin = await _signed_in(tokens, await _user("admin"))
    user = await _user("admin")
    old = await _signed_in(tokens, user)
    assert "partners:write" in old.scopes
    record = await set_staff_role(principal=admin, staff_user_id=user.id, role="support", reason="moved team")
    assert (record.role, record.active) == ("support", True)
    assert not await principal_is_live(old)
    new = await _signed_in(tokens, await StaffUser.get(id=user.id))
    assert new.role == "support" and "partners:write" not in new.scopes and await principal_is_live(new)
    # Back to admin: the first token (role admin again) stays refused.
    await set_staff_role(principal=admin, staff_user_id=user.id, role="admin", reason="moved back")
    assert not await principal_is_live(old) and not await principal_is_live(new)
    with pytest.raises(ValidationFailed) as caught:
        await set_staff_role(principal=admin, staff_user_id=user.id, role="admin", reason="already")
    assert caught.value.field == ["role"]
    for bad in ("root", "ADMIN", ""):
        with pytest.raises(ValidationFailed) as caught:
            await set_staff_role(principal=admin, staff_user_id=user.id, role=bad, reason="bad role")
        assert caught.value.field == ["role"]


# --- the last admin ---------------------------------------------------------------


async def test_the_last_active_admin_cannot_be_deactivated_or_demoted(database_url):
    tokens = await authority()
    only = await _user("admin")
    caller = await _signed_in(tokens, only)
    async with only_active_admins(only.id):
        for call in (
            deactivate_staff_user(principal=caller, staff_user_id=only.id, reason="leaving"),
            set_staff_role(principal=caller, staff_user_id=only.id, role="analyst", reason="stepping down"),
        ):
            with pytest.raises(LastAdmin) as caught:
                await call
            assert caught.value.code == "LAST_ADMIN" and caught.value.field == ["staffUserId"]
        assert await _state(only.id) == (True, "admin", None)
        assert await principal_is_live(caller)
        # With a second admin, stepping down is fine (and the caller's own tokens stop).
        successor = await _user("support")
        await set_staff_role(principal=caller, staff_user_id=successor.id, role="admin", reason="successor")
        await set_staff_role(principal=caller, staff_user_id=only.id, role="analyst", reason="stepping down")
        assert not await principal_is_live(caller)
        await StaffUser.filter(id=successor.id).update(active=False)  # keep the block's admins to ours


async def test_two_last_admins_deactivating_each_other_at_once_leave_one(database_url):
    tokens = await authority()
    first, second = await _user("admin"), await _user("admin")
    first_session, second_session = await _signed_in(tokens, first), await _signed_in(tokens, second)
    async with only_active_admins(first.id, second.id):
        outcomes = await asyncio.gather(
            deactivate_staff_user(principal=first_session, staff_user_id=second.id, reason="race"),
            deactivate_staff_user(principal=second_session, staff_user_id=first.id, reason="race"),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, LastAdmin)]
        done = [o for o in outcomes if isinstance(o, StaffUserRecord)]
        assert len(refused) == 1 and len(done) == 1, outcomes
        assert await StaffUser.filter(id__in=[first.id, second.id], active=True).count() == 1
