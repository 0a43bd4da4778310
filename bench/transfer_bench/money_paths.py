"""Set-up of the other money paths (--all-paths): a points programme and coupons for the payers, and FX wallets.

Everything a partner can do is done through GraphQL with the bench partner's token, as in prepare.py; two things
are written straight into the bench database, because the API gives them one at a time or not to partners:

  * the coupons: couponIssue gives one coupon per customer and call, and a run needs hundreds per payer. They are
    inserted as couponIssue stores them (status and source ISSUED), in campaigns made with couponCampaignCreate;
  * the CNY/USD mid rate: `qianbao fx import` (bank treasury's command), not a partner's to set.

Loyalty (prepare_loyalty): a BUSINESS customer of the bench partner funds a points programme (pointsProgramCreate,
0.01 CNY a point) and one coupon campaign per payer (couponCampaignCreate: 1.00 off, stackable with points). A
campaign's budget row is one lock, so one campaign per payer keeps payers apart, as separate campaigns would be.
Each payer earns its points the way a customer does: an earn rule (1 point per 0.01 CNY) is created, each payer pays
100.00 to a merchant's code, the points feed grants 10,000 points each, and the rule is retired before any measured
run, so that no measured payment earns points (the plain payments stay the payments of --payments).

FX (prepare_fx): a CNY/USD rate imported with `qianbao fx import`, and a USD wallet (walletOpen) for each payer. The
bench's compliance pack (prepare.add_compliance_pack: China's tiers, which cover CNY only) is given USD limits equal
to its CNY limits, as a bank offering USD wallets would configure its pack (else every conversion is KYC_REQUIRED).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg

from schema.common.relay import global_id_to_uuid, to_global_id

from .http_client import GraphQLSession
from .server import run_cli
from .settings import BENCH_COUNTRY, CURRENCY

COUPONS_PER_PAYER = 1000  # two kinds of coupon payment, at up to ~300/s, for --rounds 2 of 20 s and more
POINTS_SEED_PAYMENT = "100.00"  # earns 10,000 points at 1 point per 0.01
FUNDING = "90000.00"  # the campaigns' budgets (1.00 x COUPONS_PER_PAYER each) and every points discount
CNY_USD = "0.1389"


@dataclass
class Loyalty:
    program_id: str  # PointsProgram global ID
    coupons: list[list[str]]  # per payer (index of the payer wallet): Coupon global IDs not used yet


async def _funder(session: GraphQLSession, dsn: str) -> str:
    """A BUSINESS customer of the bench partner, KYC-approved, with a funded CNY wallet: its wallet's global ID."""
    customer = await session.payload(
        "customerCreate", "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
        " customer { id } userErrors { code message field } } }",
        {"input": {"externalRef": "loyalty-funder", "kind": "BUSINESS", "displayName": "Bench Loyalty Ltd",
                   "country": BENCH_COUNTRY}})
    wallet = await _open(session, customer["customer"]["id"], CURRENCY)
    conn = await asyncpg.connect(dsn)
    try:  # approved as prepare.approve_customers approves the bench's customers (Class III)
        await conn.execute("UPDATE customer SET kyc_status = 'APPROVED', kyc_tier = 3 WHERE external_ref = 'loyalty-funder'")
        await conn.execute("SELECT pg_notify('qianbao_customer_standing', '')")
    finally:
        await conn.close()
    await session.payload(
        "walletTopUp", "mutation($input: WalletTopUpInput!) { walletTopUp(input: $input) {"
        " transaction { id } userErrors { code message field } } }",
        {"input": {"walletId": wallet, "amount": FUNDING, "idempotencyKey": "seed-loyalty-funder"}})
    return wallet


async def _open(session: GraphQLSession, customer_id: str, currency: str) -> str:
    """walletOpen: the new wallet's global ID."""
    wallet = await session.payload(
        "walletOpen", "mutation($input: WalletOpenInput!) { walletOpen(input: $input) {"
        " wallet { id } userErrors { code message field } } }",
        {"input": {"customerId": customer_id, "currency": currency}})
    return wallet["wallet"]["id"]


async def _payer_customers(dsn: str, wallets: list[str]) -> tuple[list[str], list, object]:
    """The payers' customers (global IDs and UUIDs, in wallet order) and their partner's UUID."""
    ids = [global_id_to_uuid(w, "Wallet") for w in wallets]
    conn = await asyncpg.connect(dsn)
    try:
        rows = {r["id"]: r for r in await conn.fetch("SELECT id, customer_id, partner_id FROM wallet WHERE id = ANY($1)", ids)}
    finally:
        await conn.close()
    customers = [rows[i]["customer_id"] for i in ids]
    return [to_global_id("Customer", c) for c in customers], customers, rows[ids[0]]["partner_id"]


