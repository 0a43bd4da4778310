"""The HTTP edge's bounds (api/http_protocol.py): defaults, the environment, and values refused at start."""

from __future__ import annotations

import pytest

from api.settings import load_settings


def test_defaults(monkeypatch):
    for name in ("QIANBAO_MAX_HEADER_BYTES", "QIANBAO_HEADER_TIMEOUT_S", "QIANBAO_BODY_TIMEOUT_S"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.max_header_bytes, settings.header_timeout_s, settings.body_timeout_s) == (16_384, 10, 60)


def test_the_environment_sets_them(monkeypatch):
    monkeypatch.setenv("QIANBAO_HEADER_TIMEOUT_S", "5")
    monkeypatch.setenv("QIANBAO_BODY_TIMEOUT_S", "120")
    settings = load_settings()
    assert (settings.header_timeout_s, settings.body_timeout_s) == (5, 120)


@pytest.mark.parametrize(("name", "value"), [
    ("QIANBAO_BODY_TIMEOUT_S", "0"), ("QIANBAO_BODY_TIMEOUT_S", "601"), ("QIANBAO_HEADER_TIMEOUT_S", "0"),
    ("QIANBAO_HEADER_TIMEOUT_S", "301"), ("QIANBAO_MAX_HEADER_BYTES", "1023"),
])
def test_a_value_out_of_range_stops_the_start(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=name):
        load_settings()
