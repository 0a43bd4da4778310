"""POST /auth/login for bank staff: tokens, one answer for every failure, lockout,
concurrent guessing, rehashing, timing equalisation, malformed bodies, and the
`qianbao staff create` command that makes the users."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest
import pytest_asyncio
from argon2 import PasswordHasher, profiles

from auth.roles import STAFF_ROLES, permissions_of
from models import StaffUser
from services.staff import LOCKOUT, MAX_FAILED_LOGINS, login_staff
from tests.api.staff_support import STAFF_PASSWORD, VIEWER, login, staff, staff_email  # noqa: F401 - fixture
from tests.integration.separate_database import migrated_database, query

WRONG = "not the password at all"


def _failure_shape(response) -> tuple[int, dict, str | None, str | None]:
    return (response.status_code, response.json(), response.headers.get("www-authenticate"),
            response.headers.get("cache-control"))


# --- success ----------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_login_gives_a_staff_token_carrying_the_role(staff, http, app, role):
    user = await staff.user(role)
    before = datetime.now(timezone.utc)
    response = await login(http, user.email.upper(), STAFF_PASSWORD)  # e-mail addresses match case-insensitively
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == f"role:{role}"
    assert body["expires_in"] == app.state.qianbao.settings.staff_token_ttl_s == 900
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA" and header["typ"] == "at+jwt" and header["kid"] == app.state.qianbao.tokens.signing.kid
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["kind"] == "staff" and claims["sub"] == str(user.id) and claims["role"] == role
    assert "partner_id" not in claims and "scope" not in claims

    viewer = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert viewer.status_code == 200, viewer.text
    assert viewer.json()["data"]["viewer"] == {
        "kind": "staff", "role": role, "clientId": None, "scopes": sorted(permissions_of(role)), "customerId": None,
    }
    stored = await StaffUser.get(id=user.id)
    assert stored.failed_logins == 0 and stored.last_login_at is not None and stored.last_login_at >= before - timedelta(seconds=1)


# --- one answer for every failure ----------------------------------------------------


async def test_wrong_password_unknown_email_locked_and_disabled_accounts_answer_alike(staff, http):
    user = await staff.user("support")
    locked = await staff.user("support")
    await StaffUser.filter(id=locked.id).update(locked_until=datetime.now(timezone.utc) + timedelta(minutes=5))
    disabled = await staff.user("admin")
    await StaffUser.filter(id=disabled.id).update(active=False)

    answers = {
        "wrong password": await login(http, user.email, WRONG),
        "unknown e-mail": await login(http, staff_email("nobody"), STAFF_PASSWORD),
        "locked, right password": await login(http, locked.email, STAFF_PASSWORD),
        "disabled, right password": await login(http, disabled.email, STAFF_PASSWORD),
        "empty password": await login(http, user.email, ""),
        "over-long password": await login(http, user.email, "x" * 300),
        "over-long e-mail": await login(http, "x" * 300 + "@bank.example", STAFF_PASSWORD),
    }
    reference = _failure_shape(answers["wrong password"])
    assert reference[0] == 401 and reference[1] == {"error": "invalid_grant", "error_description": "invalid email or password"}
    assert reference[2] and reference[3] == "no-store"
    for name, response in answers.items():
        assert _failure_shape(response) == reference, name
        assert "access_token" not in response.text


# --- lockout -------------------------------------------------------------------------


async def test_ten_failures_lock_the_account_for_thirty_minutes(staff, http):
    user = await staff.user("analyst")
    # Nine failures, then the right password: in, and the count starts over.
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert (await login(http, user.email, WRONG)).status_code == 401
    assert (await StaffUser.get(id=user.id)).failed_logins == MAX_FAILED_LOGINS - 1
    assert (await login(http, user.email, STAFF_PASSWORD)).status_code == 200
    assert (await StaffUser.get(id=user.id)).failed_logins == 0

    reference = _failure_shape(await login(http, user.email, WRONG))
    started = datetime.now(timezone.utc)
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert _failure_shape(await login(http, user.email, WRONG)) == reference
    stored = await StaffUser.get(id=user.id)
    assert stored.locked_until is not None
    assert abs((stored.locked_until - (started + LOCKOUT)).total_seconds()) < 30, stored.locked_until
    assert LOCKOUT == timedelta(minutes=30)

    # The right password during the lockout gets exactly the failure answer.
    assert _failure_shape(await login(http, user.email, STAFF_PASSWORD)) == reference
    locked_until = stored.locked_until
    during = await login_staff(email=user.email, password=STAFF_PASSWORD, now=locked_until - timedelta(minutes=1))
    assert during.staff is None and during.locked
    # Guesses during the lockout neither extend it nor count toward the next one.
    assert (await login(http, user.email, WRONG)).status_code == 401
    stored = await StaffUser.get(id=user.id)
    assert stored.locked_until == locked_until and stored.failed_logins == 0

    after = await login_staff(email=user.email, password=STAFF_PASSWORD, now=started + timedelta(minutes=31))
    assert after.staff is not None and after.staff.id == user.id and not after.locked
    stored = await StaffUser.get(id=user.id)
    assert stored.locked_until is None and stored.failed_logins == 0
    assert (await login(http, user.email, STAFF_PASSWORD)).status_code == 200


async def test_concurrent_wrong_guesses_all_count(staff, http):
    nine = await staff.user("compliance")
    answers = await asyncio.gather(*(login(http, nine.email, WRONG) for _ in range(MAX_FAILED_LOGINS - 1)))
    assert [a.status_code for a in answers] == [401] * (MAX_FAILED_LOGINS - 1)
    stored = await StaffUser.get(id=nine.id)
    assert stored.failed_logins == MAX_FAILED_LOGINS - 1 and stored.locked_until is None

    ten = await staff.user("compliance")
    answers = await asyncio.gather(*(login(http, ten.email, WRONG) for _ in range(MAX_FAILED_LOGINS)))
    assert [a.status_code for a in answers] == [401] * MAX_FAILED_LOGINS
    stored = await StaffUser.get(id=ten.id)
    assert stored.locked_until is not None and stored.locked_until > datetime.now(timezone.utc) + timedelta(minutes=29)
    assert (await login(http, ten.email, STAFF_PASSWORD)).status_code == 401


# --- rehash --------------------------------------------------------------------------


async def test_a_hash_with_other_parameters_is_replaced_on_the_next_successful_login(http):
    older = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1, hash_len=16, salt_len=16)
    old_hash = older.hash(STAFF_PASSWORD)
    user = await StaffUser.create(email=staff_email("rehash"), role="analyst", password_hash=old_hash)

    assert (await login(http, user.email, WRONG)).status_code == 401
    assert (await StaffUser.get(id=user.id)).password_hash == old_hash, "a failed login must not rehash"

    assert (await login(http, user.email, STAFF_PASSWORD)).status_code == 200
    new_hash = (await StaffUser.get(id=user.id)).password_hash
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")
    current = PasswordHasher.from_parameters(profiles.CHEAPEST)  # what QIANBAO_ARGON2_PROFILE=cheapest uses
    assert os.environ["QIANBAO_ARGON2_PROFILE"] == "cheapest"
    assert not current.check_needs_rehash(new_hash) and older.check_needs_rehash(new_hash)
    assert current.verify(new_hash, STAFF_PASSWORD)

    assert (await login(http, user.email, STAFF_PASSWORD)).status_code == 200
    assert (await StaffUser.get(id=user.id)).password_hash == new_hash, "an up-to-date hash is left alone"


# --- timing --------------------------------------------------------------------------


async def test_an_unknown_user_costs_as_long_as_a_wrong_password_with_the_real_argon2_parameters(
    staff, http, monkeypatch
):
    monkeypatch.setenv("QIANBAO_ARGON2_PROFILE", "default")  # auth/passwords.py reads it at every call
    user = await staff.user("analyst")
    assert not PasswordHasher().check_needs_rehash(user.password_hash), "the user must have a default-cost hash"
    runs = 5
    timings: dict[str, list[float]] = {"unknown user": [], "wrong password": [], "right password": []}
    for round_number in range(runs + 1):  # round 0 warms up (the dummy hash is made on first use)
        for kind, email, password, status in (
            ("unknown user", staff_email("ghost"), STAFF_PASSWORD, 401),
            ("wrong password", user.email, WRONG, 401),
            ("right password", user.email, STAFF_PASSWORD, 200),  # also resets the failure count each round
        ):
            started = time.perf_counter()
            response = await login(http, email, password)
            elapsed = time.perf_counter() - started
            assert response.status_code == status, (kind, response.text)
            if round_number:
                timings[kind].append(elapsed)
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    print("\nlogin latency, default argon2id parameters, median of", runs, "runs:",
          ", ".join(f"{kind} {value * 1000:.0f} ms" for kind, value in medians.items()))
    assert medians["wrong password"] > 0.02, "the default parameters should cost tens of milliseconds at least"
    ratio = medians["unknown user"] / medians["wrong password"]
    assert 0.5 <= ratio <= 2.0, f"unknown user vs wrong password: {ratio:.2f}x ({medians})"
    right_ratio = medians["right password"] / medians["wrong password"]
    assert 0.5 <= right_ratio <= 2.0, f"right vs wrong password: {right_ratio:.2f}x ({medians})"


# --- malformed bodies ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b"not json", "application/json"),
        (b"\xff\xfe\xfa", "application/json"),
        (b"[]", "application/json"),
        (b'["a@b.example", "password"]', "application/json"),
        (b'"a@b.example"', "application/json"),
        (b"{}", "application/json"),
        (b'{"email": "a@b.example"}', "application/json"),
        (b'{"password": "correct horse battery staple"}', "application/json"),
        (b'{"email": 7, "password": "correct horse battery staple"}', "application/json"),
        (b'{"email": "a@b.example", "password": null}', "application/json"),
        (b'{"email": ["a@b.example"], "password": "x"}', "application/json"),
        (b"email=a%40b.example&password=x", "application/x-www-form-urlencoded"),
        (json.dumps({"email": "a@b.example", "password": "x" * 5000}).encode(), "application/json"),
    ],
    ids=["empty", "not-json", "not-utf8", "list", "list-of-strings", "string", "empty-object", "no-password",
         "no-email", "email-number", "password-null", "email-list", "form-encoded", "over-4-kib"],
)
async def test_malformed_bodies_are_invalid_request(http, content, content_type):
    response = await http.post("/auth/login", content=content, headers={"content-type": content_type})
    assert response.status_code == (413 if len(content) > 4096 else 400), response.text  # too large: 413, as every route
    body = response.json()
    assert body["error"] == "invalid_request" and isinstance(body["error_description"], str)
    assert "access_token" not in body


async def test_a_malformed_body_does_not_count_as_a_failed_login(staff, http):
    user = await staff.user("support")
    response = await http.post("/auth/login", json={"email": user.email, "password": 12345678901234})
    assert response.status_code == 400
    assert (await StaffUser.get(id=user.id)).failed_logins == 0


# --- qianbao staff create --------------------------------------------------------------

QIANBAO = Path(sys.executable).parent / "qianbao"

_LOGIN_SCRIPT = """
import asyncio, json, sys
import httpx
from api.app import create_app
from api.settings import load_settings

