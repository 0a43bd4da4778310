"""The API suite's log watch (tests/api/conftest.py) records real secrets and would fail a test that logged one."""

from __future__ import annotations

import logging

from services.staff import create_staff
from tests.api.staff_support import login, staff_email


async def test_a_password_logged_by_mistake_is_caught(http, no_secret_in_logs):
    password = "a staff password nobody should log"
    user = await create_staff(email=staff_email("loghygiene"), role="analyst", password=password)
    assert password in no_secret_in_logs.secrets  # recorded as argon2 hashed it
    logging.getLogger("qianbao.test").warning("created %s with %s", user.email, password)
    assert no_secret_in_logs.leaks() == ["recorded secret a s...(34 chars)"]
    no_secret_in_logs.handler.lines.clear()  # the planted line must not fail this test at teardown


async def test_a_real_login_logs_neither_the_password_nor_the_token(http, no_secret_in_logs):
    password = "another staff password 42"
    user = await create_staff(email=staff_email("loghygiene"), role="analyst", password=password)
    response = await login(http, user.email, password)
    assert response.status_code == 200
    token = response.json()["access_token"]
    assert no_secret_in_logs.handler.lines, "the access log recorded the request"
    assert all(password not in line and token not in line for line in no_secret_in_logs.handler.lines)
    assert no_secret_in_logs.leaks() == []
