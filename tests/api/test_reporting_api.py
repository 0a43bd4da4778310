"""The report* queries through GraphQL: figures as Money and global IDs, bad ranges and IDs refused with stable codes."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from schema.common.relay import parse_global_id
from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.support import error_codes

VOLUMES = """query($f: Date!, $t: Date!, $p: ID) { reportVolumes(from: $f, to: $t, partnerId: $p) {
  day partnerId kind currency count amount { amount currency } } }"""
ACTIVE = """query($f: Date!, $t: Date!, $p: ID, $period: ReportPeriod) {
  reportActiveUsers(from: $f, to: $t, partnerId: $p, period: $period) { period activeWallets activeCustomers } }"""
REVENUE = """query($f: Date!, $t: Date!, $p: ID) { reportRevenue(from: $f, to: $t, partnerId: $p) {
  day currency feeRevenue { amount } fxRevenue { amount } merchantFeeRevenue { amount } partnerShare { amount }
  bankShare { amount } } }"""


async def test_an_analyst_reads_a_partners_volumes_and_active_users_of_today(clients, staff):  # noqa: F811
    partner = await clients.partner()
    alice, bob = await partner.create_customer(), await partner.create_customer()
    a, b = await partner.open_wallet(customer_id=alice["id"]), await partner.open_wallet(customer_id=bob["id"])
    await partner.top_up(a["id"], "100.00")
    await partner.transfer(a["id"], b["id"], "12.34")
    partner_id = (await partner.ok("{ viewer { partner { id } } }"))["viewer"]["partner"]["id"]
    today = datetime.now(timezone.utc).date().isoformat()
    analyst = await staff("analyst")
    rows = (await analyst.ok(VOLUMES, {"f": today, "t": today, "p": partner_id}))["reportVolumes"]
    assert sorted((r["kind"], r["count"], r["amount"]["amount"]) for r in rows) == [
        ("TOP_UP", 1, "100.00"), ("TRANSFER", 1, "12.34")]
    assert {r["day"] for r in rows} == {today} and {r["partnerId"] for r in rows} == {partner_id}
    assert parse_global_id(rows[0]["partnerId"])[0] == "Partner"
    active = (await analyst.ok(ACTIVE, {"f": today, "t": today, "p": partner_id, "period": "MONTH"}))["reportActiveUsers"]
    assert active == [{"period": today[:7], "activeWallets": 2, "activeCustomers": 2}]
    revenue = (await analyst.ok(REVENUE, {"f": today, "t": today, "p": partner_id}))["reportRevenue"]
    for row in revenue:  # whatever the default schedule charged, the partner's and the bank's shares make the whole
        whole = sum(Decimal(row[k]["amount"]) for k in ("feeRevenue", "fxRevenue", "merchantFeeRevenue"))
        assert Decimal(row["partnerShare"]["amount"]) + Decimal(row["bankShare"]["amount"]) == whole


async def test_bad_ranges_dates_and_partner_ids_are_refused_with_stable_codes(clients, staff):  # noqa: F811
    analyst = await staff("analyst")
    assert error_codes(await analyst.gql(VOLUMES, {"f": "2026-12-05", "t": "2026-12-01"})) == ["VALIDATION"]
    assert error_codes(await analyst.gql(VOLUMES, {"f": "2025-01-01", "t": "2026-12-01"})) == ["VALIDATION"]
    for bad in ("2026-13-01", "05/12/2026", "2026-12-05T00:00:00Z", "", "yesterday"):
        body = await analyst.gql(VOLUMES, {"f": bad, "t": "2026-12-05"})
        assert body.get("data") is None and error_codes(body) == ["BAD_REQUEST"], (bad, body)
    assert error_codes(await analyst.gql(VOLUMES, {"f": "2026-12-01", "t": "2026-12-05", "p": "not-an-id"})) == ["NOT_FOUND"]
    customer_id = (await (await clients.partner()).create_customer())["id"]
    assert error_codes(await analyst.gql(VOLUMES, {"f": "2026-12-01", "t": "2026-12-05", "p": customer_id})) == ["NOT_FOUND"]
    limit = 'query { reportTopMerchants(from: "2026-12-01", to: "2026-12-02", limit: 101) { name } }'
    assert error_codes(await analyst.gql(limit)) == ["VALIDATION"]