async def main(url, email, password):
    app = create_app(load_settings(database_url=url, env="test"), chain_audit=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cli-check") as client:
            response = await client.post("/auth/login", json={"email": email, "password": password})
            out = {"status": response.status_code}
            if response.status_code == 200:
                token = response.json()["access_token"]
                viewer = await client.post("/graphql", json={"query": "{ viewer { kind role } }"},
                                           headers={"Authorization": "Bearer " + token})
                out["viewer"] = viewer.json()["data"]["viewer"]
            print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="development")
    return env


def _staff_create(url: str, cwd: Path, email: str, role: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(QIANBAO), "staff", "create", "--email", email, "--role", role, "--password-stdin", "--database-url", url],
        input=password + "\n", cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120,
    )


@pytest_asyncio.fixture(scope="module")
async def cli_database(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("staff-cli")
    async with migrated_database(workdir) as url:
        yield url, workdir


async def _staff_rows(url: str, email: str) -> list[tuple]:
    placeholder = "?" if url.startswith("sqlite://") else "$1"
    return await query(url, f"SELECT role, active, password_hash FROM staff_user WHERE email = {placeholder}", email)


async def test_staff_create_makes_a_user_who_can_log_in(cli_database):
    url, workdir = cli_database
    email, password = staff_email("cli").upper(), "a long enough cli password"
    result = _staff_create(url, workdir, email, "compliance", password)
    assert result.returncode == 0, result.stderr
    assert email.lower() in result.stdout and "compliance" in result.stdout
    assert password not in result.stdout + result.stderr
    rows = await _staff_rows(url, email.lower())
    assert len(rows) == 1 and rows[0][0] == "compliance" and rows[0][1] in (True, 1)
    assert rows[0][2].startswith("$argon2id$") and password not in rows[0][2]

    checked = subprocess.run([sys.executable, "-c", _LOGIN_SCRIPT, url, email.lower(), password], cwd=workdir,
                             env=_env(), capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout.strip().splitlines()[-1]) == {
        "status": 200, "viewer": {"kind": "staff", "role": "compliance"}}

    again = _staff_create(url, workdir, email, "admin", password)
    assert again.returncode != 0 and "Traceback" not in again.stderr
    assert "exists" in again.stderr
    assert [row[0] for row in await _staff_rows(url, email.lower())] == ["compliance"]


@pytest.mark.parametrize(
    ("role", "password", "complaint"),
    [("admin", "short", "password"), ("admin", "x" * 257, "password"), ("root", "a long enough cli password", "role"),
     ("ADMIN", "a long enough cli password", "role")],
    ids=["short-password", "over-long-password", "unknown-role", "role-in-capitals"],
)
async def test_staff_create_refuses_a_bad_password_or_role(cli_database, role, password, complaint):
    url, workdir = cli_database
    email = staff_email("cli-refused")
    result = _staff_create(url, workdir, email, role, password)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert complaint in result.stderr.lower()
    assert password not in result.stderr
    if complaint == "password":
        assert await _staff_rows(url, email) == []
