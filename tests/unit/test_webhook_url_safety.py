"""services.webhooks.url_safety: https in production, and no internal address at all (SSRF)."""

from __future__ import annotations

import pytest

from services.webhooks import config
from services.webhooks.url_safety import UnsafeWebhookUrl, check_url, check_url_shape, is_forbidden_address

INTERNAL = [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
    "169.254.169.254", "169.254.0.1", "0.0.0.0", "100.64.0.1", "::1", "fc00::1", "fd12:3456::1", "fe80::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fd00:ec2::254", "224.0.0.1", "::",
]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_forbidden(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "172.32.0.1"])
def test_public_addresses_are_allowed(address):
    assert not is_forbidden_address(address)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "https://10.1.2.3/hook", "https://172.16.5.5/", "https://192.168.0.10:8443/x",
    "https://169.254.169.254/latest/meta-data/", "https://[::1]/hook", "https://[fc00::1]/hook", "http://localhost:9000/",
])
async def test_urls_reaching_internal_addresses_are_refused(url):
    with pytest.raises(UnsafeWebhookUrl) as caught:
        await check_url(url, production=False, allow_private=False)
    assert caught.value.code == "VALIDATION" and caught.value.field == ["url"]


async def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    from services.webhooks import url_safety

    async def fake_resolve(host, port):
        return {"hooks.partner.example": ["93.184.216.34", "10.0.0.7"]}[host]

    monkeypatch.setattr(url_safety, "resolve", fake_resolve)
    with pytest.raises(UnsafeWebhookUrl, match="private"):
        await check_url("https://hooks.partner.example/in", production=True, allow_private=False)


async def test_the_development_switch_allows_loopback():
    assert await check_url("http://127.0.0.1:9/hook", production=False, allow_private=True) == ["127.0.0.1"]


@pytest.mark.parametrize("url", ["", "ftp://example.com/", "https://", "https://user:pw@example.com/", "not a url",
                                 "https://example.com:99999/", "https://" + "a" * 2050 + ".com/"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(UnsafeWebhookUrl):
        check_url_shape(url, production=False)


def test_production_needs_https():
    with pytest.raises(UnsafeWebhookUrl, match="https"):
        check_url_shape("http://example.com/hook", production=True)
    assert check_url_shape("https://example.com/hook", production=True) == ("example.com", 443)
    assert check_url_shape("http://example.com/hook", production=False) == ("example.com", 80)


def test_the_private_url_switch_is_off_by_default_and_refused_in_production(monkeypatch):
    monkeypatch.delenv(config.ALLOW_PRIVATE_ENV, raising=False)
    monkeypatch.setenv("QIANBAO_ENV", "development")
    assert not config.allow_private_urls() and config.config_problem() is None
    monkeypatch.setenv(config.ALLOW_PRIVATE_ENV, "true")
    assert config.allow_private_urls()
    monkeypatch.setenv("QIANBAO_ENV", "production")
    assert not config.allow_private_urls()
    assert "refused in production" in config.config_problem()
