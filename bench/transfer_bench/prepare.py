"""Set-up before the runs: migrations, the bench partner, its token, and the seeded wallets."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import asyncpg

from .http_client import GraphQLSession, HttpConnection
from .server import run_cli
from .settings import BENCH_COUNTRY, CURRENCY, SEED_BALANCE


@dataclass
class Setup:
    partner_id: uuid.UUID
    token: str
    api_wallets: list[str]  # GraphQL global IDs
    base_wallets: list[tuple[uuid.UUID, int]]  # (wallet id, account id), for raw SQL


async def get_token(port: int, client_id: str, client_secret: str) -> str:
    conn = HttpConnection("127.0.0.1", port)
    form = f"grant_type=client_credentials&client_id={quote(client_id)}&client_secret={quote(client_secret)}"
    status, body = await conn.request(
        "POST", "/oauth/token", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    conn.close()
    if status != 200:
        raise RuntimeError(f"POST /oauth/token answered {status}: {body[:300]!r}")
    return json.loads(body)["access_token"]


async def seed_wallets(port: int, token: str, count: int, prefix: str, concurrency: int = 8) -> list[str]:
    """`count` CNY wallets with SEED_BALANCE each, made through the API; returns their global IDs."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    ids: dict[int, str] = {}

    async def worker() -> None:
        session = GraphQLSession("127.0.0.1", port, token)
        try:
            while not queue.empty():
                i = queue.get_nowait()
                customer = await session.payload(
                    "customerCreate",
                    "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
                    " customer { id } userErrors { code message field } } }",
                    {"input": {"externalRef": f"{prefix}-{i:04d}", "kind": "INDIVIDUAL",
                               "displayName": f"Bench {prefix} {i}", "country": BENCH_COUNTRY}},
                )
                wallet = await session.payload(
                    "walletOpen",
                    "mutation($input: WalletOpenInput!) { walletOpen(input: $input) {"
                    " wallet { id } userErrors { code message field } } }",
                    {"input": {"customerId": customer["customer"]["id"], "currency": CURRENCY}},
                )
                wallet_id = wallet["wallet"]["id"]
                await session.payload(
                    "walletTopUp",
                    "mutation($input: WalletTopUpInput!) { walletTopUp(input: $input) {"
                    " transaction { id } userErrors { code message field } } }",
                    {"input": {"walletId": wallet_id, "amount": SEED_BALANCE, "idempotencyKey": f"seed-{prefix}-{i}"}},
                )
                ids[i] = wallet_id
        finally:
            session.conn.close()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return [ids[i] for i in range(count)]


async def baseline_wallets(dsn: str, partner_id: uuid.UUID, prefix: str) -> list[tuple[uuid.UUID, int]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT w.id, w.account_id FROM wallet w JOIN customer c ON c.id = w.customer_id"
            " WHERE w.partner_id = $1 AND c.external_ref LIKE $2 ORDER BY c.external_ref",
            partner_id, prefix + "-%",
        )
    finally:
        await conn.close()
    return [(row["id"], row["account_id"]) for row in rows]


async def migrate_and_create_partner(db_url: str) -> dict[str, Any]:
    """`qianbao migrate`, then `qianbao partner create --json`: the partner's ids and secret."""
    code, out, err = await run_cli("migrate", "--database-url", db_url)
    if code != 0:
        raise RuntimeError(f"qianbao migrate failed ({code}): {err or out}")
    code, out, err = await run_cli("partner", "create", "--name", "bench", "--json", "--database-url", db_url)
    if code != 0:
        raise RuntimeError(f"qianbao partner create failed ({code}): {err or out}")
    return json.loads(out.strip().splitlines()[-1])


async def add_compliance_pack(dsn: str) -> None:
    """The bench customers' pack: China's tiers and AML rules, VELOCITY at 10,000 a minute.

    Every bench wallet sends about twenty transfers a second, so the shipped
    VELOCITY rule (20 an hour) would raise an alert on nearly every one. At
    10,000 a minute it never fires, yet every transfer still pays for every
    compliance step (standing, limits on the locked usage row, the velocity
    count and the rule evaluation), as for a bank's ordinary traffic.
    """
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO compliance_policy (jurisdiction, name, countries, timezone, large_transaction_thresholds,"
            " tiers, aml_rules, version, updated_by, updated_at)"
            " SELECT 'BENCH', 'Bench: China tiers and AML rules, velocity at 10,000 a minute', $1::jsonb, timezone,"
            " large_transaction_thresholds, tiers,"
            " jsonb_set(aml_rules::jsonb, '{VELOCITY}', aml_rules::jsonb->'VELOCITY' || '{\"maxCount\": 10000, \"windowMinutes\": 1}'),"
            " 1, 'bench', now()"
            " FROM compliance_policy WHERE jurisdiction = 'CN'",
            json.dumps([BENCH_COUNTRY]),
        )
    finally:
        await conn.close()


async def approve_customers(dsn: str) -> None:
    """Every bench customer as if compliance had approved its KYC at the top tier (Class III)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("UPDATE customer SET kyc_status = 'APPROVED', kyc_tier = 3")
        await conn.execute("SELECT pg_notify('qianbao_customer_standing', '')")
    finally:
        await conn.close()


async def add_fee_rule(dsn: str, partner_id: uuid.UUID) -> None:
    """A partner fee rule on transfers (0.01 fixed + 0.5 %, at least 0.02): the fee-bearing variant.

    Written straight into the bench database, then announced on the fee channel
    so the running workers drop their remembered (empty) schedule at once.
    """
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO fee_rule (id, partner_id, kind, currency, fixed_minor, rate_bps, fee_min_minor,"
            " free_per_month, effective_from, created_at, created_by)"
            " VALUES ($1, $2, 'TRANSFER', $3, 1, 50, 2, 0, now(), now(), 'bench')",
            uuid.uuid4(), partner_id, CURRENCY,
        )
        await conn.execute("SELECT pg_notify('qianbao_fees', '')")
    finally:
        await conn.close()


async def seed_both_halves(port: int, token: str, partner_id: uuid.UUID, dsn: str, count: int) -> Setup:
    """Two sets of `count` wallets, one for the API run and one for the baseline: never the same rows."""
    api_wallets = await seed_wallets(port, token, count, "api")
    await seed_wallets(port, token, count, "base")
    await add_usage_rows(dsn, partner_id)
    return Setup(partner_id, token, api_wallets, await baseline_wallets(dsn, partner_id, "base"))


async def add_usage_rows(dsn: str, partner_id: uuid.UUID) -> None:
    """Each bench customer's limit usage row, as every customer who has ever sent money has (the steady state).

    The API creates it on a customer's first transfer (INSERT_USAGE_ROW, the same statement). Created here, before
    the VACUUM ANALYZE that follows the set-up, the table is planned at its real size: otherwise the servers'
    prepared posting statement is planned while the table is a page long, and seq-scans it for the whole run.
    """
    from services.compliance.posting_checks import INSERT_USAGE_ROW

    conn = await asyncpg.connect(dsn)
    try:
        ids = await conn.fetch("SELECT id FROM customer WHERE partner_id = $1", partner_id)
        await conn.executemany(INSERT_USAGE_ROW, [(row["id"], CURRENCY) for row in ids])
    finally:
        await conn.close()
