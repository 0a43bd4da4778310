"""/metrics is not public (issue 19): behind QIANBAO_METRICS_TOKEN, open outside production only when unset."""

from __future__ import annotations

import pytest

from api.health import metrics_refusal
from api.settings import Settings, load_settings

TOKEN = "m" * 40


def test_without_a_token_it_is_open_in_development_and_closed_in_production():
    assert metrics_refusal(Settings(env="development"), None) is None
    assert metrics_refusal(Settings(env="production"), "Bearer anything").status_code == 404


@pytest.mark.parametrize("env", ["development", "production"])
def test_with_a_token_only_the_exact_bearer_token_is_served(env):
    settings = Settings(env=env, metrics_token=TOKEN)
    assert metrics_refusal(settings, f"Bearer {TOKEN}") is None
    for wrong in (None, "", TOKEN, f"Bearer {TOKEN}x", f"bearer {TOKEN}", f"Bearer {TOKEN[:-1]}", "Bearer é"):
        refused = metrics_refusal(settings, wrong)
        assert refused is not None and refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_short_or_spaced_token_is_refused_at_start(monkeypatch):
    for bad in ("short", "a" * 20 + " " + "b" * 20):
        monkeypatch.setenv("QIANBAO_METRICS_TOKEN", bad)
        with pytest.raises(SystemExit):
            load_settings()
    monkeypatch.setenv("QIANBAO_METRICS_TOKEN", TOKEN)
    assert load_settings().metrics_token == TOKEN
