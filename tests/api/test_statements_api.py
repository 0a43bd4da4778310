"""walletStatement over GraphQL and GET /statements/{walletId}.csv|.pdf through the ASGI app."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from pypdf import PdfReader

from services.clock import system_now
from tests.api.staff_support import bearer, customer_session, staff  # noqa: F401 - staff is a fixture
from tests.api.support import error_codes

STATEMENT = """
query($w: ID!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String) {
  walletStatement(walletId: $w, from: $from, to: $to) {
    walletId from to openingBalance { amount currency } closingBalance { amount } totalFees { amount }
    totals { kind count amount { amount } fees { amount } }
    lines(first: $first, after: $after) {
      edges { cursor node { transactionId kind counterparty counterpartyWalletId memo amount { amount }
              fee { amount } runningBalance { amount } time } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


def period() -> dict[str, str]:
    now = system_now()  # the entries carry the database's real time
    return {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}


async def scene(clients):
    """Partner A's customer 李小龙 with a wallet that got a top-up, paid a transfer and a withdrawal; partner B."""
    a, b = await clients.partner(), await clients.partner()
    customer = await a.create_customer(displayName="李小龙")
    mine = await a.open_wallet("CNY", customer_id=customer["id"])
    other = await a.open_wallet("CNY")
    await a.top_up(mine["id"], "100.00")
    await a.transfer(mine["id"], other["id"], "30.25", memo="房租 rent")
    await a.withdraw(mine["id"], "10.00")
    return a, b, customer, mine, other


async def test_graphql_statement_reconciles_and_pages(clients):
    a, _, _, mine, other = await scene(clients)
    data = await a.ok(STATEMENT, {"w": mine["id"], **period(), "first": 2})
    st = data["walletStatement"]
    assert (st["openingBalance"], st["closingBalance"]["amount"]) == ({"amount": "0.00", "currency": "CNY"}, "59.75")
    assert st["closingBalance"]["amount"] == await a.balance(mine["id"])
    assert sorted((t["kind"], t["count"], t["amount"]["amount"]) for t in st["totals"]) == [
        ("TOP_UP", 1, "100.00"), ("TRANSFER", 1, "-30.25"), ("WITHDRAWAL", 1, "-10.00")]
    first = [edge["node"] for edge in st["lines"]["edges"]]
    assert [n["runningBalance"]["amount"] for n in first] == ["100.00", "69.75"]
    assert first[1]["memo"] == "房租 rent" and first[1]["counterpartyWalletId"] == other["id"]
    assert first[1]["counterparty"] == f"Transfer to wallet {other['id']}"
    assert st["lines"]["pageInfo"]["hasNextPage"]
    rest = await a.ok(STATEMENT, {"w": mine["id"], **period(), "first": 2, "after": st["lines"]["pageInfo"]["endCursor"]})
    nodes = [edge["node"] for edge in rest["walletStatement"]["lines"]["edges"]]
    assert [(n["kind"], n["runningBalance"]["amount"]) for n in nodes] == [("WITHDRAWAL", "59.75")]
    assert not rest["walletStatement"]["lines"]["pageInfo"]["hasNextPage"]


async def test_who_may_read_a_statement(clients, staff):
    a, b, customer, mine, other = await scene(clients)
    foreign = await b.gql(STATEMENT, {"w": mine["id"], **period()})
    assert error_codes(foreign) == ["NOT_FOUND"] and foreign["data"] is None
    frontend = await customer_session(a, customer["id"], ["wallets:read", "transactions:read"])
    own = await frontend.ok(STATEMENT, {"w": mine["id"], **period()})
    assert own["walletStatement"]["closingBalance"]["amount"] == "59.75"
    assert error_codes(await frontend.gql(STATEMENT, {"w": other["id"], **period()})) == ["NOT_FOUND"]
    support = await staff("support")
    assert (await support.ok(STATEMENT, {"w": mine["id"], **period()}))["walletStatement"]["totalFees"]["amount"] == "0.00"
    narrow = await clients.partner(token_scopes=["wallets:read"])
    assert error_codes(await narrow.gql(STATEMENT, {"w": mine["id"], **period()})) == ["FORBIDDEN"]


async def test_graphql_bad_ranges(clients):
    a, _, _, mine, _ = await scene(clients)
    now = system_now()
    for start, end in ((now, now), (now, now - timedelta(hours=1)), (now - timedelta(days=400), now)):
        body = await a.gql(STATEMENT, {"w": mine["id"], "from": start.isoformat(), "to": end.isoformat()})
        assert error_codes(body) == ["VALIDATION"], body


async def test_csv_download_round_trip(clients):
    a, _, _, mine, other = await scene(clients)
    response = await a.http.get(f"/statements/{mine['id']}.csv", params=period(), headers=bearer(a.token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv") and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    lines = [r for r in rows if r["transaction_id"]]
    assert [(r["kind"], r["amount"], r["running_balance"]) for r in lines] == [
        ("TOP_UP", "100.00", "100.00"), ("TRANSFER", "-30.25", "69.75"), ("WITHDRAWAL", "-10.00", "59.75")]
    assert lines[1]["memo"] == "房租 rent" and lines[1]["counterparty"] == f"Transfer to wallet {other['id']}"
    closing = next(r for r in rows if r["kind"] == "CLOSING_BALANCE")
    assert closing["running_balance"] == await a.balance(mine["id"])


async def test_pdf_download_shows_the_chinese_name(clients):
    a, _, _, mine, _ = await scene(clients)
    response = await a.http.get(f"/statements/{mine['id']}.pdf", params=period(), headers=bearer(a.token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    squeezed = "".join(text.replace("\x00", "").split())  # pypdf puts a NUL before each two-byte glyph's text
    assert "李小龙" in squeezed and mine["id"] in squeezed and "59.75" in squeezed


async def test_http_refusals(clients):
    a, b, _, mine, _ = await scene(clients)
    url = f"/statements/{mine['id']}.csv"
    assert (await a.http.get(url, params=period())).status_code == 401
    assert (await a.http.get(url, params=period(), headers=bearer("not-a-token"))).status_code == 401
    foreign = await b.http.get(url, params=period(), headers=bearer(b.token))
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "NOT_FOUND"
    assert (await a.http.get(f"/statements/{mine['id']}.xlsx", params=period(), headers=bearer(a.token))).status_code == 404
    narrow = await clients.partner(token_scopes=["wallets:read"])
    forbidden = await a.http.get(url, params=period(), headers=bearer(narrow.token))
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "FORBIDDEN"
    now = system_now()
    for params in ({"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()},
                   {"from": (now - timedelta(days=400)).isoformat(), "to": now.isoformat()},
                   {"from": "yesterday", "to": now.isoformat()},
                   {"from": "2026-01-01T00:00:00", "to": "2026-02-01T00:00:00"},
                   {"to": now.isoformat()}):
        refused = await a.http.get(f"/statements/{mine['id']}.pdf", params=params, headers=bearer(a.token))
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "VALIDATION", (params, refused.text)
