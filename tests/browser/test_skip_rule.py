"""When the console journeys skip, and when a missing browser fails them instead (no browser needed here)."""

from __future__ import annotations

import pytest

from tests.browser import conftest


@pytest.fixture()
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("QIANBAO_TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("QIANBAO_CHROMIUM", "/nonexistent/chromium")
    return monkeypatch


def test_without_chromium_they_skip_outside_ci(no_chromium: pytest.MonkeyPatch) -> None:
    no_chromium.delenv("CI", raising=False)
    assert "no Chromium" in conftest._skip_reason()


def test_without_chromium_ci_fails_them(no_chromium: pytest.MonkeyPatch) -> None:
    no_chromium.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and no Chromium"):
        conftest._skip_reason()


def test_they_run_once_in_the_sqlite_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANBAO_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("CI", "true")
    assert "run once, in the SQLite suite" in conftest._skip_reason()


def test_a_named_browser_is_used_when_it_exists(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    browser = tmp_path / "chrome"
    browser.write_text("")
    monkeypatch.setenv("QIANBAO_CHROMIUM", str(browser))
    assert conftest.chromium_path() == str(browser)
