"""FX rates (services.fx.rates, services.fx.rate_import): set by treasury, imported all-or-nothing, never stale."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import FxRate
from services import clock
from services.errors import Forbidden, RateUnavailable, SameCurrency, ValidationFailed
from services.fx.pricing import inverse_rate, parse_rate
from services.fx.queries import list_latest_rates
from services.fx.rate_import import import_rates_file
from services.fx.rates import latest_rates, mid_rate, set_rate
from tests.integration.fx_support import rate, treasury


async def test_treasury_and_admin_set_rates_and_nobody_else(database_url):
    record = await set_rate(principal=treasury(), base="usd", quote="JPY", rate="150.25", source="ecb",
                            created_by="staff:t")
    assert (record.base_currency, record.quote_currency, record.rate_e9) == ("USD", "JPY", 150_250_000_000)
    await set_rate(principal=treasury("admin"), base="EUR", quote="USD", rate="1.08", source="ecb", created_by="staff:a")
    for role in ("support", "analyst", "compliance"):
        with pytest.raises(Forbidden):
            await set_rate(principal=treasury(role), base="USD", quote="JPY", rate="1", source="x", created_by="x")
    with pytest.raises(SameCurrency):
        await set_rate(principal=treasury(), base="USD", quote="usd", rate="1", source="x", created_by="x")
    with pytest.raises(ValidationFailed):
        await set_rate(principal=treasury(), base="USD", quote="JPY", rate="1.0000000001", source="x", created_by="x")
    assert await FxRate.filter(created_by__in=["staff:t", "staff:a"]).count() == 2


async def test_the_latest_rate_is_in_force_and_the_other_direction_is_derived(database_url):
    await rate("NZD", "SGD", "7.10")
    await rate("NZD", "SGD", "7.20")
    direct = await mid_rate("NZD", "SGD")
    assert (direct.rate_e9, direct.derived) == (parse_rate("7.20"), False)
    inverse = await mid_rate("SGD", "NZD")
    assert (inverse.rate_e9, inverse.derived) == (inverse_rate(parse_rate("7.20")), True)
    assert inverse.rate_e9 == 138_888_889  # 1 / 7.2 = 0.13888888..., half up at 9 decimals
    # Once the opposite direction has its own rate, it is used instead of the derived one.
    await rate("SGD", "NZD", "0.14")
    assert (await mid_rate("SGD", "NZD")).rate_e9 == parse_rate("0.14")
    pairs = {(r.base_currency, r.quote_currency): r.derived for r in await latest_rates()}
    assert pairs[("SGD", "NZD")] is False and pairs[("NZD", "SGD")] is False
    page = await list_latest_rates(first=100)
    assert {("NZD", "SGD", parse_rate("7.20")), ("SGD", "NZD", parse_rate("0.14"))} <= {
        (r.base_currency, r.quote_currency, r.rate_e9) for r in page.items}
    assert len(page.items) == len({(r.base_currency, r.quote_currency) for r in page.items})  # one per stored pair


async def test_a_stale_or_missing_rate_is_refused(database_url, monkeypatch):
    with pytest.raises(RateUnavailable):
        await mid_rate("GBP", "CHF")
    start = clock.now()
    with clock.frozen_at(start) as move:
        await rate("GBP", "CHF", "1.12")
        move(start + timedelta(minutes=59))
        assert (await mid_rate("CHF", "GBP")).derived
        move(start + timedelta(hours=1, seconds=1))
        with pytest.raises(RateUnavailable):
            await mid_rate("GBP", "CHF")
        with pytest.raises(RateUnavailable):
            await mid_rate("CHF", "GBP")
        monkeypatch.setenv("QIANBAO_FX_RATE_MAX_AGE_S", "7200")  # the setting, as api/settings reads it
        assert (await mid_rate("GBP", "CHF")).rate_e9 == parse_rate("1.12")


GOOD = """base,quote,rate,source,as_of
USD,JPY,150.25,ecb,2026-12-04T09:00:00Z
EUR,USD,1.0825,ecb,2026-12-04T09:00:00+00:00
usd,cny,7.1,ecb,2026-12-04T09:00:00Z
"""

BAD = """base,quote,rate,source,as_of
USD,JPY,150.25,ecb,2026-12-04T09:00:00Z
USD,XXX,1.5,ecb,2026-12-04T09:00:00Z
EUR,USD,-1,ecb,2026-12-04T09:00:00Z

GBP,USD,1.27,ecb
CHF,USD,1.1,ecb,yesterday
JPY,JPY,1,ecb,2026-12-04T09:00:00Z
"""


async def test_a_bad_file_is_refused_whole_with_its_line_numbers(database_url):
    before = await FxRate.all().count()
    report = await import_rates_file(BAD, created_by="test")
    assert not report.ok and report.added == 0
    assert [number for number, _ in report.errors] == [3, 4, 6, 7, 8]
    assert "XXX" in dict(report.errors)[3] and "5 fields" in dict(report.errors)[6]
    assert await FxRate.all().count() == before  # the good line 2 was not stored either


async def test_importing_the_same_file_twice_adds_nothing_new(database_url):
    before = await FxRate.all().count()
    first = await import_rates_file(GOOD, created_by="test")
    assert (first.ok, first.added, first.unchanged) == (True, 3, 0)
    again = await import_rates_file(GOOD, created_by="test")
    assert (again.ok, again.added, again.unchanged) == (True, 0, 3)
    assert await FxRate.all().count() == before + 3
    # The same pair, source and time with another rate is refused (rates are superseded, never changed).
    changed = await import_rates_file(GOOD.replace("150.25", "151"), created_by="test")
    assert not changed.ok and [n for n, _ in changed.errors] == [2]
    assert await FxRate.all().count() == before + 3
    assert (await FxRate.get(base_currency="USD", quote_currency="CNY", source="ecb")).rate_e9 == parse_rate("7.1")


async def test_a_rate_from_the_future_is_refused(database_url):
    future = (clock.now() + timedelta(days=1)).isoformat()
    report = await import_rates_file(f"USD,JPY,150,ecb,{future}\n", created_by="test")
    assert [n for n, _ in report.errors] == [1] and "future" in report.errors[0][1]


async def test_the_cli_imports_a_file_refuses_a_bad_one_by_line_and_audits(tmp_path):
    from tests.integration.separate_database import migrated_database, query
    from tests.integration.test_cli import assert_clean_failure, qianbao

    good, bad = tmp_path / "rates.csv", tmp_path / "bad.csv"
    good.write_text(GOOD)
    bad.write_text(BAD)
    async with migrated_database(tmp_path) as url:
        first = qianbao("fx", "import", str(good), "--database-url", url, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "3 rate(s) added, 0 already stored" in first.stdout
        again = qianbao("fx", "import", str(good), "--database-url", url, cwd=tmp_path)
        assert "0 rate(s) added, 3 already stored" in again.stdout
        refused = qianbao("fx", "import", str(bad), "--database-url", url, cwd=tmp_path)
        assert refused.returncode == 1
        assert [line.split(":")[1] for line in refused.stdout.splitlines()] == ["3", "4", "6", "7", "8"]
        assert "nothing was imported" in assert_clean_failure(refused)
        assert (await query(url, "SELECT COUNT(*) FROM fx_rate"))[0][0] == 3
        audited = await query(url, "SELECT outcome FROM audit_event WHERE operation = 'fxImport' ORDER BY id")
        assert [row[0] for row in audited] == ["OK", "OK", "VALIDATION"]
