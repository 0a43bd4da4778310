"""The `qianbao` console script, run as a subprocess against a separate database on the session's backend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import pytest_asyncio

from auth.scopes import PARTNER_SCOPES
from schema.common.relay import parse_global_id
from tests.conftest import requires_postgres
from tests.integration.separate_database import migrated_database, query, separate_database, table_names

QIANBAO = Path(sys.executable).parent / "qianbao"


def qianbao(*args: str, cwd: Path, timeout_s: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="development")
    return subprocess.run([str(QIANBAO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


def assert_clean_failure(result: subprocess.CompletedProcess) -> str:
    """A refusal: non-zero exit, one readable line on stderr, no traceback. Returns that line."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest_asyncio.fixture(scope="module")
async def demo(tmp_path_factory):
    """A separate migrated database seeded by `qianbao demo`: (url, working directory, demo stdout)."""
    workdir = tmp_path_factory.mktemp("cli")
    async with migrated_database(workdir) as url:
        seeded = qianbao("demo", "--database-url", url, cwd=workdir)
        assert seeded.returncode == 0, seeded.stderr
        yield url, workdir, seeded.stdout


def test_the_console_script_is_installed():
    assert QIANBAO.is_file(), "pip install -e . should install the qianbao console script"


async def test_migrate_creates_the_schema(tmp_path):
    async with separate_database(tmp_path) as url:
        result = qianbao("migrate", "--database-url", url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "migrations applied" in result.stdout
        assert {"partner", "api_client", "wallet", "account", "ledger_entry"} <= await table_names(url)


@requires_postgres
async def test_a_postgres_url_with_tortoise_pool_options_is_accepted(tmp_path):
    # `?minsize=&maxsize=` is how Tortoise sizes its asyncpg pool from a URL.
    async with separate_database(tmp_path) as url:
        result = qianbao("migrate", "--database-url", f"{url}?minsize=1&maxsize=7", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "ledger_entry" in await table_names(url)


async def test_partner_create_json_prints_one_object_with_credentials_shown_once(demo):
    url, workdir, _ = demo
    result = qianbao("partner", "create", "--name", "X", "--json", "--database-url", url, cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    created = json.loads(lines[0])
    assert set(created) == {"partner_id", "api_client_id", "client_id", "client_secret", "scope", "environment"}
    assert created["environment"] == "LIVE"
    # IDs are the API's opaque global IDs (the ones feeRuleCreate(partnerId:) accepts), never raw UUIDs.
    type_name, partner_id = parse_global_id(created["partner_id"])
    assert type_name == "Partner" and parse_global_id(created["api_client_id"])[0] == "ApiClient"
    assert created["scope"].split() and set(created["scope"].split()) <= set(PARTNER_SCOPES)
    assert created["client_id"].startswith("qb_") and len(created["client_secret"]) >= 32

    rows = await query(url, f"SELECT p.id, p.name, c.secret_hash FROM partner p JOIN api_client c ON c.partner_id = p.id "
                            f"WHERE c.client_id = '{created['client_id']}'")
    assert [(uuid.UUID(str(r[0])), r[1]) for r in rows] == [(partner_id, "X")]
    secret_hash = rows[0][2]
    assert secret_hash.startswith("$argon2id$") and created["client_secret"] not in secret_hash


async def test_partner_create_sandbox_makes_a_sandbox_partner(demo):
    url, workdir, _ = demo
    result = qianbao("partner", "create", "--name", "Sandbox X", "--sandbox", "--json", "--database-url", url, cwd=workdir)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["environment"] == "SANDBOX"
    _, partner_id = parse_global_id(created["partner_id"])
    rows = await query(url, f"SELECT environment FROM partner WHERE id = '{partner_id}'")
    assert [r[0] for r in rows] == ["SANDBOX"]
    text = qianbao("partner", "create", "--name", "Sandbox Y", "--sandbox", "--database-url", url, cwd=workdir)
    assert text.returncode == 0 and "environment  SANDBOX" in text.stdout, text.stdout


def test_demo_prints_two_partners_credentials_and_a_curl_line(demo):
    _, _, stdout = demo
    client_ids = re.findall(r"client_id\s+(qb_[0-9a-f]+)", stdout)
    secrets = re.findall(r"client_secret\s+(\S+)", stdout)
    assert len(client_ids) == 2 and len(set(client_ids)) == 2
    assert len(secrets) == 2 and all(len(s) >= 32 for s in secrets)
    assert re.search(r"^curl .*/graphql", stdout, re.MULTILINE)
    assert "/oauth/token" in stdout and "grant_type=client_credentials" in stdout


async def test_ledger_verify_passes_on_the_demo_data_and_names_a_corrupted_account(demo):
    url, workdir, _ = demo
    healthy = qianbao("ledger", "verify", "--database-url", url, cwd=workdir)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "BROKEN" not in healthy.stdout
    assert re.search(r"checked [1-9]\d* transactions", healthy.stdout)

    (account_id,) = (await query(url, "SELECT MIN(id) FROM account WHERE kind = 'WALLET' AND balance_minor > 0"))[0]
    await query(url, f"UPDATE account SET balance_minor = balance_minor + 1 WHERE id = {int(account_id)}")
    try:
        broken = qianbao("ledger", "verify", "--database-url", url, cwd=workdir)
        assert broken.returncode == 1, broken.stdout + broken.stderr
        problems = [line for line in broken.stdout.splitlines() if line.startswith("BROKEN")]
        assert len(problems) == 1, broken.stdout
        assert f"account {account_id} " in problems[0]
    finally:
        await query(url, f"UPDATE account SET balance_minor = balance_minor - 1 WHERE id = {int(account_id)}")
    assert qianbao("ledger", "verify", "--database-url", url, cwd=workdir).returncode == 0


def test_points_fund_reports_what_it_funded_and_leaves_the_ledger_verified(demo):
    url, workdir, _ = demo
    result = qianbao("points", "fund", "--database-url", url, "--batch", "2", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"points funded for \d+ customer\(s\), \d+ minor units moved into the reserves; \d+ customer\(s\)"
                     r" left unfunded", result.stdout), result.stdout
    assert qianbao("ledger", "verify", "--database-url", url, cwd=workdir).returncode == 0
    refused = qianbao("points", "fund", "--database-url", url, "--batch", "0", cwd=workdir)
    assert refused.returncode == 2 and "--batch" in refused.stderr


def test_serve_with_several_workers_on_sqlite_is_refused(tmp_path):
    result = qianbao("serve", "--workers", "2", "--port", "1", "--database-url", f"sqlite://{tmp_path}/x.sqlite3",
                     cwd=tmp_path, timeout_s=60)
    line = assert_clean_failure(result)
    assert "--workers" in line and "PostgreSQL" in line


def test_serve_refuses_an_app_that_is_not_module_colon_attribute(tmp_path):
    result = qianbao("serve", "--app", "api.asgi", "--port", "1", "--database-url", f"sqlite://{tmp_path}/x.sqlite3",
                     cwd=tmp_path, timeout_s=60)
    line = assert_clean_failure(result)
    assert "--app must be module:attribute" in line and "'api.asgi'" in line
    assert not (tmp_path / "x.sqlite3").exists(), "refused before touching the database"


def test_serve_refuses_another_app_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="production")
    result = subprocess.run([str(QIANBAO), "serve", "--app", "bench.transfer_bench.plain_asgi:app", "--port", "1",
                             "--database-url", f"sqlite://{tmp_path}/x.sqlite3"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    line = assert_clean_failure(result)
    assert "--app is for benchmarks" in line


@pytest.mark.parametrize(
    ("command", "url"),
    [
        (["migrate"], "postgres://postgres@127.0.0.1:1/nope"),
        (["ledger", "verify"], "postgres://postgres:s3cret@127.0.0.1:1/nope"),
        (["partner", "create", "--name", "X"], "postgresql://postgres:s3cret@127.0.0.1:1/nope"),
        (["serve", "--port", "1"], "postgres://postgres:s3cret@127.0.0.1:1/nope"),
        (["migrate"], "sqlite:///nonexistent-qianbao-dir/x.sqlite3"),
    ],
)
def test_an_unreachable_database_is_one_clear_line_without_a_traceback(tmp_path, command, url):
    result = qianbao(*command, "--database-url", url, cwd=tmp_path, timeout_s=60)
    line = assert_clean_failure(result)
    assert "cannot reach the database" in line
    assert ("127.0.0.1:1" in line) if url.startswith("postgres") else ("does not exist" in line)
    assert result.stdout == ""
    assert "s3cret" not in result.stderr, "the password must not be printed"


async def test_events_purge_keeps_thirty_days_and_deletes_older_delivered_events(demo):
    url, workdir, _ = demo
    assert "at least 30 days" in assert_clean_failure(qianbao("events", "purge", "--older-than-days", "7", "--database-url", url, cwd=workdir))
    (event_id,) = (await query(url, "SELECT MIN(id) FROM domain_event"))[0]
    await query(url, f"UPDATE domain_event SET occurred_at = '2020-01-01T00:00:00+00:00' WHERE id = {int(event_id)}")
    kept = qianbao("events", "purge", "--database-url", url, cwd=workdir)  # the webhook fan-out has not passed it
    assert "purged 0 events" in kept.stdout, kept.stdout + kept.stderr
    await query(url, f"UPDATE outbox_cursor SET tx = (SELECT tx FROM domain_event WHERE id = {int(event_id)}),"
                     f" event_id = {int(event_id)} WHERE name = 'webhooks'")
    purged = qianbao("events", "purge", "--database-url", url, cwd=workdir)
    assert purged.returncode == 0, purged.stderr
    assert "purged 1 events older than 30 days" in purged.stdout
    assert (await query(url, f"SELECT COUNT(*) FROM domain_event WHERE id = {int(event_id)}"))[0][0] == 0


async def test_retention_purge_keeps_keys_72_hours_and_deletes_older_ones(demo):
    url, workdir, _ = demo
    assert "at least 72 hours" in assert_clean_failure(
        qianbao("retention", "purge", "--idempotency-hours", "24", "--database-url", url, cwd=workdir))
    (total,) = (await query(url, "SELECT COUNT(*) FROM idempotency_record"))[0]
    assert total > 1, "the demo posts with idempotency keys"
    (record_id,) = (await query(url, "SELECT MIN(id) FROM idempotency_record"))[0]
    await query(url, f"UPDATE idempotency_record SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = {int(record_id)}")
    purged = qianbao("retention", "purge", "--database-url", url, cwd=workdir)
    assert purged.returncode == 0, purged.stderr
    assert purged.stdout.startswith("purged 1 idempotency keys older than 72 h,"), purged.stdout
    assert (await query(url, "SELECT COUNT(*) FROM idempotency_record"))[0][0] == total - 1
    verified = qianbao("ledger", "verify", "--database-url", url, cwd=workdir)
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def test_a_day_whose_totals_overflow_64_bits_is_left_unrolled_and_the_job_goes_on(tmp_path):
    # Two POSTED transactions of 2^62 minor units today (written by SQL: no limit lets them through the API):
    # their sum does not fit a BIGINT. The job must roll every other day and leave this one to the ledger,
    # whose reading refuses such a range clearly, instead of failing on it at every run.
    async with migrated_database(tmp_path) as url:
        created = qianbao("partner", "create", "--name", "Huge", "--json", "--database-url", url, cwd=tmp_path)
        assert created.returncode == 0, created.stderr
        partner_id = parse_global_id(json.loads(created.stdout)["partner_id"])[1]
        now = datetime.now(timezone.utc)
        if now - datetime.combine(now.date(), datetime.min.time(), tzinfo=timezone.utc) < timedelta(hours=1):
            pytest.skip("within an hour after midnight UTC the rows below would fall on yesterday")
        for n, at in enumerate((now - timedelta(minutes=30), now - timedelta(minutes=20), now - timedelta(days=2))):
            at_text = at.isoformat() if url.startswith("postgres") else at.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
            amount = 2 ** 62 if n < 2 else 100
            await query(url, "INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor,"
                             " fee_minor, idempotency_key, created_at, hold_minor) VALUES"
                             f" ('{uuid.uuid4()}', '{partner_id}', 'TOP_UP', 'POSTED', 'CNY', {amount}, 0, 'huge-{n}',"
                             f" '{at_text}', 0)")
        result = qianbao("reports", "rollup", "--database-url", url, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert f"not rolled: {now.date()}, its totals do not fit 64 bits" in result.stdout, result.stdout
        assert "closed day(s) rolled" in result.stdout and "today rolled up to" not in result.stdout
        rolled = {row[0] for row in await query(url, "SELECT period FROM report_rolled_period")}
        assert str((now - timedelta(days=2)).date()) in rolled and str(now.date()) not in rolled
        assert await query(url, "SELECT day FROM report_partial_day") == []
