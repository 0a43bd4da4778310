"""Migrations: upgrade from empty on the session's backend, and no model change without a migration.

Everything Tortoise does here runs in a subprocess, so the pytest process
never holds a second ORM context (see STACK.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.integration.separate_database import query, separate_database, table_names

ROOT = Path(__file__).resolve().parents[2]

MODEL_TABLES = {
    "partner", "api_client", "customer", "wallet", "account",
    "ledger_transaction", "ledger_entry", "idempotency_record", "signing_key",
    "staff_user", "revoked_token", "audit_event", "audit_chain_head", "audit_checkpoint", "fee_rule",
    "kyc_submission", "data_key", "compliance_policy", "limit_usage", "aml_alert", "aml_case",
    "aml_case_note", "domain_event", "watchlist_entry", "customer_own_limit",
    "webhook_endpoint", "webhook_delivery", "outbox_cursor", "payment", "refund", "payment_authorization",
    "merchant", "payment_request", "payment_code", "payment_code_miss",
    "rail_transfer", "rail_callback", "simulated_rail_event",
    "bank_account", "card",
    "beneficiary", "international_transfer", "cross_border_quota_usage",  # issue 14 part 7 (helper A)
    "fx_rate", "fx_quote",
    "settlement_file", "reconciliation_exception",
    "points_program", "points_account", "points_earn_rule", "points_lot", "points_clawback", "points_redemption",
    "coupon_campaign", "coupon", "coupon_use",  # issue 15 part 4 (helper B)
    "customer_consent", "offer", "offer_event", "offer_exposure", "partner_offer_setting",  # issue 15 parts 5-6
    "help_article",  # issue 16 part 1 (helper E)
    "support_ticket", "support_message", "dispute",  # issue 16 parts 2-3 (helper F)
    "business_member", "business_approval_policy", "payout_request",  # issue 16 parts 5-6 (G1)
    "bulk_payout", "bulk_payout_line",  # issue 16 part 7 (G2)
    "report_rolled_period", "report_day_volume", "report_day_revenue", "report_day_merchant",  # issue 17 rollups
    "report_day_wallet", "report_partial_day",
    "merchant_settlement",  # issue 13: deferred merchant settlement
}

# Full-text search structures that are not models: the help centre's SQLite FTS5 table and its shadow tables
# (issue 16 part 1; PostgreSQL uses a pg_trgm index on help_article instead, no table).
SEARCH_TABLES = {"help_article_fts", *(f"help_article_fts_{part}" for part in ("data", "idx", "content", "docsize", "config"))}

MONEY_COLUMNS = [
    ("account", "balance_minor"), ("account", "held_minor"), ("ledger_transaction", "amount_minor"),
    ("ledger_transaction", "fee_minor"), ("ledger_entry", "amount_minor"),
    ("ledger_transaction", "hold_minor"), ("limit_usage", "day_out_minor"), ("limit_usage", "month_out_minor"),
    ("limit_usage", "year_out_minor"), ("limit_usage", "lifetime_out_minor"),
    ("payment_request", "amount_minor"), ("rail_transfer", "amount_minor"),
    ("fx_quote", "sell_amount_minor"), ("fx_quote", "buy_amount_minor"), ("ledger_transaction", "buy_amount_minor"),
    ("dispute", "amount_minor"),  # issue 16 part 3 (helper F)
    ("business_approval_policy", "threshold_minor"), ("payout_request", "amount_minor"),  # issue 16 (G1)
    ("coupon_campaign", "budget_minor"), ("coupon_campaign", "budget_used_minor"), ("coupon", "discount_minor"),  # issue 15 (B)
    ("bulk_payout", "total_minor"), ("bulk_payout", "paid_minor"), ("bulk_payout_line", "amount_minor"),  # G2
    ("offer", "min_spend_minor"),  # issue 15 part 6 (helper C)
    ("merchant_settlement", "amount_minor"),  # issue 13: deferred merchant settlement
    ("report_day_volume", "amount_minor"), ("report_day_merchant", "amount_minor"),  # issue 17 rollups
    ("report_day_revenue", "fee_minor"), ("report_day_revenue", "merchant_fee_minor"),
    ("report_day_revenue", "fx_revenue_minor"), ("report_day_revenue", "partner_share_minor"),
    ("international_transfer", "sell_amount_minor"), ("international_transfer", "buy_amount_minor"),  # issue 14 (A)
    ("international_transfer", "fee_minor"), ("international_transfer", "quota_minor"),
    ("points_account", "funded_minor"), ("points_redemption", "reserve_minor"),  # issue 15's points reserve
]

APPLY = "import asyncio, sys; from api.db import apply_migrations; asyncio.run(apply_migrations(sys.argv[1]))"

# Asks Tortoise's autodetector (as `tortoise makemigrations` does) what migrations the
# models need beyond models.migrations; prints them as JSON. Extra model modules
# named on the command line are added to the app, to prove the check can fail.
DETECT = textwrap.dedent(
    """
    import asyncio, json, sys
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector
    from api.db import tortoise_config

    async def main(url, extra_modules):
        config = tortoise_config(url)
        config["apps"]["models"]["models"] += extra_modules
        async with tortoise_cli_context(config) as ctx:
            writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
        print(json.dumps([
            {"app": w.app_label, "name": w.name,
             "operations": [f"{type(op).__name__} {getattr(op, 'name', '')}".strip() for op in w.operations]}
            for w in writers
        ]))

    asyncio.run(main(sys.argv[1], sys.argv[2:]))
    """
)

CANARY_MODEL = textwrap.dedent(
    """
    from tortoise import fields
    from tortoise.models import Model

    class Canary(Model):
        id = fields.IntField(primary_key=True)
        note = fields.CharField(max_length=20)

        class Meta:
            table = "canary"
    """
)


async def money_column_types(url: str) -> dict[tuple[str, str], str]:
    """The declared type of every money column in the migrated database, lower-cased."""
    types = {}
    for table, column in MONEY_COLUMNS:
        if url.startswith("sqlite://"):
            rows = [(name, kind) for _, name, kind, *_ in await query(url, f"PRAGMA table_info({table})")]
        else:
            rows = await query(
                url, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1", table
            )
        types[(table, column)] = dict(rows)[column].lower()
    return types


def run_python(code: str, *args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QIANBAO_ARGON2_PROFILE": "cheapest"}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


async def test_upgrade_from_empty_creates_every_table_and_is_repeatable(tmp_path):
    async with separate_database(tmp_path) as url:
        assert await table_names(url) == set()
        first = run_python(APPLY, url, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        tables = await table_names(url)
        assert MODEL_TABLES <= tables
        assert tables - MODEL_TABLES - SEARCH_TABLES == {"tortoise_migrations"}

        assert await money_column_types(url) == {column: "bigint" for column in MONEY_COLUMNS}

        again = run_python(APPLY, url, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert await table_names(url) == tables


async def test_the_models_need_no_migration_that_is_not_written(tmp_path):
    async with separate_database(tmp_path) as url:
        result = run_python(DETECT, url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == [], "models differ from models/migrations: run `tortoise makemigrations`"


async def test_the_missing_migration_check_catches_a_new_model(tmp_path):
    (tmp_path / "canary_model.py").write_text(CANARY_MODEL)
    async with separate_database(tmp_path) as url:
        result = run_python(DETECT, url, "canary_model", cwd=tmp_path, pythonpath=tmp_path)
        assert result.returncode == 0, result.stderr
        changes = json.loads(result.stdout)
        assert [(c["app"], c["operations"]) for c in changes] == [("models", ["CreateModel Canary"])]
        # The next number after the newest migration on disk.
        newest = max(p.name[:4] for p in (ROOT / "models" / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py"))
        assert changes[0]["name"].startswith(f"{int(newest) + 1:04d}_")


def unique_columns_of_models() -> set[tuple[str, str]]:
    """(table, column) of every field the models declare unique on its own (primary keys aside)."""
    import inspect

    from tortoise.models import Model

    import models

    found = set()
    for value in vars(models).values():
        if inspect.isclass(value) and issubclass(value, Model) and value is not Model:
            for name, field in value._meta.fields_map.items():
                if getattr(field, "unique", False) and not field.pk:
                    relational = hasattr(field, "related_model") or type(field).__name__.endswith("FieldInstance")
                    found.add((value._meta.db_table, getattr(field, "source_field", None) or (f"{name}_id" if relational else name)))
    return found


async def unique_indexed_columns(url: str) -> set[tuple[str, str]]:
    """(table, column) of every single-column unique index or constraint in the migrated database."""
    if url.startswith("sqlite://"):
        found = set()
        for (table,) in await query(url, "SELECT name FROM sqlite_master WHERE type = 'table'"):
            for _, index, unique, *_ in await query(url, f"PRAGMA index_list('{table}')"):
                columns = [row[2] for row in await query(url, f"PRAGMA index_info('{index}')")]
                if unique and len(columns) == 1:
                    found.add((table, columns[0]))
        return found
    rows = await query(url, "SELECT t.relname, a.attname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
                            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]"
                            " WHERE i.indisunique AND i.indnatts = 1")
    return {(table, column) for table, column in rows}


async def test_every_field_declared_unique_is_unique_in_the_database(tmp_path):
    # Tortoise's CreateModel made ForeignKeyField(unique=True) a plain column (0032 adds the missing indexes):
    # the models' promise is checked against what the migrations really built.
    declared = unique_columns_of_models()
    assert ("payment", "transaction_id") in declared and ("wallet", "account_id") in declared
    async with separate_database(tmp_path) as url:
        applied = run_python(APPLY, url, cwd=tmp_path)
        assert applied.returncode == 0, applied.stderr
        assert declared - await unique_indexed_columns(url) == set()