async def _earn_points(session: GraphQLSession, dsn: str, program_id: str, payers: list[str], code: str) -> None:
    """Each payer earns 10,000 points by paying POINTS_SEED_PAYMENT; the rule is retired once they are granted."""
    rule = await session.payload(
        "pointsEarnRuleCreate", "mutation($input: PointsEarnRuleInput!) { pointsEarnRuleCreate(input: $input) {"
        " rule { id } userErrors { code message field } } }",
        {"input": {"programId": program_id, "kind": "PAYMENT", "pointsPerUnit": 1, "spendUnit": "0.01"}})
    for n, wallet in enumerate(payers):
        await session.payload(
            "paymentCreate", "mutation($input: PaymentCreateInput!) { paymentCreate(input: $input) {"
            " payment { id } userErrors { code message field } } }",
            {"input": {"fromWalletId": wallet, "qrPayload": code, "amount": POINTS_SEED_PAYMENT,
                       "idempotencyKey": f"seed-points-{n}"}})
    conn = await asyncpg.connect(dsn)
    try:  # the points feed (a background task of the server) grants them from the payment.succeeded events
        deadline = time.monotonic() + 60
        while await conn.fetchval("SELECT COUNT(*) FROM points_lot") < len(payers):
            if time.monotonic() > deadline:
                raise RuntimeError("the points feed did not grant the seed payments' points within 60 s")
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    await session.payload(
        "pointsEarnRuleRetire", "mutation($input: PointsEarnRuleRetireInput!) { pointsEarnRuleRetire(input: $input) {"
        " rule { id } userErrors { code message field } } }", {"input": {"ruleId": rule["rule"]["id"]}})


async def _coupons(session: GraphQLSession, dsn: str, funder: str, customer_ids: list, partner_id: object) -> list[list[str]]:
    """One campaign per payer (couponCampaignCreate) and COUPONS_PER_PAYER coupons of it for that payer (SQL)."""
    now = datetime.now(timezone.utc)
    pools = []
    conn = await asyncpg.connect(dsn)
    try:
        for n, customer_id in enumerate(customer_ids):
            campaign = await session.payload(
                "couponCampaignCreate", "mutation($input: CouponCampaignCreateInput!) {"
                " couponCampaignCreate(input: $input) { campaign { id } userErrors { code message field } } }",
                {"input": {"name": f"Bench {n}", "issuer": "PARTNER", "fundingWalletId": funder, "currency": CURRENCY,
                           "budget": f"{COUPONS_PER_PAYER}.00", "discountKind": "FIXED", "amountOff": "1.00",
                           "validFrom": (now - timedelta(days=1)).isoformat(), "validTo": (now + timedelta(days=1)).isoformat(),
                           "perCustomerLimit": COUPONS_PER_PAYER, "stackable": True, "refundRule": "RESTORE",
                           "idempotencyKey": f"bench-campaign-{n}"}})
            campaign_id = global_id_to_uuid(campaign["campaign"]["id"], "CouponCampaign")
            rows = await conn.fetch(
                "INSERT INTO coupon (id, campaign_id, customer_id, partner_id, status, source, discount_minor, issued_at)"
                " SELECT gen_random_uuid(), $1, $2, $3, 'ISSUED', 'ISSUED', 0, now() FROM generate_series(1, $4)"
                " RETURNING id", campaign_id, customer_id, partner_id, COUPONS_PER_PAYER)
            pools.append([to_global_id("Coupon", r["id"]) for r in rows])
    finally:
        await conn.close()
    return pools


async def prepare_loyalty(port: int, token: str, dsn: str, payers: list[str], codes: list[str]) -> Loyalty:
    """The points programme, the payers' points, and their coupons (see the module docstring)."""
    session = GraphQLSession("127.0.0.1", port, token)
    try:
        funder = await _funder(session, dsn)
        program = await session.payload(
            "pointsProgramCreate", "mutation($input: PointsProgramCreateInput!) { pointsProgramCreate(input: $input) {"
            " program { id } userErrors { code message field } } }",
            {"input": {"name": "Bench Points", "unitCode": "BPT", "valuePerPoint": {"amount": "0.01", "currency": CURRENCY},
                       "expiryMonths": 12, "fundingWalletId": funder}})
        program_id = program["program"]["id"]
        await _earn_points(session, dsn, program_id, payers, codes[0])
        _, customer_ids, partner_id = await _payer_customers(dsn, payers)
        pools = await _coupons(session, dsn, funder, customer_ids, partner_id)
    finally:
        session.conn.close()
    return Loyalty(program_id, pools)


async def prepare_fx(port: int, token: str, dsn: str, db_url: str, payers: list[str]) -> list[str]:
    """The CNY/USD rate (`qianbao fx import`) and a USD wallet for each payer: their global IDs, in payer order."""
    as_of = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(f"base,quote,rate,source,as_of\nCNY,USD,{CNY_USD},bench,{as_of}\n")
    try:
        code, out, err = await run_cli("fx", "import", f.name, "--database-url", db_url)
    finally:
        Path(f.name).unlink()
    if code != 0:
        raise RuntimeError(f"qianbao fx import failed ({code}): {err or out}")
    conn = await asyncpg.connect(dsn)
    try:  # each tier of the bench pack: the same limits in USD as in CNY (both have two decimals)
        await conn.execute(
            "UPDATE compliance_policy SET tiers = (SELECT jsonb_agg(jsonb_set(t, '{limits,USD}', t->'limits'->'CNY'))"
            " FROM jsonb_array_elements(tiers::jsonb) t) WHERE jurisdiction = 'BENCH'")
        await conn.execute("SELECT pg_notify('qianbao_customer_standing', '')")  # the packs' channel
    finally:
        await conn.close()
    customers, _, _ = await _payer_customers(dsn, payers)
    session = GraphQLSession("127.0.0.1", port, token)
    try:
        return [await _open(session, customer, "USD") for customer in customers]
    finally:
        session.conn.close()
