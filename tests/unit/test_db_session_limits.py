"""The PostgreSQL session limits of the serving processes: configured, checked, and only where they belong."""

from __future__ import annotations

import pytest

from api.db import serving_session_settings, tortoise_config
from api.settings import load_settings

PG = "postgres://postgres@127.0.0.1:5432/test"


def test_defaults_are_two_seconds_for_locks_and_thirty_for_statements(monkeypatch):
    monkeypatch.delenv("QIANBAO_DB_LOCK_TIMEOUT_MS", raising=False)
    monkeypatch.delenv("QIANBAO_DB_STATEMENT_TIMEOUT_MS", raising=False)
    assert serving_session_settings(load_settings(database_url=PG)) == {"lock_timeout": "2000", "statement_timeout": "30000",
                                                                  "random_page_cost": "1.1"}


def test_the_environment_sets_them(monkeypatch):
    monkeypatch.setenv("QIANBAO_DB_LOCK_TIMEOUT_MS", "500")
    monkeypatch.setenv("QIANBAO_DB_STATEMENT_TIMEOUT_MS", "15000")
    assert serving_session_settings(load_settings(database_url=PG)) == {"lock_timeout": "500", "statement_timeout": "15000",
                                                                  "random_page_cost": "1.1"}


@pytest.mark.parametrize(("name", "value"), [
    ("QIANBAO_DB_LOCK_TIMEOUT_MS", "0"), ("QIANBAO_DB_LOCK_TIMEOUT_MS", "99"), ("QIANBAO_DB_LOCK_TIMEOUT_MS", "60001"),
    ("QIANBAO_DB_STATEMENT_TIMEOUT_MS", "0"), ("QIANBAO_DB_STATEMENT_TIMEOUT_MS", "3600001"),
])
def test_a_value_out_of_range_stops_the_start(monkeypatch, name, value):
    # 0 would mean "no limit" to PostgreSQL: refused rather than silently switching the protection off.
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=name):
        load_settings(database_url=PG)


def test_the_serving_pool_carries_them_and_the_cli_pool_does_not():
    limits = {"lock_timeout": "2000", "statement_timeout": "30000"}
    serving = tortoise_config(PG, limits)["connections"]["default"]["credentials"]
    assert serving["server_settings"] == limits
    assert "server_settings" not in tortoise_config(PG)["connections"]["default"]["credentials"]
    assert tortoise_config("sqlite://:memory:", limits)["connections"]["default"] == "sqlite://:memory:"
